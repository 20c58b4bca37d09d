#pragma once
// Client tokens: JWT HS256 only (libjwt); `alg: none` and expired tokens are refused.

#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"

namespace roomcast {

struct jwt_result {
  std::optional<verified_identity> identity;
  std::string error; ///< why the token was refused
};

/// Verifies signature, algorithm and expiry against `now_s` (Unix seconds).
jwt_result verify_jwt(std::string_view token, std::string_view secret, long long now_s);

/// The same against the current time.
jwt_result verify_jwt_now(std::string_view token, std::string_view secret);

} // namespace roomcast
