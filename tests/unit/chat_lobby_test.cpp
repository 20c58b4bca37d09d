#define CAF_SUITE chat_lobby
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/chat_lobby.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "chat_fake_link.hpp"

// This file names the budget's `allow`, not the DSL's.
#undef allow

using namespace roomcast;
using namespace std::chrono_literals;
using roomcast::test::chat_link;

namespace {

struct fixture : test_coordinator_fixture<> {
  chat_lobby_config cfg;
  caf::actor lobby;

  fixture() {
    cfg.limits = chat_rate_limits{std::chrono::seconds(60), 3, 2, 5};
    cfg.presence_grace = 1500ms;
    lobby = sys.spawn(chat_lobby, std::string{"main"}, cfg);
    sched.run();
  }

  ~fixture() override { anon_send_exit(lobby, caf::exit_reason::user_shutdown); }

  chat_lobby_state& st() { return deref<caf::stateful_actor<chat_lobby_state>>(lobby).state; }

  /// `conn` enters as `user`; returns the budget the lobby answers with.
  chat_budget_ptr enter(caf::scoped_actor& conn, const std::string& user, std::shared_ptr<chat_link> link,
                        std::string name = {}) {
    auto rh = conn->request(lobby, caf::infinite, enter_atom::value,
                            chat_member{user, name.empty() ? user : name, std::move(link)});
    sched.run();
    chat_budget_ptr out;
    rh.receive([&](chat_budget_ptr& b) { out = std::move(b); }, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }

  void leave(caf::scoped_actor& conn) {
    conn->send(lobby, leave_atom::value);
    sched.run();
  }

  void wait(std::chrono::milliseconds d) {
    advance_time(d);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(chat_lobby_tests, fixture)

CAF_TEST(presence goes to every other user but not to the tabs of that user) {
  caf::scoped_actor a1{sys}, a2{sys}, b{sys};
  auto la1 = std::make_shared<chat_link>(), la2 = std::make_shared<chat_link>(), lb = std::make_shared<chat_link>();
  enter(b, "bob", lb);
  enter(a1, "alice", la1, "Alice <3");
  enter(a2, "alice", la2, "Alice <3");
  CAF_CHECK_EQUAL(lb->count("userOnline"), 1u); // once, for the first tab
  CAF_CHECK_EQUAL(lb->last("userOnline").at("username").as_string(), "Alice &lt;3");
  CAF_CHECK_EQUAL(la1->frames.size(), 0u);
  CAF_CHECK_EQUAL(la2->frames.size(), 0u);
  leave(a1);
  leave(a2);
  wait(cfg.presence_grace);
  CAF_CHECK_EQUAL(lb->count("userOffline"), 1u);
  CAF_CHECK_EQUAL(lb->last("userOffline").at("userId").as_string(), "alice");
}

CAF_TEST(presence can be switched off) {
  auto quiet_cfg = cfg;
  quiet_cfg.broadcast_presence = false;
  auto quiet = sys.spawn(chat_lobby, std::string{"q"}, quiet_cfg);
  caf::scoped_actor a{sys}, b{sys};
  auto la = std::make_shared<chat_link>(), lb = std::make_shared<chat_link>();
  b->send(quiet, enter_atom::value, chat_member{"bob", "bob", lb});
  a->send(quiet, enter_atom::value, chat_member{"alice", "alice", la});
  sched.run();
  a->send(quiet, leave_atom::value);
  sched.run();
  advance_time(cfg.presence_grace);
  sched.run();
  CAF_CHECK_EQUAL(lb->frames.size(), 0u);
  anon_send_exit(quiet, caf::exit_reason::user_shutdown);
}

CAF_TEST(offline only after the last tab stayed gone for the grace period) {
  caf::scoped_actor tab1{sys}, tab2{sys}, watcher{sys};
  auto lw = std::make_shared<chat_link>();
  enter(watcher, "watcher", lw);
  enter(tab1, "alice", std::make_shared<chat_link>());
  enter(tab2, "alice", std::make_shared<chat_link>());
  leave(tab1);
  wait(10s);
  CAF_CHECK_EQUAL(lw->count("userOffline"), 0u); // one tab remains
  leave(tab2);
  wait(1000ms);
  CAF_CHECK_EQUAL(lw->count("userOffline"), 0u); // still within the grace period
  wait(500ms);
  CAF_CHECK_EQUAL(lw->count("userOffline"), 1u);
  CAF_CHECK_EQUAL(st().users.count("alice"), 0u);
}

CAF_TEST(a reload within the grace period does not flicker and keeps the budget) {
  caf::scoped_actor tab1{sys}, tab2{sys}, watcher{sys};
  auto lw = std::make_shared<chat_link>();
  enter(watcher, "watcher", lw);
  auto before = enter(tab1, "alice", std::make_shared<chat_link>());
  CAF_REQUIRE(before != nullptr);
  CAF_CHECK(before->allow(chat_op::send_message, std::chrono::steady_clock::now()));
  leave(tab1);
  wait(1000ms);
  auto after = enter(tab2, "alice", std::make_shared<chat_link>()); // the page came back
  wait(5s);
  CAF_CHECK_EQUAL(lw->count("userOnline"), 1u);
  CAF_CHECK_EQUAL(lw->count("userOffline"), 0u);
  // The limit survived the reload: it is per user, not per connection.
  CAF_CHECK(after == before);
  CAF_CHECK_EQUAL(after->messages(), 1u);
}

CAF_TEST(the tabs of one user share one budget and other users have their own) {
  caf::scoped_actor tab1{sys}, tab2{sys}, other{sys};
  auto b1 = enter(tab1, "alice", std::make_shared<chat_link>());
  auto b2 = enter(tab2, "alice", std::make_shared<chat_link>());
  auto b3 = enter(other, "bob", std::make_shared<chat_link>());
  CAF_REQUIRE(b1 != nullptr);
  CAF_CHECK(b1 == b2);
  CAF_CHECK(b1 != b3);
  auto now = std::chrono::steady_clock::now();
  CAF_CHECK(b1->allow(chat_op::send_message, now));
  CAF_CHECK(b2->allow(chat_op::send_message, now));
  CAF_CHECK(b1->allow(chat_op::send_message, now));
  CAF_CHECK(!b2->allow(chat_op::send_message, now)); // the fourth of three, whichever tab
  CAF_CHECK(b3->allow(chat_op::send_message, now));
}

CAF_TEST(connections are counted while they live and totals survive their users) {
  auto a = std::make_unique<caf::scoped_actor>(sys);
  caf::scoped_actor b{sys};
  auto budget = enter(*a, "alice", std::make_shared<chat_link>());
  enter(b, "bob", std::make_shared<chat_link>());
  enter(b, "bob", std::make_shared<chat_link>()); // the same connection again: counted once
  CAF_CHECK_EQUAL(st().conns.size(), 2u);
  auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i)
    budget->allow(chat_op::send_message, now);
  a.reset(); // dies without saying goodbye
  sched.run();
  leave(b);
  auto d = boost::json::parse(st().describe()).as_object();
  CAF_CHECK_EQUAL(d.at("messages").as_int64(), 3);
  CAF_CHECK_EQUAL(d.at("violations").as_int64(), 2);
  wait(cfg.presence_grace);
  d = boost::json::parse(st().describe()).as_object();
  CAF_CHECK_EQUAL(d.at("kind").as_string(), "chatlobby");
  CAF_CHECK_EQUAL(d.at("connections").as_int64(), 0);
  CAF_CHECK_EQUAL(d.at("onlineUsers").as_int64(), 0);
  CAF_CHECK_EQUAL(d.at("totalConnections").as_int64(), 2);
  CAF_CHECK_EQUAL(d.at("totalDisconnections").as_int64(), 2);
  CAF_CHECK_EQUAL(d.at("messages").as_int64(), 3);
  CAF_CHECK_EQUAL(d.at("violations").as_int64(), 2);
  CAF_CHECK_EQUAL(d.at("retiredMessages").as_int64(), 3);
}

CAF_TEST_FIXTURE_SCOPE_END()
