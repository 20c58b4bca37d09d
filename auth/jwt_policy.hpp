#pragma once
// What a client token is checked against: the HS256 secret and, when set,
// the issuer and audience it must name, with a leeway for clock skew.

#include <string>

namespace roomcast {

struct jwt_policy {
  std::string secret;    ///< HS256 key; empty: token authentication is off
  std::string issuer;    ///< required `iss`; empty: not checked
  std::string audience;  ///< required in `aud` (a string or an array); empty: not checked
  long long leeway_s = 0; ///< `exp` and `nbf` are honoured this many seconds late / early
};

} // namespace roomcast
