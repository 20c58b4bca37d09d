#pragma once
// HS256 tokens for the Socket.IO dialects, which require a JWT. A small
// SHA-256 here keeps the load generator free of a crypto library.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data);
std::string base64url(const std::uint8_t* data, std::size_t len);

/// A signed token with claims sub, name, role "user" and exp = now + 1 day.
std::string make_jwt(std::string_view secret, std::string_view subject, std::string_view name,
                     std::string_view role = "user");

} // namespace bench
