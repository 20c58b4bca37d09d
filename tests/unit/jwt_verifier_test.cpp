#define CAF_SUITE jwt_verifier

#include "auth/jwt_verifier.hpp"

#include <caf/test/unit_test.hpp>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <map>

using namespace roomcast;

namespace {

constexpr long long now = 1'800'000'000;

/// Signs `grants` with libjwt, as a client's auth service would.
std::string make_token(const std::map<std::string, std::string>& grants, std::map<std::string, long> ints = {},
                       jwt_alg_t alg = JWT_ALG_HS256, const std::string& key = "secret") {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  for (auto& [k, v] : grants)
    jwt_add_grant(jwt, k.c_str(), v.c_str());
  for (auto& [k, v] : ints)
    jwt_add_grant_int(jwt, k.c_str(), v);
  if (alg == JWT_ALG_NONE)
    jwt_set_alg(jwt, JWT_ALG_NONE, nullptr, 0);
  else
    jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size()));
  char* s = jwt_encode_str(jwt);
  std::string out = s ? s : "";
  free(s);
  jwt_free(jwt);
  return out;
}

} // namespace

CAF_TEST(a valid token gives subject name and role) {
  auto r = verify_jwt(make_token({{"sub", "u1"}, {"name", "Ada"}, {"role", "moderator"}}, {{"exp", now + 60}}),
                      "secret", now);
  CAF_REQUIRE(r.identity.has_value());
  CAF_CHECK_EQUAL(r.identity->subject, "u1");
  CAF_CHECK_EQUAL(r.identity->name, "Ada");
  CAF_CHECK_EQUAL(r.identity->role, "moderator");
}

CAF_TEST(the name falls back to the subject) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}), "secret", now);
  CAF_REQUIRE(r.identity.has_value());
  CAF_CHECK_EQUAL(r.identity->name, "u1");
}

CAF_TEST(a token signed with another secret is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {}, JWT_ALG_HS256, "other"), "secret", now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(a valid token with bytes after a NUL is refused) {
  auto token = make_token({{"sub", "u1"}});
  CAF_CHECK(verify_jwt(token, "secret", now).identity);
  token += std::string("\0garbage", 8);
  CAF_CHECK(!verify_jwt(token, "secret", now).identity);
}

CAF_TEST(an alg header of HS256 in another case is refused) {
  // Signed with the right key, but the header names "Hs256": libjwt alone would accept it.
  auto b64url = [](std::string_view in) {
    static constexpr char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
      acc = (acc << 8) | c;
      bits += 8;
      while (bits >= 6)
        out += abc[(acc >> (bits -= 6)) & 63];
    }
    if (bits > 0)
      out += abc[(acc << (6 - bits)) & 63];
    return out;
  };
  auto part = b64url(R"({"alg":"Hs256","typ":"JWT"})") + "." + b64url(R"({"sub":"u1"})");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), "secret", 6, reinterpret_cast<const unsigned char*>(part.data()), part.size(), mac, &n);
  auto token = part + "." + b64url({reinterpret_cast<const char*>(mac), n});
  auto r = verify_jwt(token, "secret", now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(an unsigned token is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {}, JWT_ALG_NONE), "secret", now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(an HS512 token is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {}, JWT_ALG_HS512), "secret", now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(an expired token is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {{"exp", now - 1}}), "secret", now);
  CAF_CHECK(!r.identity);
  CAF_CHECK_EQUAL(r.error, "token expired");
}

CAF_TEST(a token without subject or without a configured secret is refused) {
  CAF_CHECK(!verify_jwt(make_token({{"name", "x"}}), "secret", now).identity);
  CAF_CHECK(!verify_jwt(make_token({{"sub", "u1"}}), "", now).identity);
  CAF_CHECK(!verify_jwt("not.a.token", "secret", now).identity);
  CAF_CHECK(!verify_jwt("", "secret", now).identity);
}
