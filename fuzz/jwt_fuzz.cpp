// JWT verification (HS256 only) under hostile tokens: raw bytes, and tokens
// correctly signed around hostile headers and claims (so the claim handling
// is reached, not only the signature check). Invariants, checked here
// without libjwt: an accepted token has three parts, an HS256 header, a
// signature that is the HMAC of its first two parts, a subject, and no
// expiry in the past; the identity is the claims' values.

#include <boost/beast/core/detail/base64.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/jwt_verifier.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace roomcast;
namespace base64 = boost::beast::detail::base64;

namespace {

constexpr std::string_view secret = "fuzz-secret";
constexpr long long now_s = 1700000000;

std::string b64url(std::string_view in) {
  std::string out(base64::encoded_size(in.size()), '\0');
  out.resize(base64::encode(out.data(), in.data(), in.size()));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (auto& c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> unb64url(std::string_view in) {
  std::string s{in};
  for (auto& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;
  }
  while (s.size() % 4)
    s.push_back('=');
  std::string out(base64::decoded_size(s.size()), '\0');
  auto [written, read] = base64::decode(out.data(), s.data(), s.size());
  if (s.find_first_not_of('=', read) != std::string::npos)
    return std::nullopt;
  out.resize(written);
  return out;
}

std::string hmac(std::string_view signed_part) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &n);
  return std::string(reinterpret_cast<char*>(mac), n);
}

std::string sign(std::string_view header, std::string_view claims) {
  auto part = b64url(header) + "." + b64url(claims);
  return part + "." + b64url(hmac(part));
}

void check_accepted(std::string_view token, const verified_identity& id) {
  auto d1 = token.find('.');
  FUZZ_CHECK(d1 != std::string_view::npos);
  auto d2 = token.find('.', d1 + 1);
  FUZZ_CHECK(d2 != std::string_view::npos && token.find('.', d2 + 1) == std::string_view::npos);
  auto sig = unb64url(token.substr(d2 + 1));
  FUZZ_CHECK(sig && *sig == hmac(token.substr(0, d2)));
  auto header = unb64url(token.substr(0, d1));
  auto claims = unb64url(token.substr(d1 + 1, d2 - d1 - 1));
  FUZZ_CHECK(header && claims);
  // libjwt reads both as C strings: what follows a NUL is ignored (harmless:
  // only the secret's holder can sign such a token).
  header->resize(std::min(header->size(), header->find('\0')));
  claims->resize(std::min(claims->size(), claims->find('\0')));
  auto h = fuzz::parse_json(*header);
  FUZZ_CHECK(h && h->is_object());
  auto* alg = h->as_object().if_contains("alg");
  FUZZ_CHECK(alg && *alg == "HS256");
  auto c = fuzz::parse_json(*claims);
  FUZZ_CHECK(c && c->is_object());
  auto& o = c->as_object();
  FUZZ_CHECK(id.authenticated && !id.subject.empty());
  FUZZ_CHECK(fuzz::member_string(o, "sub") == id.subject);
  // No way past the expiry: an exp the verifier accepted is a time after now.
  if (auto* exp = o.if_contains("exp"); exp && !exp->is_null())
    FUZZ_CHECK(exp->is_number() && exp->to_number<double>() > static_cast<double>(now_s));
  auto* name = o.if_contains("name");
  if (name && name->is_string() && !name->as_string().empty())
    FUZZ_CHECK(id.name == std::string_view(name->as_string()));
  else
    FUZZ_CHECK(id.name == id.subject);
  auto* role = o.if_contains("role");
  FUZZ_CHECK(role && role->is_string() ? id.role == std::string_view(role->as_string()) : id.role.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in{data, size};
  std::string token;
  switch (in.byte() % 3) {
    case 0: token = std::string{in.rest()}; break;                              // as sent
    case 1: token = sign(R"({"alg":"HS256","typ":"JWT"})", in.rest()); break; // hostile claims
    default: {
      auto header = in.piece(64);
      token = sign(header, in.rest()); // hostile header and claims
    }
  }
  static const jwt_policy policy{std::string{secret}};
  static const jwt_policy other{"another-secret"};
  auto r = verify_jwt(token, policy, now_s);
  if (r.identity)
    check_accepted(token, *r.identity);
  else
    FUZZ_CHECK(!r.error.empty());
  // The wrong secret never verifies a token signed with this one.
  FUZZ_CHECK(!verify_jwt(token, other, now_s).identity || !r.identity);
  return 0;
}
