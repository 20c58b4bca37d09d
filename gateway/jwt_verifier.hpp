#pragma once
// Client tokens: JWT HS256 only (libjwt); `alg: none` and expired tokens are refused.

#include <optional>
#include <string>
#include <string_view>

namespace roomcast {

struct jwt_identity {
  std::string subject; ///< `sub`
  std::string name;    ///< `name`, or `sub` when absent
  std::string role;    ///< `role`, may be empty
};

struct jwt_result {
  std::optional<jwt_identity> identity;
  std::string error; ///< why the token was refused
};

/// Verifies signature, algorithm and expiry against `now_s` (Unix seconds).
jwt_result verify_jwt(std::string_view token, std::string_view secret, long long now_s);

} // namespace roomcast
