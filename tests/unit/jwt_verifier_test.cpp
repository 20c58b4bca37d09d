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

/// A policy that checks the signature, `exp` and `nbf` only.
jwt_policy secret_only(std::string secret) {
  jwt_policy p;
  p.secret = std::move(secret);
  return p;
}

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

/// A token whose `aud` is the JSON array `audiences`.
std::string token_with_audiences(const std::string& audiences) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grant(jwt, "sub", "u1");
  jwt_add_grants_json(jwt, ("{\"aud\": " + audiences + "}").c_str());
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>("secret"), 6);
  char* s = jwt_encode_str(jwt);
  std::string out = s ? s : "";
  free(s);
  jwt_free(jwt);
  return out;
}

/// The error of verifying `token` under `policy` at `now`; empty: accepted.
std::string refusal(const std::string& token, const jwt_policy& policy) {
  auto r = verify_jwt(token, policy, now);
  return r.identity ? std::string{} : r.error;
}

jwt_policy with_issuer_and_audience() {
  jwt_policy p;
  p.secret = "secret";
  p.issuer = "https://auth.example";
  p.audience = "roomcast";
  return p;
}

} // namespace

CAF_TEST(a valid token gives subject name and role) {
  auto r = verify_jwt(make_token({{"sub", "u1"}, {"name", "Ada"}, {"role", "moderator"}}, {{"exp", now + 60}}),
                      secret_only("secret"), now);
  CAF_REQUIRE(r.identity.has_value());
  CAF_CHECK_EQUAL(r.identity->subject, "u1");
  CAF_CHECK_EQUAL(r.identity->name, "Ada");
  CAF_CHECK_EQUAL(r.identity->role, "moderator");
}

CAF_TEST(the name falls back to the subject) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}), secret_only("secret"), now);
  CAF_REQUIRE(r.identity.has_value());
  CAF_CHECK_EQUAL(r.identity->name, "u1");
}

CAF_TEST(a token signed with another secret is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {}, JWT_ALG_HS256, "other"), secret_only("secret"), now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(a valid token with bytes after a NUL is refused) {
  auto token = make_token({{"sub", "u1"}});
  CAF_CHECK(verify_jwt(token, secret_only("secret"), now).identity);
  token += std::string("\0garbage", 8);
  CAF_CHECK(!verify_jwt(token, secret_only("secret"), now).identity);
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
  auto r = verify_jwt(token, secret_only("secret"), now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(an unsigned token is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {}, JWT_ALG_NONE), secret_only("secret"), now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(an HS512 token is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {}, JWT_ALG_HS512), secret_only("secret"), now);
  CAF_CHECK(!r.identity);
}

CAF_TEST(an expired token is refused) {
  auto r = verify_jwt(make_token({{"sub", "u1"}}, {{"exp", now - 1}}), secret_only("secret"), now);
  CAF_CHECK(!r.identity);
  CAF_CHECK_EQUAL(r.error, "token expired");
}

CAF_TEST(a token without subject or without a configured secret is refused) {
  CAF_CHECK(!verify_jwt(make_token({{"name", "x"}}), secret_only("secret"), now).identity);
  CAF_CHECK(!verify_jwt(make_token({{"sub", "u1"}}), jwt_policy{}, now).identity);
  CAF_CHECK(!verify_jwt("not.a.token", secret_only("secret"), now).identity);
  CAF_CHECK(!verify_jwt("", secret_only("secret"), now).identity);
}

CAF_TEST(the issuer is checked only when configured) {
  auto policy = with_issuer_and_audience();
  policy.audience.clear();
  auto right = make_token({{"sub", "u1"}, {"iss", "https://auth.example"}});
  auto wrong = make_token({{"sub", "u1"}, {"iss", "https://evil.example"}});
  auto missing = make_token({{"sub", "u1"}});
  CAF_CHECK_EQUAL(refusal(right, policy), "");
  CAF_CHECK_EQUAL(refusal(wrong, policy), "token issuer not accepted");
  CAF_CHECK_EQUAL(refusal(missing, policy), "token issuer not accepted");
  CAF_CHECK_EQUAL(refusal(wrong, secret_only("secret")), "");
  CAF_CHECK_EQUAL(refusal(missing, secret_only("secret")), "");
}

CAF_TEST(the audience is checked only when configured) {
  auto policy = with_issuer_and_audience();
  policy.issuer.clear();
  auto right = make_token({{"sub", "u1"}, {"aud", "roomcast"}});
  auto wrong = make_token({{"sub", "u1"}, {"aud", "billing"}});
  auto missing = make_token({{"sub", "u1"}});
  CAF_CHECK_EQUAL(refusal(right, policy), "");
  CAF_CHECK_EQUAL(refusal(wrong, policy), "token audience not accepted");
  CAF_CHECK_EQUAL(refusal(missing, policy), "token audience not accepted");
  CAF_CHECK_EQUAL(refusal(wrong, secret_only("secret")), "");
}

CAF_TEST(an audience array must name the configured audience) {
  auto policy = with_issuer_and_audience();
  policy.issuer.clear();
  CAF_CHECK_EQUAL(refusal(token_with_audiences(R"(["billing", "roomcast"])"), policy), "");
  CAF_CHECK_EQUAL(refusal(token_with_audiences(R"(["billing", "search"])"), policy), "token audience not accepted");
  CAF_CHECK_EQUAL(refusal(token_with_audiences("[]"), policy), "token audience not accepted");
  CAF_CHECK_EQUAL(refusal(token_with_audiences("[7]"), policy), "token audience not accepted");
}

CAF_TEST(issuer and audience must both match when both are configured) {
  auto policy = with_issuer_and_audience();
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}, {"iss", "https://auth.example"}, {"aud", "roomcast"}}), policy),
                  "");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}, {"iss", "https://auth.example"}}), policy),
                  "token audience not accepted");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}, {"aud", "roomcast"}}), policy), "token issuer not accepted");
}

CAF_TEST(exp is honoured within the leeway and refused beyond it) {
  auto policy = secret_only("secret");
  policy.leeway_s = 30;
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"exp", now - 29}}), policy), "");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"exp", now - 30}}), policy), "token expired");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"exp", now - 3600}}), policy), "token expired");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"exp", now - 29}}), secret_only("secret")), "token expired");
}

CAF_TEST(nbf is honoured within the leeway and refused beyond it) {
  auto policy = secret_only("secret");
  policy.leeway_s = 30;
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"nbf", now}}), secret_only("secret")), "");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"nbf", now + 1}}), secret_only("secret")),
                  "token not valid yet");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"nbf", now + 30}}), policy), "");
  CAF_CHECK_EQUAL(refusal(make_token({{"sub", "u1"}}, {{"nbf", now + 31}}), policy), "token not valid yet");
}
