#define CAF_SUITE support_conversation
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/support_conversation.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "actors/admin_group.hpp"
#include "shop_test_support.hpp"

using namespace roomcast;
using namespace roomcast::test;
namespace p = roomcast::persistence;

namespace {

/// The registry as a support conversation uses it: it only finds the admin group.
caf::behavior fake_registry(caf::event_based_actor*, caf::actor admins) {
  return {
    [admins](room_atom, const std::string&, const std::string&) { return admins; },
  };
}

struct party {
  caf::scoped_actor actor;
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  shop_member who;
  party(caf::actor_system& sys, bool admin) : actor(sys) {
    who.link = link;
    who.admin = admin;
    who.identity = admin ? "admin-1" : "sess-1";
    who.session_id = who.identity;
  }
};

struct fixture : test_coordinator_fixture<> {
  support_conversation_config cfg;
  caf::actor store, admins, registry, conv;

  fixture() {
    store = sys.spawn(shop_store);
    admins = sys.spawn(admin_group, std::string{"default"});
    registry = sys.spawn(fake_registry, admins);
    cfg.history_limit = 3;
    cfg.life.persistence = store;
    cfg.life.registry = registry.address();
    start();
  }

  ~fixture() override {
    for (auto& a : {conv, admins, registry, store})
      anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  void start() {
    conv = sys.spawn(support_conversation, std::string{"sess-1"}, cfg);
    sched.run();
  }

  void commit() {
    self->send(store, caf::ok_atom::value);
    sched.run();
  }

  void enter(party& x, const caf::actor& where) {
    x.actor->send(where, enter_atom::value, x.who);
    sched.run();
    commit();
  }

  void customer_says(party& c, std::string text, bool and_commit = true) {
    shop_command cmd;
    cmd.op = shop_op::customer_message;
    cmd.text = std::move(text);
    cmd.customer_name = "Carol";
    c.actor->send(conv, cmd);
    sched.run();
    if (and_commit)
      commit();
  }

  shop_reply staff_says(std::string text) {
    shop_command cmd;
    cmd.op = shop_op::staff_message;
    cmd.session_id = "sess-1";
    cmd.text = std::move(text);
    cmd.auth_name = "Ann";
    self->send(conv, control_atom::value, cmd);
    sched.run();
    commit();
    shop_reply r;
    self->receive([&](shop_reply& x) { r = x; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return r;
  }

  boost::json::value ask_json(caf::message msg) {
    self->send(conv, std::move(msg));
    sched.run();
    std::string out;
    self->receive([&](std::string& s) { out = s; }, [&](shop_reply& r) { out = r.body; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return boost::json::parse(out);
  }

  support_conversation_state& st() {
    return deref<caf::stateful_actor<support_conversation_state>>(conv).state;
  }
  shop_store_state& stored() { return deref<caf::stateful_actor<shop_store_state>>(store).state; }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(support_conversation_tests, fixture)

CAF_TEST(a customer message reaches every admin only after it is stored) {
  party customer{sys, false}, ann{sys, true}, ben{sys, true};
  ben.who.identity = "admin-2";
  enter(customer, conv);
  enter(ann, admins);
  enter(ben, admins);
  customer_says(customer, "I need help", false);
  CAF_CHECK_EQUAL(count(*ann.link, "customer_message"), 0u);
  CAF_CHECK_EQUAL(stored().appended.size(), 1u);
  commit();
  for (auto* admin : {&ann, &ben}) {
    auto m = last(*admin->link, "customer_message");
    CAF_REQUIRE(!m.is_null());
    CAF_CHECK_EQUAL(m.at("sessionId").as_string(), "sess-1");
    CAF_CHECK_EQUAL(m.at("message").as_string(), "I need help");
    CAF_CHECK_EQUAL(m.at("customerName").as_string(), "Carol");
  }
  CAF_CHECK_EQUAL(count(*customer.link, "customer_message"), 0u);
}

CAF_TEST(a staff reply goes to every connection of the customer) {
  party tab1{sys, false}, tab2{sys, false};
  enter(tab1, conv);
  enter(tab2, conv);
  auto r = staff_says("On it");
  CAF_CHECK_EQUAL(r.code, shop_error::none);
  CAF_CHECK_EQUAL(last(*tab1.link, "staff_reply").at("message").as_string(), "On it");
  CAF_CHECK_EQUAL(last(*tab2.link, "staff_reply").at("message").as_string(), "On it");
  CAF_CHECK(st().durable.queued.empty());
}

CAF_TEST(replies to an offline customer wait for its next register and are delivered once) {
  auto r1 = staff_says("first");
  auto r2 = staff_says("second");
  CAF_CHECK(!boost::json::parse(r1.body).at("delivered").as_bool());
  CAF_CHECK_EQUAL(st().durable.queued.size(), 2u);
  CAF_CHECK(stored().snapshots.back().find("second") != std::string::npos); // the queue is on disk
  party back{sys, false};
  enter(back, conv);
  CAF_REQUIRE_EQUAL(types(*back.link), (std::vector<std::string>{"staff_reply", "staff_reply"}));
  auto first = boost::json::parse(back.link->frames[0]);
  CAF_CHECK_EQUAL(first.at("message").as_string(), "first");
  CAF_CHECK(st().durable.queued.empty());
  party other{sys, false};
  enter(other, conv);
  CAF_CHECK(other.link->frames.empty());
}

CAF_TEST(the queue survives a restart) {
  staff_says("while you were away");
  p::room_record rec;
  rec.found = true;
  rec.kind = "shop_support";
  rec.version = 1;
  rec.state = stored().snapshots.back();
  rec.history = stored().appended;
  rec.last_seq = 1;
  stored().to_load = rec;
  anon_send_exit(conv, caf::exit_reason::kill);
  sched.run();
  start();
  party back{sys, false};
  enter(back, conv);
  CAF_CHECK_EQUAL(last(*back.link, "staff_reply").at("message").as_string(), "while you were away");
  CAF_CHECK_EQUAL(st().history.last_seq(), 1u);
}

CAF_TEST(the summary counts unread customer messages until staff answers) {
  party customer{sys, false};
  enter(customer, conv);
  customer_says(customer, "one");
  customer_says(customer, "two");
  auto s = ask_json(caf::make_message(summary_atom::value));
  CAF_CHECK_EQUAL(s.at("unreadCount").as_int64(), 2);
  CAF_CHECK_EQUAL(s.at("lastMessage").at("message").as_string(), "two");
  CAF_CHECK_EQUAL(s.at("customerName").as_string(), "Carol");
  staff_says("answer");
  s = ask_json(caf::make_message(summary_atom::value));
  CAF_CHECK_EQUAL(s.at("unreadCount").as_int64(), 0);
  CAF_CHECK_EQUAL(s.at("lastMessage").at("sender").as_string(), "staff");
  CAF_CHECK_EQUAL(s.at("messageCount").as_int64(), 3);
}

CAF_TEST(messages are paged oldest first from memory and from storage) {
  party customer{sys, false};
  enter(customer, conv);
  for (auto t : {"m1", "m2", "m3", "m4", "m5"})
    customer_says(customer, t);
  auto page = [&](std::uint32_t n, std::uint32_t limit) {
    auto v = ask_json(caf::make_message(messages_atom::value, n, limit));
    std::vector<std::string> out;
    for (auto& m : v.at("messages").as_array())
      out.emplace_back(m.at("message").as_string());
    CAF_CHECK_EQUAL(v.at("total").as_int64(), 5);
    return out;
  };
  CAF_CHECK_EQUAL(page(3, 2), (std::vector<std::string>{"m5"}));        // in memory (the last 3)
  CAF_CHECK_EQUAL(page(1, 2), (std::vector<std::string>{"m1", "m2"}));  // older: from storage
  CAF_CHECK_EQUAL(page(2, 2), (std::vector<std::string>{"m3", "m4"}));
  CAF_CHECK(page(4, 2).empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
