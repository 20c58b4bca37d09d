#define CAF_SUITE signaling_rest

#include <caf/test/unit_test.hpp>

#include "endpoints/signaling_rest.hpp"

#include "dialects/signaling_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <jwt.h>

#include <cstdlib>
#include <ctime>

using namespace roomcast;
namespace json = boost::json;

namespace {

/// A policy that checks the signature, `exp` and `nbf` only.
jwt_policy secret_only(std::string secret) {
  jwt_policy p;
  p.secret = std::move(secret);
  return p;
}

std::variant<signaling_settings, std::string> parse(std::string_view body) {
  settings cfg;
  cfg.signaling_default_max_participants = 10;
  cfg.signaling_max_participants_cap = 50;
  return parse_create_room(json::parse(body), cfg);
}

std::string token(const std::string& secret, const std::string& role) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grant(jwt, "sub", "u1");
  if (!role.empty())
    jwt_add_grant(jwt, "role", role.c_str());
  jwt_add_grant_int(jwt, "exp", std::time(nullptr) + 600);
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()), static_cast<int>(secret.size()));
  char* out = jwt_encode_str(jwt);
  std::string t = out ? out : "";
  free(out);
  jwt_free(jwt);
  return t;
}

http_request with_bearer(const std::string& t) {
  http_request req;
  req.headers.emplace_back("authorization", "Bearer " + t);
  return req;
}

} // namespace

CAF_TEST(an empty create body takes the defaults) {
  auto r = parse("{}");
  CAF_REQUIRE(std::holds_alternative<signaling_settings>(r));
  auto& s = std::get<signaling_settings>(r);
  CAF_CHECK_EQUAL(s.max_participants, 10u);
  CAF_CHECK_EQUAL(s.encryption, "none");
  CAF_CHECK(s.host_peer_id.empty());
}

CAF_TEST(create takes host max participants and encryption) {
  auto r = parse(R"({"hostPeerId":"h-1","maxParticipants":50,"encryption":"e2ee"})");
  CAF_REQUIRE(std::holds_alternative<signaling_settings>(r));
  CAF_CHECK(std::get<signaling_settings>(r) == (signaling_settings{"h-1", 50, "e2ee", 0}));
}

CAF_TEST(create refuses bad fields) {
  for (auto body : {R"([])", R"({"maxParticipants":0})", R"({"maxParticipants":51})", R"({"maxParticipants":"5"})",
                    R"({"maxParticipants":2.5})", R"({"encryption":"aes"})", R"({"hostPeerId":"a b"})",
                    R"({"hostPeerId":5})"})
    CAF_CHECK(std::holds_alternative<std::string>(parse(body)));
}

CAF_TEST(the created room body has the join link and an iso date) {
  auto v = json::parse(render_created_room("abc", "http://x/meeting", {"", 4, "none", 1704067200000})).as_object();
  CAF_CHECK_EQUAL(v.at("roomId").as_string(), "abc");
  CAF_CHECK_EQUAL(v.at("joinLink").as_string(), "http://x/meeting/abc");
  CAF_CHECK(v.at("hostPeerId").is_null());
  CAF_CHECK_EQUAL(v.at("maxParticipants").as_int64(), 4);
  CAF_CHECK_EQUAL(v.at("createdAt").as_string(), "2024-01-01T00:00:00.000Z");
}

CAF_TEST(listing rooms needs an admin token only when a secret is set) {
  http_request anonymous;
  CAF_CHECK(!check_admin(anonymous, jwt_policy{}));
  // Statuses copied out first: the checks must not refer into temporaries.
  auto status_of = [](const auto& refusal) { return refusal ? refusal->status : 0u; };
  CAF_CHECK_EQUAL(status_of(check_admin(anonymous, secret_only("s"))), 401u);
  CAF_CHECK_EQUAL(status_of(check_admin(with_bearer("garbage"), secret_only("s"))), 401u);
  CAF_CHECK_EQUAL(status_of(check_admin(with_bearer(token("s", "user")), secret_only("s"))), 403u);
  CAF_CHECK_EQUAL(status_of(check_admin(with_bearer(token("other", "admin")), secret_only("s"))), 401u);
  CAF_CHECK(!check_admin(with_bearer(token("s", "admin")), secret_only("s")));
}

CAF_TEST(room ids are fresh and valid) {
  auto a = new_signaling_room_id(), b = new_signaling_room_id();
  CAF_CHECK_NOT_EQUAL(a, b);
  CAF_CHECK(valid_signaling_id(a));
  CAF_CHECK_EQUAL(a.size(), 12u);
}
