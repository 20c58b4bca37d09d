#define CAF_SUITE connection_slot

#include "gateway/connection_slot.hpp"

#include <caf/test/unit_test.hpp>

#include <memory>
#include <string>
#include <utility>

using namespace roomcast;

namespace {

struct fixture {
  gateway_context ctx{limits(), std::make_shared<const router>()};

  static settings limits() {
    settings s;
    s.max_connections = 4;
    s.max_connections_per_ip = 2;
    s.max_pending_http = 3;
    return s;
  }

  connection_slot take(const std::string& ip) {
    auto r = connection_slot::admit(ctx, ip);
    CAF_REQUIRE(std::holds_alternative<connection_slot>(r));
    return std::move(std::get<connection_slot>(r));
  }

  std::string refusal(const std::string& ip) {
    auto r = connection_slot::admit(ctx, ip);
    if (auto* why = std::get_if<connection_refusal>(&r))
      return std::string{to_string(*why)};
    return "admitted";
  }

  std::size_t from(const std::string& ip) {
    std::lock_guard lk(ctx.per_ip_mu);
    auto i = ctx.per_ip.find(ip);
    return i == ctx.per_ip.end() ? 0 : i->second;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_slot_tests, fixture)

CAF_TEST(a slot counts its connection until it goes) {
  {
    auto s = take("10.0.0.1");
    CAF_CHECK(s.holds());
    CAF_CHECK_EQUAL(ctx.open_connections.load(), 1u);
    CAF_CHECK_EQUAL(ctx.pending_http.load(), 1u);
    CAF_CHECK_EQUAL(from("10.0.0.1"), 1u);
  }
  CAF_CHECK_EQUAL(ctx.open_connections.load(), 0u);
  CAF_CHECK_EQUAL(ctx.pending_http.load(), 0u);
  CAF_CHECK(ctx.per_ip.empty());
}

CAF_TEST(an upgraded connection handed on is counted once and no longer pending) {
  auto http = take("10.0.0.1");
  http.upgraded();
  CAF_CHECK_EQUAL(ctx.pending_http.load(), 0u);
  connection_slot ws{std::move(http)};
  CAF_CHECK(!http.holds());
  CAF_CHECK(ws.holds());
  CAF_CHECK_EQUAL(ctx.open_connections.load(), 1u);
  ws.release();
  ws.release(); // idempotent
  CAF_CHECK_EQUAL(ctx.open_connections.load(), 0u);
  CAF_CHECK_EQUAL(ctx.pending_http.load(), 0u);
  CAF_CHECK(ctx.per_ip.empty());
}

CAF_TEST(each limit refuses with its own reason and a refusal counts nothing) {
  // per address: 2
  auto a1 = take("10.0.0.1");
  auto a2 = take("10.0.0.1");
  CAF_CHECK_EQUAL(refusal("10.0.0.1"), "server.max_connections_per_ip");
  CAF_CHECK_EQUAL(from("10.0.0.1"), 2u);
  // pending HTTP: 3
  auto b1 = take("10.0.0.2");
  CAF_CHECK_EQUAL(refusal("10.0.0.3"), "server.max_pending_http");
  CAF_CHECK_EQUAL(from("10.0.0.3"), 0u);
  CAF_CHECK_EQUAL(ctx.pending_http.load(), 3u);
  a1.upgraded();
  auto c1 = take("10.0.0.3");
  // total: 4
  b1.upgraded();
  CAF_CHECK_EQUAL(refusal("10.0.0.4"), "server.max_connections");
  CAF_CHECK_EQUAL(ctx.open_connections.load(), 4u);
  CAF_CHECK_EQUAL(from("10.0.0.4"), 0u);
  // a place given back is a place for the next one
  a2 = connection_slot{};
  CAF_CHECK_EQUAL(refusal("10.0.0.1"), "admitted");
  CAF_CHECK_EQUAL(ctx.open_connections.load(), 3u); // that admitted slot went at once
  CAF_CHECK_EQUAL(ctx.pending_http.load(), 1u);
}

CAF_TEST(changed limits apply to the next connection and keep the open ones) {
  auto a1 = take("10.0.0.1");
  auto a2 = take("10.0.0.1");
  CAF_CHECK_EQUAL(refusal("10.0.0.1"), "server.max_connections_per_ip");
  ctx.max_connections_per_ip = 3; // what a reload does
  auto a3 = take("10.0.0.1");
  ctx.max_connections_per_ip = 1;
  CAF_CHECK_EQUAL(refusal("10.0.0.1"), "server.max_connections_per_ip");
  CAF_CHECK(a1.holds() && a2.holds() && a3.holds());
  CAF_CHECK_EQUAL(from("10.0.0.1"), 3u);
  a1.upgraded();
  CAF_CHECK_EQUAL(refusal("10.0.0.2"), "admitted"); // another address is under the new limit
}

CAF_TEST_FIXTURE_SCOPE_END()
