#define CAF_SUITE signaling_endpoint
#define FAIL(msg) CAF_FAIL(msg)

#include "endpoints/signaling_endpoint.hpp"

#include <caf/test/dsl.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <jwt.h>

#include <cstdlib>
#include <ctime>
#include <optional>

#include "actors/registry.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

std::string token(const std::string& secret, const std::string& name) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grant(jwt, "sub", "u1");
  jwt_add_grant(jwt, "name", name.c_str());
  jwt_add_grant_int(jwt, "exp", std::time(nullptr) + 600);
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* out = jwt_encode_str(jwt);
  std::string t = out ? out : "";
  free(out);
  jwt_free(jwt);
  return t;
}

/// The dialect mounted on a route table over a memory-only registry; REST
/// requests go through router::dispatch as the HTTP session sends them.
struct fixture : test_coordinator_fixture<> {
  settings cfg;
  router routes;
  caf::actor reg;

  void mount() {
    dialect_env env{sys, cfg, caf::actor{}, "secret"};
    auto d = signaling_dialect(env);
    reg = sys.spawn(registry, d.kinds, caf::actor{}, std::chrono::milliseconds{0});
    sched.run();
    d.mount(routes, reg);
  }

  ~fixture() { anon_send_exit(reg, caf::exit_reason::user_shutdown); }

  http_response call(http_method m, std::string path, std::string body = {}) {
    http_request req;
    req.method = m;
    req.target = req.path = std::move(path);
    req.body = std::move(body);
    std::optional<http_response> got;
    routes.dispatch(req, responder{[&](http_response r) { got = std::move(r); }});
    sched.run();
    CAF_CHECK(got.has_value());
    return got.value_or(http_response{});
  }

  ws_admission upgrade(std::string target) {
    string_pairs params;
    auto* route = routes.find_upgrade("/ws", params);
    CAF_REQUIRE(route != nullptr);
    http_request req;
    req.target = std::move(target);
    req.path = "/ws";
    return route->endpoint->accept(req);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(signaling_endpoint_tests, fixture)

CAF_TEST(the rest routes create show list and delete a room) {
  mount();
  auto created = call(http_method::post, "/api/rooms", R"({"hostPeerId":"h","maxParticipants":3})");
  CAF_REQUIRE_EQUAL(created.status, 201u);
  auto room = json::parse(created.body).as_object();
  std::string id{room.at("roomId").as_string()};
  CAF_CHECK_EQUAL(room.at("joinLink").as_string(), "http://localhost:3000/meeting/" + id);
  auto info = call(http_method::get, "/api/rooms/" + id);
  CAF_CHECK_EQUAL(info.status, 200u);
  CAF_CHECK_EQUAL(json::parse(info.body).at("meetingInfo").at("maxParticipants").as_int64(), 3);
  auto list = json::parse(call(http_method::get, "/api/rooms").body).as_object();
  CAF_CHECK_EQUAL(list.at("totalRooms").as_int64(), 1);
  CAF_CHECK_EQUAL(call(http_method::del, "/api/rooms/" + id).status, 204u);
  CAF_CHECK_EQUAL(call(http_method::get, "/api/rooms/" + id).status, 404u);
}

CAF_TEST(an empty create body is accepted and a bad one is 400) {
  mount();
  CAF_CHECK_EQUAL(call(http_method::post, "/api/rooms").status, 201u);
  CAF_CHECK_EQUAL(call(http_method::post, "/api/rooms", "{nope").status, 400u);
  CAF_CHECK_EQUAL(call(http_method::post, "/api/rooms", R"({"maxParticipants":1000})").status, 400u);
}

CAF_TEST(an unknown room is 404 and is not created) {
  mount();
  CAF_CHECK_EQUAL(call(http_method::get, "/api/rooms/ghost").status, 404u);
  CAF_CHECK_EQUAL(call(http_method::del, "/api/rooms/ghost").status, 404u);
  CAF_CHECK_EQUAL(call(http_method::get, "/api/rooms/bad$id").status, 404u);
  CAF_CHECK_EQUAL(json::parse(call(http_method::get, "/api/rooms").body).at("totalRooms").as_int64(), 0);
}

CAF_TEST(the upgrade is open by default) {
  mount();
  CAF_CHECK(std::holds_alternative<std::unique_ptr<ws_connection>>(upgrade("/ws")));
}

CAF_TEST(with require auth the upgrade needs a valid token) {
  cfg.jwt_secret = "s3";
  cfg.signaling_require_auth = true;
  mount();
  auto none = upgrade("/ws");
  CAF_REQUIRE(std::holds_alternative<http_response>(none));
  CAF_CHECK_EQUAL(std::get<http_response>(none).status, 401u);
  auto forged = upgrade("/ws?token=" + token("other", "x"));
  CAF_REQUIRE(std::holds_alternative<http_response>(forged));
  CAF_CHECK_EQUAL(std::get<http_response>(forged).status, 401u);
  CAF_CHECK(std::holds_alternative<std::unique_ptr<ws_connection>>(upgrade("/ws?token=" + token("s3", "Grace"))));
}

CAF_TEST_FIXTURE_SCOPE_END()
