#define CAF_SUITE router

#include "gateway/router.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace roomcast;

namespace {

/// Every answer a responder gave, in order; thread-safe.
struct answers {
  std::mutex mu;
  std::vector<http_response> all;

  responder make() {
    return responder{[this](http_response r) {
      std::lock_guard lk(mu);
      all.push_back(std::move(r));
    }};
  }

  std::size_t size() {
    std::lock_guard lk(mu);
    return all.size();
  }

  http_response only() {
    std::lock_guard lk(mu);
    CAF_REQUIRE_EQUAL(all.size(), 1u);
    return all.front();
  }
};

http_request request(http_method method, std::string target, std::string body = {}, string_pairs headers = {}) {
  http_request r;
  r.method = method;
  r.target = std::move(target);
  r.path = r.target.substr(0, r.target.find('?'));
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

/// The value of header `name` in `r`, if present.
std::optional<std::string> header(const http_response& r, const std::string& name) {
  for (auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return std::nullopt;
}

/// The `error` member of a JSON error body; empty if the body is not one.
std::string error_text(const http_response& r) {
  boost::json::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error") || !v.at("error").is_string())
    return {};
  return std::string{v.at("error").as_string()};
}

http_route route(http_method method, std::string pattern, http_handler handler) {
  http_route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  return r;
}

http_handler answer_ok() {
  return [](http_request&, responder res) { res.json(200, R"({"ok":true})"); };
}

} // namespace

// -- patterns ---------------------------------------------------------------------

CAF_TEST(patterns match literal segments and capture named ones) {
  string_pairs params;
  CAF_CHECK(match_pattern("/api/rooms/:roomId", "/api/rooms/abc-1", params));
  CAF_REQUIRE_EQUAL(params.size(), 1u);
  CAF_CHECK_EQUAL(params[0].first, "roomId");
  CAF_CHECK_EQUAL(params[0].second, "abc-1");
  CAF_CHECK(match_pattern("/room/:roomId/websocket", "/room/r9/websocket", params));
  CAF_CHECK_EQUAL(params.at(0).second, "r9");
  CAF_CHECK(match_pattern("/a/:x/b/:y", "/a/1/b/2", params));
  CAF_REQUIRE_EQUAL(params.size(), 2u);
  CAF_CHECK_EQUAL(params[1].first, "y");
  CAF_CHECK_EQUAL(params[1].second, "2");
  CAF_CHECK(match_pattern("/healthz", "/healthz", params));
  CAF_CHECK(params.empty());
}

CAF_TEST(patterns refuse other paths and empty captures) {
  string_pairs params;
  CAF_CHECK(!match_pattern("/api/rooms/:roomId", "/api/rooms", params));
  CAF_CHECK(!match_pattern("/api/rooms/:roomId", "/api/rooms/", params));
  CAF_CHECK(!match_pattern("/api/rooms/:roomId", "/api/rooms/a/b", params));
  CAF_CHECK(!match_pattern("/api/rooms/:roomId", "/api/room/a", params));
  CAF_CHECK(!match_pattern("/healthz", "/healthz/", params));
  CAF_CHECK(!match_pattern("/healthz", "healthz", params));
}

CAF_TEST(a matched route gets its captures in the request) {
  router table;
  std::string seen;
  table.add(route(http_method::get, "/api/rooms/:roomId", [&](http_request& req, responder res) {
    seen = std::string{req.param("roomId")};
    res.json(200, "{}");
  }));
  answers out;
  auto req = request(http_method::get, "/api/rooms/lobby?x=1");
  CAF_CHECK(table.dispatch(req, out.make()) != nullptr);
  CAF_CHECK_EQUAL(seen, "lobby");
  CAF_CHECK_EQUAL(out.only().status, 200u);
}

// -- refusals by the table ------------------------------------------------------------

CAF_TEST(an unknown path gets 404 with a JSON error body) {
  router table;
  table.add(route(http_method::get, "/api/rooms", answer_ok()));
  answers out;
  auto req = request(http_method::get, "/api/nothing");
  CAF_CHECK(table.dispatch(req, out.make()) == nullptr);
  auto r = out.only();
  CAF_CHECK_EQUAL(r.status, 404u);
  CAF_CHECK_EQUAL(r.content_type, "application/json");
  CAF_CHECK_EQUAL(error_text(r), "not found");
}

CAF_TEST(a known path with another method gets 405 and an Allow header listing its methods) {
  router table;
  table.add(route(http_method::get, "/api/rooms", answer_ok()));
  table.add(route(http_method::post, "/api/rooms", answer_ok()));
  answers out;
  auto req = request(http_method::del, "/api/rooms");
  CAF_CHECK(table.dispatch(req, out.make()) == nullptr);
  auto r = out.only();
  CAF_CHECK_EQUAL(r.status, 405u);
  CAF_CHECK_EQUAL(header(r, "Allow").value_or("<none>"), "GET, POST");
  CAF_CHECK(!error_text(r).empty());
}

CAF_TEST(a plain GET to an upgrade route gets 426) {
  router table;
  table.add(upgrade_route{"/room/:roomId/websocket", nullptr});
  answers out;
  auto req = request(http_method::get, "/room/abc/websocket");
  CAF_CHECK(table.dispatch(req, out.make()) == nullptr);
  auto r = out.only();
  CAF_CHECK_EQUAL(r.status, 426u);
  CAF_CHECK_EQUAL(header(r, "Upgrade").value_or("<none>"), "websocket");
  CAF_CHECK_EQUAL(header(r, "Sec-WebSocket-Version").value_or("<none>"), "13");
  // Another method there is still unknown.
  answers post;
  auto p = request(http_method::post, "/room/abc/websocket");
  table.dispatch(p, post.make());
  CAF_CHECK_EQUAL(post.only().status, 404u);
}

CAF_TEST(an upgrade route that shares its path leaves a plain GET to the HTTP side) {
  router table;
  upgrade_route root{"/", nullptr};
  root.shares_http_path = true;
  table.add(std::move(root));
  answers none;
  auto req = request(http_method::get, "/");
  table.dispatch(req, none.make());
  CAF_CHECK_EQUAL(none.only().status, 404u);
  int calls = 0;
  table.add(route(http_method::get, "/", [&](http_request&, responder res) {
    ++calls;
    res.json(200, "{}");
  }));
  answers page;
  auto again = request(http_method::get, "/");
  table.dispatch(again, page.make());
  CAF_CHECK_EQUAL(page.only().status, 200u);
  CAF_CHECK_EQUAL(calls, 1);
  string_pairs params;
  CAF_CHECK(table.find_upgrade("/", params) != nullptr);
}

CAF_TEST(a JSON route refuses a body that is not JSON with 400 without calling its handler) {
  router table;
  int calls = 0;
  auto r = route(http_method::post, "/api/rooms", [&](http_request& req, responder res) {
    ++calls;
    CAF_CHECK(req.json != nullptr);
    res.json(201, "{}");
  });
  r.json_body = true;
  table.add(std::move(r));
  answers bad;
  auto req = request(http_method::post, "/api/rooms", "{not json");
  CAF_CHECK(table.dispatch(req, bad.make()) == nullptr);
  CAF_CHECK_EQUAL(bad.only().status, 400u);
  CAF_CHECK_EQUAL(calls, 0);
  answers good;
  auto ok = request(http_method::post, "/api/rooms", R"({"name":"x"})");
  CAF_CHECK(table.dispatch(ok, good.make()) != nullptr);
  CAF_CHECK_EQUAL(good.only().status, 201u);
  CAF_CHECK_EQUAL(calls, 1);
}

// -- answers ----------------------------------------------------------------------------

CAF_TEST(a handler may answer synchronously) {
  router table;
  table.add(route(http_method::get, "/api/ping", answer_ok()));
  answers out;
  auto res = out.make();
  auto req = request(http_method::get, "/api/ping");
  auto* matched = table.dispatch(req, res);
  CAF_CHECK(matched != nullptr);
  CAF_CHECK(res.answered());
  auto r = out.only();
  CAF_CHECK_EQUAL(r.status, 200u);
  CAF_CHECK_EQUAL(r.body, R"({"ok":true})");
}

CAF_TEST(a handler may answer later from another thread through its copy of the responder) {
  router table;
  std::optional<responder> kept;
  table.add(route(http_method::get, "/api/slow", [&](http_request&, responder res) { kept = res; }));
  answers out;
  auto res = out.make();
  auto req = request(http_method::get, "/api/slow");
  CAF_CHECK(table.dispatch(req, res) != nullptr);
  CAF_CHECK(!res.answered());
  CAF_CHECK_EQUAL(out.size(), 0u);
  CAF_REQUIRE(kept.has_value());
  std::thread actor{[copy = *kept] { copy.json(202, R"({"later":true})"); }};
  actor.join();
  CAF_CHECK(res.answered());
  auto r = out.only();
  CAF_CHECK_EQUAL(r.status, 202u);
  CAF_CHECK_EQUAL(r.body, R"({"later":true})");
}

CAF_TEST(the first answer wins and a late answer after a 503 is dropped) {
  router table;
  std::optional<responder> kept;
  table.add(route(http_method::get, "/api/slow", [&](http_request&, responder res) { kept = res; }));
  answers out;
  auto res = out.make();
  auto req = request(http_method::get, "/api/slow");
  table.dispatch(req, res);
  res.error(503, "the request timed out; try again"); // what the route deadline does
  CAF_REQUIRE(kept.has_value());
  std::thread late{[copy = *kept] { copy.json(200, "{}"); }};
  late.join();
  auto r = out.only();
  CAF_CHECK_EQUAL(r.status, 503u);
}

// -- CORS --------------------------------------------------------------------------------

CAF_TEST(a CORS preflight is answered 204 with the origin only when it is allowed) {
  router table;
  table.allow_origins({"https://app.example"});
  auto r = route(http_method::post, "/api/rooms", answer_ok());
  r.cors = true;
  table.add(std::move(r));
  answers allowed;
  auto pre = request(http_method::options, "/api/rooms", {}, {{"origin", "https://app.example"}});
  CAF_CHECK(table.dispatch(pre, allowed.make()) == nullptr);
  auto a = allowed.only();
  CAF_CHECK_EQUAL(a.status, 204u);
  CAF_CHECK_EQUAL(a.body, "");
  CAF_CHECK_EQUAL(header(a, "Access-Control-Allow-Origin").value_or("<none>"), "https://app.example");
  CAF_CHECK_EQUAL(header(a, "Access-Control-Allow-Methods").value_or("<none>"), "POST, OPTIONS");
  answers other;
  auto evil = request(http_method::options, "/api/rooms", {}, {{"origin", "https://evil.example"}});
  table.dispatch(evil, other.make());
  auto o = other.only();
  CAF_CHECK_EQUAL(o.status, 204u);
  CAF_CHECK(!header(o, "Access-Control-Allow-Origin"));
  CAF_CHECK(!header(o, "Access-Control-Allow-Methods"));
}

CAF_TEST(a CORS route adds the CORS headers to the answer of its handler for an allowed origin) {
  router table;
  table.allow_origins({"https://app.example"});
  auto r = route(http_method::get, "/api/rooms", answer_ok());
  r.cors = true;
  table.add(std::move(r));
  table.add(route(http_method::get, "/api/private", answer_ok()));
  answers allowed;
  auto req = request(http_method::get, "/api/rooms", {}, {{"origin", "https://app.example"}});
  table.dispatch(req, allowed.make());
  auto a = allowed.only();
  CAF_CHECK_EQUAL(a.status, 200u);
  CAF_CHECK_EQUAL(header(a, "Access-Control-Allow-Origin").value_or("<none>"), "https://app.example");
  CAF_CHECK_EQUAL(header(a, "Vary").value_or("<none>"), "Origin");
  answers other;
  auto evil = request(http_method::get, "/api/rooms", {}, {{"origin", "https://evil.example"}});
  table.dispatch(evil, other.make());
  CAF_CHECK(!header(other.only(), "Access-Control-Allow-Origin"));
  answers plain; // a route without cors never gets them
  auto priv = request(http_method::get, "/api/private", {}, {{"origin", "https://app.example"}});
  table.dispatch(priv, plain.make());
  CAF_CHECK(!header(plain.only(), "Access-Control-Allow-Origin"));
}

// -- request values ------------------------------------------------------------------------

CAF_TEST(query parameters are percent-decoded) {
  auto req = request(http_method::get, "/room/a/websocket?token=ab%2Fc%3D%3D&name=J%C3%B6rg%20K&empty=");
  CAF_CHECK_EQUAL(req.query_param("token"), "ab/c==");
  CAF_CHECK_EQUAL(req.query_param("name"), "J\xC3\xB6rg K");
  CAF_CHECK_EQUAL(req.query_param("empty"), "");
  CAF_CHECK_EQUAL(req.query_param("missing"), "");
  CAF_CHECK_EQUAL(request(http_method::get, "/no/query").query_param("token"), "");
}

CAF_TEST(the bearer token comes from the Authorization header) {
  auto with = [](std::string value) { return request(http_method::get, "/", {}, {{"authorization", value}}); };
  CAF_CHECK_EQUAL(with("Bearer abc.def.ghi").bearer_token(), "abc.def.ghi");
  CAF_CHECK_EQUAL(with("bearer   abc").bearer_token(), "abc");
  CAF_CHECK_EQUAL(with("Basic dXNlcjpwYXNz").bearer_token(), "");
  CAF_CHECK_EQUAL(with("Bearer ").bearer_token(), "");
  CAF_CHECK_EQUAL(with("Bearer    ").bearer_token(), "");
  CAF_CHECK_EQUAL(request(http_method::get, "/").bearer_token(), "");
}

// -- origins ----------------------------------------------------------------------

CAF_TEST(requests without an Origin or from the origin of the Host are always allowed) {
  router r; // no origins listed: same origin only
  CAF_CHECK(r.origin_allowed(request(http_method::get, "/ws")));
  CAF_CHECK(r.origin_allowed(request(http_method::get, "/ws", {}, {{"host", "chat.example:8080"},
                                                                  {"origin", "http://chat.example:8080"}})));
  CAF_CHECK(r.origin_allowed(request(http_method::get, "/ws", {}, {{"host", "chat.example"},
                                                                  {"origin", "https://chat.example"}})));
  CAF_CHECK(!r.origin_allowed(request(http_method::get, "/ws", {}, {{"host", "chat.example"},
                                                                   {"origin", "https://evil.example"}})));
  CAF_CHECK(!r.origin_allowed(request(http_method::get, "/ws", {}, {{"host", "chat.example"},
                                                                   {"origin", "https://chat.example.evil"}})));
}

CAF_TEST(listed origins are allowed and a route may bring its own list) {
  router r;
  r.allow_origins({"https://app.example"});
  auto from = [](std::string origin) {
    return request(http_method::get, "/ws", {}, {{"host", "api.example"}, {"origin", std::move(origin)}});
  };
  CAF_CHECK(r.origin_allowed(from("https://app.example")));
  CAF_CHECK(!r.origin_allowed(from("https://other.example")));
  CAF_CHECK(r.origin_allowed(from("https://other.example"), {"https://other.example"}));
  CAF_CHECK(!r.origin_allowed(from("https://app.example"), {"https://other.example"}));
  r.allow_origins({"*"});
  CAF_CHECK(r.origin_allowed(from("https://anyone.example")));
}

CAF_TEST(a route that checks origins refuses a foreign page with 403 before its handler runs) {
  router r;
  bool called = false;
  auto rt = route(http_method::post, "/poll", [&](http_request&, responder res) {
    called = true;
    res.json(200, "{}");
  });
  rt.check_origin = true;
  r.add(std::move(rt));
  answers a;
  auto req = request(http_method::post, "/poll", "x", {{"host", "h"}, {"origin", "https://evil.example"}});
  r.dispatch(req, a.make());
  CAF_CHECK_EQUAL(a.only().status, 403u);
  CAF_CHECK(!called);
}
