#include "auth/jwt_verifier.hpp"

#include <jwt.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>

namespace roomcast {

namespace {

/// A claim holding an array of strings; other values are ignored.
std::vector<std::string> string_array(jwt_t* jwt, const char* claim) {
  std::vector<std::string> out;
  char* raw = jwt_get_grants_json(jwt, claim);
  if (!raw)
    return out;
  std::unique_ptr<char, void (*)(void*)> text{raw, std::free};
  boost::json::error_code ec;
  auto v = boost::json::parse(text.get(), ec);
  if (ec || !v.is_array())
    return out;
  for (auto& e : v.get_array())
    if (e.is_string())
      out.emplace_back(e.get_string());
  return out;
}

/// An integer claim, or nothing when absent or not a number.
std::optional<long> int_claim(jwt_t* jwt, const char* claim) {
  errno = 0;
  long v = jwt_get_grant_int(jwt, claim);
  if (errno != 0)
    return std::nullopt;
  return v;
}

/// Whether `aud` (a string, or an array of strings) names `audience`.
bool names_audience(jwt_t* jwt, const std::string& audience) {
  if (const char* aud = jwt_get_grant(jwt, "aud"))
    return audience == aud;
  auto list = string_array(jwt, "aud");
  return std::find(list.begin(), list.end(), audience) != list.end();
}

} // namespace

jwt_result verify_jwt(std::string_view token, const jwt_policy& policy, long long now_s) {
  const std::string& secret = policy.secret;
  if (secret.empty())
    return {std::nullopt, "token authentication is not configured"};
  if (token.size() > 8192)
    return {std::nullopt, "token too long"};
  // libjwt reads a C string: bytes after a NUL would go unverified.
  if (token.find('\0') != std::string_view::npos)
    return {std::nullopt, "invalid token"};
  jwt_t* raw = nullptr;
  std::string tok{token};
  if (jwt_decode(&raw, tok.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size()))
        != 0
      || !raw)
    return {std::nullopt, "invalid token"};
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt{raw, jwt_free};
  // libjwt also takes "hs256"; JWS algorithm names are case-sensitive (RFC 7515 4.1.1).
  const char* alg = jwt_get_header(jwt.get(), "alg");
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || !alg || std::string_view{alg} != "HS256")
    return {std::nullopt, "token must be signed with HS256"};
  auto leeway = std::max(0LL, policy.leeway_s);
  if (auto exp = int_claim(jwt.get(), "exp"); exp && *exp + leeway <= now_s)
    return {std::nullopt, "token expired"};
  if (auto nbf = int_claim(jwt.get(), "nbf"); nbf && *nbf - leeway > now_s)
    return {std::nullopt, "token not valid yet"};
  if (!policy.issuer.empty()) {
    const char* iss = jwt_get_grant(jwt.get(), "iss");
    if (!iss || policy.issuer != iss)
      return {std::nullopt, "token issuer not accepted"};
  }
  if (!policy.audience.empty() && !names_audience(jwt.get(), policy.audience))
    return {std::nullopt, "token audience not accepted"};
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (!sub || !*sub)
    return {std::nullopt, "token has no subject"};
  verified_identity id;
  id.authenticated = true;
  id.subject = sub;
  const char* name = jwt_get_grant(jwt.get(), "name");
  id.name = name && *name ? name : sub;
  if (const char* role = jwt_get_grant(jwt.get(), "role"))
    id.role = role;
  id.channels = string_array(jwt.get(), "channels");
  id.conversations = string_array(jwt.get(), "conversations");
  return {std::move(id), {}};
}

jwt_result verify_jwt_now(std::string_view token, const jwt_policy& policy) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return verify_jwt(token, policy, now.count());
}

} // namespace roomcast
