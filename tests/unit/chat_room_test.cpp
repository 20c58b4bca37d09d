#define CAF_SUITE chat_room
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/chat_room.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "chat_fake_link.hpp"
#include "persistence/persistence_messages.hpp"

using namespace roomcast;
using roomcast::test::chat_link;
namespace p = roomcast::persistence;

namespace {

struct client {
  caf::scoped_actor actor;
  std::shared_ptr<chat_link> link = std::make_shared<chat_link>();
  std::string user_id;
  client(caf::actor_system& sys, std::string user) : actor(sys), user_id(std::move(user)) {}
};

/// Stands in for the persistence actor: holds every write until told to commit.
struct held_writes_state {
  p::room_record to_load;
  std::vector<p::stored_message> appended;
  std::vector<std::string> snapshots;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pages;
  std::vector<caf::response_promise> pending;
};

caf::behavior held_writes(caf::stateful_actor<held_writes_state>* self) {
  return {
    [self](p::load_atom, const std::string&, std::uint32_t) { return self->state.to_load; },
    [self](p::append_atom, const std::string&, p::stored_message& m) {
      self->state.appended.push_back(m);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](p::snapshot_atom, const std::string&, const std::string&, std::int32_t, const std::string& state) {
      self->state.snapshots.push_back(state);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](p::page_atom, const std::string&, std::uint64_t before, std::uint32_t limit) {
      self->state.pages.emplace_back(before, limit);
      std::vector<p::stored_message> out;
      for (auto& m : self->state.appended)
        if (m.seq < before)
          out.push_back(m);
      if (out.size() > limit)
        out.erase(out.begin(), out.end() - limit);
      return out;
    },
    [self](caf::ok_atom) {
      for (auto& rp : self->state.pending)
        rp.deliver(p::committed_atom::value);
      self->state.pending.clear();
    },
  };
}

struct fixture : test_coordinator_fixture<> {
  chat_room_config cfg;
  caf::actor room;
  caf::actor store;

  fixture() {
    cfg.typing_timeout = std::chrono::seconds(5);
    cfg.history_limit = 10;
  }

  void start_room(bool stored = false) {
    if (stored) {
      store = sys.spawn(held_writes);
      cfg.life.persistence = store;
    }
    room = sys.spawn(chat_room, std::string{"general"}, cfg);
    sched.run();
  }

  ~fixture() override {
    // Stopped before the base class runs out the timers (an idle room would
    // passivate into a store that holds writes forever).
    if (room)
      anon_send_exit(room, caf::exit_reason::user_shutdown);
    if (store)
      anon_send_exit(store, caf::exit_reason::user_shutdown);
  }

  void commit() {
    self->send(store, caf::ok_atom::value);
    sched.run();
  }

  held_writes_state& writes() { return deref<caf::stateful_actor<held_writes_state>>(store).state; }
  chat_room_state& st() { return deref<caf::stateful_actor<chat_room_state>>(room).state; }

  chat_command cmd(chat_op op, std::optional<std::uint64_t> ack = {}) {
    chat_command c;
    c.op = op;
    c.room_id = "general";
    c.has_ack = ack.has_value();
    c.ack_id = ack.value_or(0);
    return c;
  }

  void join(client& c, std::optional<std::uint64_t> ack = {}) {
    c.actor->send(room, enter_atom::value, chat_member{c.user_id, "name-" + c.user_id, c.link},
                  cmd(chat_op::join_room, ack));
    sched.run();
  }

  void send(client& c, chat_command x) {
    c.actor->send(room, std::move(x));
    sched.run();
  }

  void say(client& c, std::string text, std::optional<std::uint64_t> ack = {}) {
    auto x = cmd(chat_op::send_message, ack);
    x.content = std::move(text);
    send(c, x);
  }

  void typing(client& c, bool on) {
    auto x = cmd(chat_op::typing);
    x.is_typing = on;
    send(c, x);
  }

  std::string history(const std::string& user, std::uint32_t page, std::uint32_t limit, bool* refused = nullptr) {
    std::string out;
    auto rh = self->request(room, caf::infinite, history_atom::value, user, page, limit);
    sched.run();
    rh.receive([&](std::string& s) { out = s; },
               [&](caf::error&) {
                 if (refused)
                   *refused = true;
               });
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(chat_room_tests, fixture)

CAF_TEST(joining sends room users and joined room and tells the others) {
  start_room();
  client a{sys, "alice"}, b{sys, "bob"};
  join(a, 1);
  CAF_CHECK_EQUAL(a.link->names(), (std::vector<std::string>{"roomUsers", "ack", "joinedRoom"}));
  CAF_CHECK_EQUAL(a.link->last("ack").at("event").as_string(), "joinedRoom");
  join(b);
  CAF_CHECK_EQUAL(b.link->last("roomUsers").at("users").as_array().size(), 2u);
  CAF_CHECK_EQUAL(b.link->count("ack"), 0u); // no callback, no ack
  CAF_CHECK_EQUAL(a.link->last("userJoined").at("userId").as_string(), "bob");
  CAF_CHECK_EQUAL(b.link->count("userJoined"), 0u);
}

CAF_TEST(a second tab of the same user is not announced twice) {
  start_room();
  client a{sys, "alice"}, a2{sys, "alice"}, b{sys, "bob"};
  join(b);
  join(a);
  join(a2);
  CAF_CHECK_EQUAL(b.link->count("userJoined"), 1u);
  CAF_CHECK_EQUAL(a2.link->last("roomUsers").at("users").as_array().size(), 2u);
  send(a, cmd(chat_op::leave_room, 4));
  CAF_CHECK_EQUAL(a.link->last("ack").at("event").as_string(), "leftRoom");
  CAF_CHECK_EQUAL(b.link->count("userLeft"), 0u); // alice is still here in her other tab
  send(a2, cmd(chat_op::leave_room));
  CAF_CHECK_EQUAL(b.link->count("userLeft"), 1u);
  CAF_CHECK_EQUAL(b.link->last("userLeft").at("userId").as_string(), "alice");
}

CAF_TEST(a message reaches everyone with the sender as author) {
  start_room();
  client a{sys, "alice"}, b{sys, "bob"};
  join(a);
  join(b);
  say(a, "<hi>", 7);
  auto got = b.link->last("receiveMessage");
  CAF_CHECK_EQUAL(got.at("content").as_string(), "&lt;hi&gt;");
  CAF_CHECK_EQUAL(got.at("author").at("id").as_string(), "alice");
  CAF_CHECK_EQUAL(got.at("id").as_string(), "general-1");
  CAF_CHECK_EQUAL(a.link->count("receiveMessage"), 1u); // the sender too
  CAF_CHECK_EQUAL(a.link->last("ack").at("event").as_string(), "messageSent");
  CAF_CHECK_EQUAL(a.link->last("messageSent").at("message").at("id").as_string(), "general-1");
  say(b, "again");
  CAF_CHECK_EQUAL(a.link->last("receiveMessage").at("id").as_string(), "general-2");
}

CAF_TEST(commands from a connection that has not joined change nothing) {
  start_room();
  client a{sys, "alice"}, stranger{sys, "eve"};
  join(a);
  say(stranger, "spam");
  CAF_CHECK_EQUAL(a.link->count("receiveMessage"), 0u);
  CAF_CHECK_EQUAL(st().history.size(), 0u);
}

CAF_TEST(typing is shown to the others and expires by itself) {
  start_room();
  client a{sys, "alice"}, b{sys, "bob"};
  join(a);
  join(b);
  typing(a, true);
  CAF_CHECK_EQUAL(b.link->last("userTyping").at("isTyping").as_bool(), true);
  CAF_CHECK_EQUAL(a.link->count("userTyping"), 0u);
  CAF_CHECK_EQUAL(a.link->last("typingUpdated").at("success").as_bool(), true);
  CAF_CHECK_EQUAL(st().typing.size(), 1u);
  // Still typing after 3 s: the timer starts over, nothing new is broadcast.
  advance_time(std::chrono::seconds(3));
  sched.run();
  typing(a, true);
  CAF_CHECK_EQUAL(b.link->count("userTyping"), 1u);
  advance_time(std::chrono::seconds(3)); // the first timer fires: refreshed, ignored
  sched.run();
  CAF_CHECK_EQUAL(st().typing.size(), 1u);
  advance_time(std::chrono::seconds(2)); // 5 s after the last update
  sched.run();
  CAF_CHECK_EQUAL(st().typing.size(), 0u);
  CAF_CHECK_EQUAL(b.link->count("userTyping"), 2u);
  CAF_CHECK_EQUAL(b.link->last("userTyping").at("isTyping").as_bool(), false);
}

CAF_TEST(sending a message ends the typing indicator) {
  start_room();
  client a{sys, "alice"}, b{sys, "bob"};
  join(a);
  join(b);
  typing(a, true);
  say(a, "done");
  CAF_CHECK_EQUAL(b.link->last("userTyping").at("isTyping").as_bool(), false);
  CAF_CHECK(st().typing.empty());
}

CAF_TEST(room stats list users and typing users) {
  start_room();
  client a{sys, "alice"}, b{sys, "bob"};
  join(a);
  join(b);
  typing(b, true);
  send(a, cmd(chat_op::get_room_stats, 2));
  auto s = a.link->last("roomStats");
  CAF_CHECK_EQUAL(s.at("userCount").as_int64(), 2);
  CAF_CHECK_EQUAL(s.at("typingUsers").as_array()[0].as_string(), "bob");
  CAF_CHECK_EQUAL(a.link->last("roomStatsRetrieved").at("success").as_bool(), true);
  CAF_CHECK_EQUAL(a.link->last("ack").at("event").as_string(), "roomStatsRetrieved");
}

CAF_TEST(a connection that dies leaves the room) {
  start_room();
  client b{sys, "bob"};
  auto a = std::make_unique<client>(sys, "alice");
  join(*a);
  join(b);
  typing(*a, true);
  a.reset(); // its scoped actor terminates: the room sees it go
  sched.run();
  CAF_CHECK_EQUAL(b.link->last("userLeft").at("userId").as_string(), "alice");
  CAF_CHECK_EQUAL(b.link->last("userTyping").at("isTyping").as_bool(), false);
  CAF_CHECK_EQUAL(st().members.size(), 1u);
}

CAF_TEST(nothing about a message goes out before it is stored) {
  start_room(true);
  client a{sys, "alice"}, b{sys, "bob"};
  join(a);
  // The new member is stored first (it may read the history later).
  CAF_CHECK_EQUAL(writes().snapshots.size(), 1u);
  CAF_CHECK_EQUAL(a.link->frames.size(), 0u);
  commit();
  CAF_CHECK_EQUAL(a.link->last("joinedRoom").at("roomId").as_string(), "general");
  join(b);
  commit();
  a.link->clear();
  b.link->clear();
  say(a, "durable", 3);
  CAF_REQUIRE_EQUAL(writes().appended.size(), 1u);
  CAF_CHECK_EQUAL(writes().appended[0].seq, 1u);
  CAF_CHECK_EQUAL(a.link->frames.size(), 0u);
  CAF_CHECK_EQUAL(b.link->frames.size(), 0u);
  commit();
  CAF_CHECK_EQUAL(b.link->count("receiveMessage"), 1u);
  CAF_CHECK_EQUAL(a.link->names(), (std::vector<std::string>{"receiveMessage", "ack", "messageSent"}));
}

CAF_TEST(the history is paged newest first for members only) {
  start_room(true);
  client a{sys, "alice"};
  join(a);
  commit();
  for (int i = 1; i <= 5; ++i) {
    say(a, "m" + std::to_string(i));
    commit();
  }
  auto page1 = boost::json::parse(history("alice", 1, 2)).as_object();
  auto& msgs = page1.at("data").at("messages").as_array();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[0].at("content").as_string(), "m5");
  CAF_CHECK_EQUAL(msgs[1].at("content").as_string(), "m4");
  CAF_CHECK_EQUAL(page1.at("data").at("pagination").at("total").as_int64(), 5);
  CAF_CHECK_EQUAL(page1.at("data").at("pagination").at("hasMore").as_bool(), true);
  auto page3 = boost::json::parse(history("alice", 3, 2)).as_object();
  CAF_CHECK_EQUAL(page3.at("data").at("messages").as_array().size(), 1u);
  CAF_CHECK_EQUAL(page3.at("data").at("messages").as_array()[0].at("content").as_string(), "m1");
  CAF_CHECK_EQUAL(page3.at("data").at("pagination").at("hasMore").as_bool(), false);
  auto page9 = boost::json::parse(history("alice", 9, 2)).as_object();
  CAF_CHECK_EQUAL(page9.at("data").at("messages").as_array().size(), 0u);
  bool refused = false;
  history("mallory", 1, 2, &refused);
  CAF_CHECK(refused);
}

CAF_TEST(a restarted room knows its members and continues its sequence) {
  start_room(true);
  p::room_record rec;
  rec.found = true;
  rec.kind = "chatroom";
  rec.version = 1;
  rec.state = R"({"createdAt":1000,"members":["alice","bob"]})";
  rec.history.push_back({7, "general-7", 1, R"({"id":"general-7"})"});
  rec.last_seq = 7;
  writes().to_load = rec;
  auto second = sys.spawn(chat_room, std::string{"general"}, cfg);
  sched.run();
  auto& s2 = deref<caf::stateful_actor<chat_room_state>>(second).state;
  CAF_CHECK_EQUAL(s2.known_users.size(), 2u);
  CAF_CHECK_EQUAL(s2.created_ms, 1000);
  CAF_CHECK_EQUAL(s2.history.last_seq(), 7u);
  caf::anon_send_exit(second, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(describe reports users typing and counters) {
  start_room();
  client a{sys, "alice"};
  join(a);
  typing(a, true);
  say(a, "x");
  auto d = boost::json::parse(st().describe()).as_object();
  CAF_CHECK_EQUAL(d.at("kind").as_string(), "chatroom");
  CAF_CHECK_EQUAL(d.at("id").as_string(), "general");
  CAF_CHECK_EQUAL(d.at("userCount").as_int64(), 1);
  CAF_CHECK_EQUAL(d.at("messagesProcessed").as_int64(), 1);
  CAF_CHECK_EQUAL(d.at("typingUsers").as_array().size(), 0u); // the message ended it
}

CAF_TEST_FIXTURE_SCOPE_END()
