#define CAF_SUITE chat_budget
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/chat_budget.hpp"

#include <caf/test/dsl.hpp>

#include <atomic>
#include <thread>
#include <vector>

// This file names the limiter's `allow`, not the DSL's.
#undef allow

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

} // namespace

// -- the fixed-window limiter on its own clock ---------------------------------

CAF_TEST(the limiter allows the limit per window and resets after it) {
  chat_window_limiter lim{chat_rate_limits{std::chrono::seconds(60), 2, 1, 1}};
  clock_type::time_point t0{std::chrono::hours(1)};
  CAF_CHECK(lim.allow(chat_op::send_message, t0));
  CAF_CHECK(lim.allow(chat_op::send_message, t0 + 1s));
  CAF_CHECK(!lim.allow(chat_op::send_message, t0 + 2s));
  CAF_CHECK(!lim.allow(chat_op::send_message, t0 + 59s));
  CAF_CHECK_EQUAL(lim.remaining(chat_op::send_message, t0 + 59s), 0u);
  // The window started with the first event: 60 s later it is fresh.
  CAF_CHECK_EQUAL(lim.remaining(chat_op::send_message, t0 + 60s), 2u);
  CAF_CHECK(lim.allow(chat_op::send_message, t0 + 60s));
  CAF_CHECK(lim.allow(chat_op::send_message, t0 + 61s));
  CAF_CHECK(!lim.allow(chat_op::send_message, t0 + 62s));
}

CAF_TEST(each event type has its own window and other events are not limited) {
  chat_window_limiter lim{chat_rate_limits{std::chrono::seconds(60), 1, 1, 1}};
  clock_type::time_point t0{std::chrono::hours(1)};
  CAF_CHECK(lim.allow(chat_op::send_message, t0));
  CAF_CHECK(lim.allow(chat_op::join_room, t0));
  CAF_CHECK(lim.allow(chat_op::typing, t0));
  CAF_CHECK(!lim.allow(chat_op::send_message, t0));
  CAF_CHECK(!lim.allow(chat_op::join_room, t0));
  CAF_CHECK(!lim.allow(chat_op::typing, t0));
  for (int i = 0; i < 100; ++i) {
    CAF_CHECK(lim.allow(chat_op::heartbeat, t0));
    CAF_CHECK(lim.allow(chat_op::get_room_stats, t0));
    CAF_CHECK(lim.allow(chat_op::leave_room, t0));
  }
}

CAF_TEST(the contract columns are sixty and thirty messages and a zero limit refuses all) {
  chat_window_limiter dev{chat_rate_limits{std::chrono::seconds(60), 60, 20, 120}};
  chat_window_limiter prod{chat_rate_limits{std::chrono::seconds(60), 30, 10, 60}};
  clock_type::time_point t0{std::chrono::hours(1)};
  int dev_ok = 0, prod_ok = 0, dev_joins = 0, prod_joins = 0;
  for (int i = 0; i < 200; ++i) {
    dev_ok += dev.allow(chat_op::send_message, t0 + std::chrono::milliseconds(i));
    prod_ok += prod.allow(chat_op::send_message, t0 + std::chrono::milliseconds(i));
    dev_joins += dev.allow(chat_op::join_room, t0);
    prod_joins += prod.allow(chat_op::join_room, t0);
  }
  CAF_CHECK_EQUAL(dev_ok, 60);
  CAF_CHECK_EQUAL(prod_ok, 30);
  CAF_CHECK_EQUAL(dev_joins, 20);
  CAF_CHECK_EQUAL(prod_joins, 10);
  chat_window_limiter none{chat_rate_limits{std::chrono::seconds(60), 0, 0, 0}};
  CAF_CHECK(!none.allow(chat_op::send_message, t0));
}

// -- one user's budget -----------------------------------------------------------

CAF_TEST(the budget counts allowed messages and refused events) {
  chat_budget b{chat_rate_limits{std::chrono::seconds(60), 2, 1, 1}};
  clock_type::time_point t0{std::chrono::hours(1)};
  CAF_CHECK(b.allow(chat_op::send_message, t0));
  CAF_CHECK(b.allow(chat_op::typing, t0));
  CAF_CHECK(b.allow(chat_op::send_message, t0));
  CAF_CHECK(!b.allow(chat_op::send_message, t0));
  CAF_CHECK(!b.allow(chat_op::typing, t0));
  CAF_CHECK_EQUAL(b.messages(), 2u);   // typing is not a message
  CAF_CHECK_EQUAL(b.violations(), 2u);
  CAF_CHECK_EQUAL(b.remaining(chat_op::join_room, t0), 1u);
}

CAF_TEST(connections on several threads share one budget and never exceed it) {
  chat_budget b{chat_rate_limits{std::chrono::seconds(60), 1000, 1, 1}};
  clock_type::time_point t0{std::chrono::hours(1)};
  std::vector<std::thread> tabs;
  std::atomic<int> allowed{0};
  for (int t = 0; t < 4; ++t)
    tabs.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        allowed += b.allow(chat_op::send_message, t0);
    });
  for (auto& t : tabs)
    t.join();
  CAF_CHECK_EQUAL(allowed.load(), 1000);
  CAF_CHECK_EQUAL(b.messages(), 1000u);
  CAF_CHECK_EQUAL(b.violations(), 1000u);
}
