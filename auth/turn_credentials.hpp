#pragma once
// Time-limited TURN credentials in the coturn "TURN REST API" scheme
// (use-auth-secret): the TURN server shares `secret` with us and checks
// the credential itself, so no per-user state is stored anywhere.

#include <cstdint>
#include <string>
#include <string_view>

namespace roomcast {

struct turn_credential {
  std::string username;   ///< "<expiry unix seconds>:<peerId>"
  std::string credential; ///< base64(HMAC-SHA1(secret, username))
};

/// Base64 (RFC 4648, padded) of HMAC-SHA1(key, message).
std::string hmac_sha1_base64(std::string_view key, std::string_view message);

/// Credentials for `peer_id` valid until `now_s + ttl_s`.
turn_credential make_turn_credential(std::string_view secret, std::string_view peer_id, std::int64_t ttl_s,
                                     std::int64_t now_s);

} // namespace roomcast
