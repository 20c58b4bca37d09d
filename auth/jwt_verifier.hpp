#pragma once
// Client tokens: JWT HS256 only (libjwt); `alg: none`, expired and not-yet-valid
// tokens are refused, and so are tokens for another issuer or audience.

#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"
#include "auth/jwt_policy.hpp"

namespace roomcast {

struct jwt_result {
  std::optional<verified_identity> identity;
  std::string error; ///< why the token was refused
};

/// Verifies signature, algorithm, `exp`, `nbf`, `iss` and `aud` as `policy`
/// asks, against `now_s` (Unix seconds). Every dialect and the admin console
/// check tokens here, so the policy holds everywhere alike.
jwt_result verify_jwt(std::string_view token, const jwt_policy& policy, long long now_s);

/// The same against the current time.
jwt_result verify_jwt_now(std::string_view token, const jwt_policy& policy);

} // namespace roomcast
