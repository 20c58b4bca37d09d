#include "gateway/jwt_verifier.hpp"

#include <jwt.h>

#include <cerrno>
#include <memory>

namespace roomcast {

jwt_result verify_jwt(std::string_view token, std::string_view secret, long long now_s) {
  if (secret.empty())
    return {std::nullopt, "token authentication is not configured"};
  if (token.size() > 8192)
    return {std::nullopt, "token too long"};
  jwt_t* raw = nullptr;
  std::string tok{token};
  if (jwt_decode(&raw, tok.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size()))
        != 0
      || !raw)
    return {std::nullopt, "invalid token"};
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt{raw, jwt_free};
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256)
    return {std::nullopt, "token must be signed with HS256"};
  errno = 0;
  long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno == 0 && exp <= now_s)
    return {std::nullopt, "token expired"};
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (!sub || !*sub)
    return {std::nullopt, "token has no subject"};
  jwt_identity id;
  id.subject = sub;
  const char* name = jwt_get_grant(jwt.get(), "name");
  id.name = name && *name ? name : sub;
  if (const char* role = jwt_get_grant(jwt.get(), "role"))
    id.role = role;
  return {std::move(id), {}};
}

} // namespace roomcast
