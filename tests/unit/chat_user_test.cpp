#define CAF_SUITE chat_user
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/chat_user.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "chat_fake_link.hpp"

// This file names the limiter's `allow`, not the DSL's.
#undef allow

using namespace roomcast;
using namespace std::chrono_literals;
using roomcast::test::chat_link;

namespace {

using clock_type = std::chrono::steady_clock;

/// Records what a user actor tells the lobby.
struct lobby_log_state {
  std::vector<std::pair<bool, std::string>> presence; ///< (online, user id)
  std::uint64_t retired_messages = 0;
  std::uint64_t retired_violations = 0;
};

caf::behavior lobby_log(caf::stateful_actor<lobby_log_state>* self) {
  return {
    [self](presence_atom, bool online, const std::string& user, const std::string&) {
      self->state.presence.emplace_back(online, user);
    },
    [self](retire_atom, std::uint64_t m, std::uint64_t v) {
      self->state.retired_messages += m;
      self->state.retired_violations += v;
    },
  };
}

struct fixture : test_coordinator_fixture<> {
  chat_user_config cfg;
  caf::actor user;
  caf::actor lobby;

  fixture() {
    cfg.limits = chat_rate_limits{std::chrono::seconds(60), 3, 2, 5};
    cfg.presence_grace = 1500ms;
    lobby = sys.spawn(lobby_log);
    user = sys.spawn(chat_user, std::string{"alice"}, cfg);
    sched.run();
  }

  lobby_log_state& log() { return deref<caf::stateful_actor<lobby_log_state>>(lobby).state; }
  chat_user_state& st() { return deref<caf::stateful_actor<chat_user_state>>(user).state; }

  void enter(caf::scoped_actor& conn) {
    conn->send(user, enter_atom::value, chat_member{"alice", "Alice", std::make_shared<chat_link>()}, lobby);
    sched.run();
  }

  void leave(caf::scoped_actor& conn) {
    conn->send(user, leave_atom::value);
    sched.run();
  }

  bool allow(chat_op op) {
    auto rh = self->request(user, caf::infinite, allow_atom::value, static_cast<std::uint8_t>(op));
    sched.run();
    bool out = false;
    rh.receive([&](bool b) { out = b; }, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }
};

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

CAF_TEST_FIXTURE_SCOPE(chat_user_tests, fixture)

CAF_TEST(the user actor counts every connection against one limit on virtual time) {
  caf::scoped_actor tab1{sys}, tab2{sys};
  enter(tab1);
  enter(tab2);
  CAF_CHECK(allow(chat_op::send_message));
  CAF_CHECK(allow(chat_op::send_message));
  CAF_CHECK(allow(chat_op::send_message));
  CAF_CHECK(!allow(chat_op::send_message)); // the fourth, whichever tab sends it
  CAF_CHECK_EQUAL(st().violations, 1u);
  CAF_CHECK_EQUAL(st().messages, 3u);
  advance_time(std::chrono::seconds(60));
  sched.run();
  CAF_CHECK(allow(chat_op::send_message));
  CAF_CHECK(allow(chat_op::join_room));
  CAF_CHECK(allow(chat_op::join_room));
  CAF_CHECK(!allow(chat_op::join_room));
  CAF_CHECK_EQUAL(st().violations, 2u);
  leave(tab1);
  leave(tab2);
}

CAF_TEST(online once for the first tab and offline only after the last tab stayed gone) {
  caf::scoped_actor tab1{sys}, tab2{sys};
  enter(tab1);
  enter(tab2);
  CAF_REQUIRE_EQUAL(log().presence.size(), 1u);
  CAF_CHECK(log().presence[0] == std::make_pair(true, std::string{"alice"}));
  leave(tab1);
  advance_time(std::chrono::seconds(10));
  sched.run();
  CAF_CHECK_EQUAL(log().presence.size(), 1u); // one tab remains: no userOffline
  leave(tab2);
  advance_time(1000ms);
  sched.run();
  CAF_CHECK_EQUAL(log().presence.size(), 1u); // still within the grace period
  advance_time(500ms);
  sched.run();
  CAF_REQUIRE_EQUAL(log().presence.size(), 2u);
  CAF_CHECK(log().presence[1] == std::make_pair(false, std::string{"alice"}));
}

CAF_TEST(a reload within the grace period does not flicker) {
  caf::scoped_actor tab1{sys}, tab2{sys};
  enter(tab1);
  allow(chat_op::send_message);
  leave(tab1);
  advance_time(1000ms);
  sched.run();
  enter(tab2); // the page came back
  advance_time(std::chrono::seconds(5));
  sched.run();
  CAF_CHECK_EQUAL(log().presence.size(), 1u);
  // The limit survived the reload: it is per user, not per connection.
  CAF_CHECK_EQUAL(st().messages, 1u);
  leave(tab2);
}

CAF_TEST(a connection that dies counts as gone and the user hands over its totals) {
  auto tab = std::make_unique<caf::scoped_actor>(sys);
  enter(*tab);
  allow(chat_op::send_message);
  for (int i = 0; i < 5; ++i)
    allow(chat_op::send_message);
  tab.reset();
  sched.run();
  CAF_CHECK(st().conns.empty());
  advance_time(cfg.presence_grace);
  sched.run();
  CAF_CHECK_EQUAL(log().presence.size(), 2u);
  CAF_CHECK_EQUAL(log().retired_messages, 3u);
  CAF_CHECK_EQUAL(log().retired_violations, 3u);
}

CAF_TEST(describe reports connections and remaining budget) {
  caf::scoped_actor tab{sys};
  enter(tab);
  allow(chat_op::typing);
  auto d = boost::json::parse(st().describe()).as_object();
  CAF_CHECK_EQUAL(d.at("kind").as_string(), "chatuser");
  CAF_CHECK_EQUAL(d.at("id").as_string(), "alice");
  CAF_CHECK_EQUAL(d.at("connections").as_int64(), 1);
  CAF_CHECK_EQUAL(d.at("remaining").at("typing").as_int64(), 4);
  leave(tab);
}

CAF_TEST_FIXTURE_SCOPE_END()
