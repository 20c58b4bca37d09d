#define CAF_SUITE conference_room
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/conference_room.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "actors/resume_token.hpp"
#include "fake_link.hpp"
#include "persistence/persistence_messages.hpp"

using namespace roomcast;
using roomcast::test::fake_link;
namespace p = roomcast::persistence;

namespace {

struct client {
  caf::scoped_actor actor;
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  std::string peer_id;
  explicit client(caf::actor_system& sys) : actor(sys) {}
};

/// Stands in for the persistence actor: holds every write until told to
/// commit, so tests can see what clients get before and after the commit.
struct held_writes_state {
  p::room_record to_load;
  std::vector<p::stored_message> stored; ///< what page answers from
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pages; ///< (before, limit) asked
  std::vector<std::string> quarantined;
  std::vector<caf::response_promise> pending;
  std::vector<std::string> appended;
  std::vector<std::string> snapshots;
};

caf::behavior held_writes(caf::stateful_actor<held_writes_state>* self) {
  return {
    [self](p::load_atom, const std::string&, std::uint32_t) { return self->state.to_load; },
    [self](p::page_atom, const std::string&, std::uint64_t before, std::uint32_t limit) {
      self->state.pages.emplace_back(before, limit);
      std::vector<p::stored_message> out;
      for (auto& m : self->state.stored)
        if (m.seq < before)
          out.push_back(m);
      if (out.size() > limit)
        out.erase(out.begin(), out.end() - limit);
      return out;
    },
    [self](p::quarantine_atom, const std::string& key, const std::string&) {
      self->state.quarantined.push_back(key);
      return p::committed_atom::value;
    },
    [self](p::append_atom, const std::string&, p::stored_message& m) {
      self->state.appended.push_back(m.body);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](p::snapshot_atom, const std::string&, const std::string&, std::int32_t, const std::string& state) {
      self->state.snapshots.push_back(state);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](caf::ok_atom) {
      for (auto& rp : self->state.pending)
        rp.deliver(p::committed_atom::value);
      self->state.pending.clear();
    },
  };
}

struct fixture : test_coordinator_fixture<> {
  conference_room_config cfg;
  caf::actor room;

  fixture() {
    cfg.capacity = 3;
    cfg.history_limit = 2;
    cfg.token_secret = "secret";
    start_room();
  }

  void start_room() {
    room = sys.spawn(conference_room, std::string{"r1"}, cfg);
    sched.run();
  }

  join_reply join(client& c, std::string peer, std::string token = {}, std::string role = {}) {
    c.actor->send(room, enter_atom::value,
                  join_request{peer, "name-" + peer, std::move(token), std::move(role), c.link});
    sched.run();
    join_reply reply;
    bool got = false;
    c.actor->receive([&](join_reply& r) { reply = r, got = true; },
                     caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_REQUIRE(got);
    if (reply.code == conference_error::none)
      c.peer_id = reply.peer_id;
    return reply;
  }

  void send(client& c, conference_op op, std::string target = {}, std::string text = {}) {
    conference_command cmd;
    cmd.op = op;
    cmd.target = std::move(target);
    cmd.text = std::move(text);
    c.actor->send(room, cmd);
    sched.run();
  }

  void load_history(client& c, std::uint64_t before, std::uint32_t limit) {
    conference_command cmd;
    cmd.op = conference_op::load_history;
    cmd.before_seq = before;
    cmd.limit = limit;
    c.actor->send(room, cmd);
    sched.run();
  }

  void leave(client& c) {
    c.actor->send(room, leave_atom::value);
    sched.run();
  }

  conference_room_state& st() { return deref<caf::stateful_actor<conference_room_state>>(room).state; }

  std::string error_code(const client& c) {
    auto e = c.link->last("error");
    return e.is_null() ? std::string{} : std::string{e.at("code").as_string()};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(conference_room_tests, fixture)

CAF_TEST(the first joiner is host and gets peers then chat history) {
  client a{sys};
  CAF_CHECK(join(a, "alice").code == conference_error::none);
  CAF_REQUIRE_EQUAL(a.link->events(), (std::vector<std::string>{"peers", "chat-history"}));
  auto peers = a.link->last("peers").as_object();
  CAF_CHECK_EQUAL(peers.at("yourId").as_string(), "alice");
  CAF_CHECK(peers.at("isHost").as_bool());
  CAF_CHECK_EQUAL(peers.at("hostId").as_string(), "alice");
  CAF_CHECK(!peers.at("roomLocked").as_bool());
  CAF_CHECK(peers.at("chatEnabled").as_bool());
  CAF_CHECK(peers.at("peers").as_array().empty());
  CAF_CHECK_EQUAL(peers.at("participants").as_array().size(), 1u);
  CAF_CHECK_EQUAL(peers.at("resumeToken").as_string(), make_resume_token("secret", "r1", "alice"));
}

CAF_TEST(a joiner sees earlier peers and everyone else gets peer joined) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  a.link->clear();
  b.link->clear();
  join(c, "carol");
  auto peers = c.link->last("peers").as_object();
  CAF_CHECK_EQUAL(peers.at("peers").as_array().size(), 2u);
  CAF_CHECK_EQUAL(peers.at("peers").as_array()[0].as_string(), "alice");
  CAF_CHECK(!peers.at("isHost").as_bool());
  CAF_CHECK_EQUAL(a.link->last("peer-joined").at("peerId").as_string(), "carol");
  CAF_CHECK_EQUAL(b.link->last("peer-joined").at("username").as_string(), "name-carol");
  CAF_CHECK_EQUAL(c.link->count("peer-joined"), 0u);
}

CAF_TEST(a peer without a requested id gets a generated one) {
  client a{sys};
  auto r = join(a, "");
  CAF_CHECK(r.code == conference_error::none);
  CAF_CHECK(r.peer_id.rfind("peer_", 0) == 0);
}

CAF_TEST(signaling is relayed only to the target with the sender identity) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  join(c, "carol");
  send(a, conference_op::offer, "bob", R"({"type":"offer","sdp":"v=0"})");
  auto offer = b.link->last("offer").as_object();
  CAF_CHECK_EQUAL(offer.at("peerId").as_string(), "alice");
  CAF_CHECK_EQUAL(offer.at("targetPeerId").as_string(), "bob");
  CAF_CHECK_EQUAL(offer.at("username").as_string(), "name-alice");
  CAF_CHECK_EQUAL(offer.at("sdp").at("type").as_string(), "offer");
  CAF_CHECK_EQUAL(c.link->count("offer"), 0u);
  CAF_CHECK_EQUAL(a.link->count("offer"), 0u);
  send(b, conference_op::answer, "alice", "\"v=0 answer\"");
  CAF_CHECK_EQUAL(a.link->last("answer").at("sdp").as_string(), "v=0 answer");
  send(b, conference_op::candidate, "alice", "\"cand\"");
  CAF_CHECK_EQUAL(a.link->last("candidate").at("candidate").as_string(), "cand");
  send(a, conference_op::offer, "nobody", "\"x\"");
  CAF_CHECK_EQUAL(error_code(a), "PEER_NOT_FOUND");
}

CAF_TEST(only the host locks and a locked room refuses newcomers) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  send(b, conference_op::room_locked);
  CAF_CHECK_EQUAL(error_code(b), "UNAUTHORIZED");
  CAF_CHECK(!st().durable.locked);
  send(a, conference_op::room_locked);
  CAF_CHECK(st().durable.locked);
  CAF_CHECK_EQUAL(a.link->count("room-locked"), 1u);
  CAF_CHECK_EQUAL(b.link->count("room-locked"), 1u);
  CAF_CHECK(join(c, "carol").code == conference_error::room_locked);
  send(a, conference_op::room_unlocked);
  CAF_CHECK_EQUAL(b.link->count("room-unlocked"), 1u);
  CAF_CHECK(join(c, "carol").code == conference_error::none);
}

CAF_TEST(a full room refuses the next joiner) {
  client a{sys}, b{sys}, c{sys}, d{sys};
  join(a, "a");
  join(b, "b");
  join(c, "c");
  CAF_CHECK(join(d, "d").code == conference_error::room_full);
  leave(c);
  CAF_CHECK(join(d, "d").code == conference_error::none);
}

CAF_TEST(chat messages get server ids and timestamps and respect the chat switch) {
  client a{sys}, b{sys};
  join(a, "alice");
  join(b, "bob");
  send(b, conference_op::chat_message, {}, "hello");
  auto msg = a.link->last("chat-message").as_object();
  CAF_CHECK_EQUAL(msg.at("message").as_string(), "hello");
  CAF_CHECK_EQUAL(msg.at("peerId").as_string(), "bob");
  CAF_CHECK_EQUAL(msg.at("username").as_string(), "name-bob");
  CAF_CHECK(msg.at("id").as_string().starts_with("msg_"));
  CAF_CHECK(msg.at("timestamp").as_int64() > 1'600'000'000'000);
  CAF_CHECK_EQUAL(b.link->count("chat-message"), 1u); // the sender too
  send(b, conference_op::chat_disabled);
  CAF_CHECK_EQUAL(error_code(b), "UNAUTHORIZED");
  send(a, conference_op::chat_disabled);
  CAF_CHECK_EQUAL(b.link->count("chat-disabled"), 1u);
  send(b, conference_op::chat_message, {}, "ignored");
  CAF_CHECK_EQUAL(error_code(b), "CHAT_DISABLED");
  CAF_CHECK_EQUAL(a.link->count("chat-message"), 1u);
  send(a, conference_op::chat_enabled);
  send(b, conference_op::chat_message, {}, "again");
  CAF_CHECK_EQUAL(a.link->count("chat-message"), 2u);
}

CAF_TEST(chat history holds the last messages for a joiner) {
  client a{sys}, b{sys};
  join(a, "alice");
  for (auto text : {"one", "two", "three"})
    send(a, conference_op::chat_message, {}, text);
  join(b, "bob");
  auto events = b.link->events();
  CAF_REQUIRE_EQUAL(events.size(), 2u);
  CAF_CHECK_EQUAL(events[1], "chat-history");
  auto msgs = b.link->last("chat-history").at("messages").as_array();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u); // history_limit
  CAF_CHECK_EQUAL(msgs[0].at("message").as_string(), "two");
  CAF_CHECK_EQUAL(msgs[1].at("message").as_string(), "three");
}

CAF_TEST(a memory only room pages back through what it holds) {
  client a{sys};
  join(a, "alice");
  for (auto text : {"one", "two", "three"})
    send(a, conference_op::chat_message, {}, text);
  load_history(a, 3, 5); // older than "three"; "one" left memory (limit 2)
  auto page = a.link->last("chat-history-page").as_object();
  CAF_REQUIRE_EQUAL(page.at("messages").as_array().size(), 1u);
  CAF_CHECK_EQUAL(page.at("messages").as_array()[0].at("message").as_string(), "two");
  CAF_CHECK(!page.at("hasMore").as_bool());
  load_history(a, 0, 1); // the newest
  page = a.link->last("chat-history-page").as_object();
  CAF_CHECK_EQUAL(page.at("messages").as_array()[0].at("message").as_string(), "three");
  CAF_CHECK(page.at("hasMore").as_bool());
}

CAF_TEST(a kicked peer is told then disconnected and cannot return) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  join(c, "carol");
  send(b, conference_op::kick, "carol");
  CAF_CHECK_EQUAL(error_code(b), "UNAUTHORIZED");
  send(a, conference_op::kick, "carol");
  auto c_events = c.link->events();
  CAF_CHECK_EQUAL(c_events.back(), "kicked");
  CAF_CHECK_EQUAL(c.link->close_code.value_or(0), 4000);
  CAF_CHECK_EQUAL(b.link->last("peer-left").at("peerId").as_string(), "carol");
  CAF_CHECK_EQUAL(a.link->last("peer-left").at("peerId").as_string(), "carol");
  CAF_CHECK_EQUAL(st().members.size(), 2u);
  client c2{sys};
  auto r = join(c2, "carol");
  CAF_CHECK(r.code == conference_error::unauthorized);
  send(a, conference_op::kick, "nobody");
  CAF_CHECK_EQUAL(error_code(a), "PEER_NOT_FOUND");
}

CAF_TEST(the host cannot be kicked even by a co-host) {
  client a{sys}, b{sys};
  join(a, "alice");
  join(b, "bob");
  send(a, conference_op::promote_co_host, "bob");
  send(b, conference_op::kick, "alice");
  CAF_CHECK_EQUAL(error_code(b), "UNAUTHORIZED");
  CAF_CHECK_EQUAL(st().members.size(), 2u);
  CAF_CHECK(!a.link->close_code);
}

CAF_TEST(co hosts may do host actions and promotion is broadcast) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  join(c, "carol");
  send(c, conference_op::promote_co_host, "bob");
  CAF_CHECK_EQUAL(error_code(c), "UNAUTHORIZED");
  send(a, conference_op::promote_co_host, "bob");
  CAF_CHECK_EQUAL(c.link->last("promote-co-host").at("targetPeerId").as_string(), "bob");
  send(b, conference_op::room_locked);
  CAF_CHECK(st().durable.locked);
  send(b, conference_op::mute_participant, "carol");
  CAF_CHECK_EQUAL(c.link->last("mute-participant").at("targetPeerId").as_string(), "carol");
  CAF_CHECK_EQUAL(a.link->count("mute-participant"), 0u);
  client d{sys};
  CAF_CHECK(join(d, "dave").code == conference_error::room_locked);
  CAF_CHECK(d.link->frames.empty());
}

CAF_TEST(mute is delivered to the target only and needs the host) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  join(c, "carol");
  send(b, conference_op::mute_participant, "carol");
  CAF_CHECK_EQUAL(error_code(b), "UNAUTHORIZED");
  send(a, conference_op::mute_participant, "carol");
  auto m = c.link->last("mute-participant").as_object();
  CAF_CHECK_EQUAL(m.at("targetPeerId").as_string(), "carol");
  CAF_CHECK_EQUAL(m.at("peerId").as_string(), "alice");
  CAF_CHECK_EQUAL(b.link->count("mute-participant"), 0u);
}

CAF_TEST(hands are broadcast and cleared when the peer leaves) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  send(b, conference_op::raise_hand);
  CAF_CHECK_EQUAL(a.link->last("raise-hand").at("peerId").as_string(), "bob");
  CAF_CHECK_EQUAL(b.link->count("raise-hand"), 1u);
  join(c, "carol");
  auto peers = c.link->last("peers").as_object();
  CAF_REQUIRE_EQUAL(peers.at("raisedHands").as_array().size(), 1u);
  send(b, conference_op::lower_hand);
  CAF_CHECK_EQUAL(c.link->last("lower-hand").at("peerId").as_string(), "bob");
  send(b, conference_op::raise_hand);
  leave(b);
  CAF_CHECK(st().durable.raised_hands.empty());
  CAF_CHECK_EQUAL(c.link->last("peer-left").at("peerId").as_string(), "bob");
}

CAF_TEST(reactions and screen sharing go to the others) {
  client a{sys}, b{sys};
  join(a, "alice");
  join(b, "bob");
  send(a, conference_op::reaction, {}, "\xF0\x9F\x91\x8D");
  CAF_CHECK_EQUAL(b.link->last("reaction").at("emoji").as_string(), "\xF0\x9F\x91\x8D");
  CAF_CHECK_EQUAL(a.link->count("reaction"), 0u);
  send(b, conference_op::screen_share_start);
  CAF_CHECK_EQUAL(a.link->last("screen-share-start").at("peerId").as_string(), "bob");
  CAF_CHECK(st().members.at("bob").screen_sharing);
  send(b, conference_op::screen_share_stop);
  CAF_CHECK_EQUAL(a.link->count("screen-share-stop"), 1u);
}

CAF_TEST(when the host leaves the longest present participant becomes host) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  join(c, "carol");
  leave(a);
  CAF_CHECK_EQUAL(st().durable.host_id, "bob");
  CAF_CHECK_EQUAL(b.link->last("host-changed").at("hostId").as_string(), "bob");
  CAF_CHECK_EQUAL(c.link->last("host-changed").at("hostId").as_string(), "bob");
  send(b, conference_op::room_locked);
  CAF_CHECK(st().durable.locked);
}

CAF_TEST(a disconnected connection leaves the room) {
  client a{sys};
  join(a, "alice");
  {
    client b{sys};
    join(b, "bob");
  } // b's actor terminates: the room's monitor fires
  sched.run();
  CAF_CHECK_EQUAL(st().members.size(), 1u);
  CAF_CHECK_EQUAL(a.link->last("peer-left").at("peerId").as_string(), "bob");
}

CAF_TEST(a present peer id without its token is refused and with it replaces the old socket) {
  client a{sys}, b{sys}, b2{sys}, b3{sys};
  join(a, "alice");
  join(b, "bob");
  CAF_CHECK(join(b2, "bob").code == conference_error::unauthorized);
  CAF_CHECK(join(b2, "bob", "forged").code == conference_error::unauthorized);
  auto token = std::string{b.link->last("peers").at("resumeToken").as_string()};
  CAF_CHECK(join(b3, "bob", token).code == conference_error::none);
  CAF_CHECK_EQUAL(b.link->close_code.value_or(0), 4001);
  CAF_CHECK_EQUAL(st().members.size(), 2u);
  a.link->clear();
  send(a, conference_op::offer, "bob", "\"v=0\"");
  CAF_CHECK_EQUAL(b3.link->count("offer"), 1u);
}

CAF_TEST(a host who left alone reenters the locked room as host with the token) {
  client a{sys}, x{sys};
  join(a, "alice");
  auto token = std::string{a.link->last("peers").at("resumeToken").as_string()};
  send(a, conference_op::room_locked);
  leave(a);
  CAF_CHECK(join(x, "mallory").code == conference_error::room_locked);
  client a2{sys};
  CAF_CHECK(join(a2, "alice", token).code == conference_error::none);
  CAF_CHECK(a2.link->last("peers").at("isHost").as_bool());
  CAF_CHECK(a2.link->last("peers").at("roomLocked").as_bool());
}

CAF_TEST(a co host keeps the role across a reconnect with the token) {
  client a{sys}, b{sys};
  join(a, "alice");
  join(b, "bob");
  auto token = std::string{b.link->last("peers").at("resumeToken").as_string()};
  send(a, conference_op::promote_co_host, "bob");
  leave(b);
  client b2{sys};
  join(b2, "bob", token);
  auto peers = b2.link->last("peers").as_object();
  CAF_CHECK_EQUAL(peers.at("coHostIds").as_array().size(), 1u);
  leave(b2);
  client b3{sys};
  join(b3, "bob"); // same id, no proof: a stranger, no role
  CAF_CHECK_EQUAL(b3.link->last("peers").at("coHostIds").as_array().size(), 0u);
}

CAF_TEST(a host who left the room empty keeps the role for the grace period) {
  client a{sys}, b{sys};
  join(a, "alice");
  auto token = std::string{a.link->last("peers").at("resumeToken").as_string()};
  leave(a);
  join(b, "bob");
  CAF_CHECK(!b.link->last("peers").at("isHost").as_bool());
  CAF_CHECK_EQUAL(st().durable.host_id, "alice");
  client a2{sys};
  CAF_CHECK(join(a2, "alice", token).code == conference_error::none);
  CAF_CHECK(a2.link->last("peers").at("isHost").as_bool());
}

CAF_TEST(the host peer id without its token is refused even while the host is away) {
  client a{sys}, b{sys}, x{sys};
  join(a, "alice");
  join(b, "bob");
  leave(b);
  leave(a); // the room is empty; the role waits for alice
  auto r = join(x, "alice");
  CAF_CHECK(r.code == conference_error::unauthorized);
  CAF_CHECK_EQUAL(r.reason, "peer_id_in_use");
  CAF_CHECK(x.link->frames.empty());
}

CAF_TEST(after the grace period the longest present participant becomes host) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  leave(a);
  join(b, "bob");
  join(c, "carol");
  sched.trigger_timeouts(); // the host grace runs out
  sched.run();
  CAF_CHECK_EQUAL(st().durable.host_id, "bob");
  CAF_CHECK_EQUAL(c.link->last("host-changed").at("hostId").as_string(), "bob");
}

CAF_TEST(a participant with a valid token may return to a locked room but a newcomer may not) {
  client a{sys}, b{sys}, x{sys};
  join(a, "alice");
  join(b, "bob");
  auto token = std::string{b.link->last("peers").at("resumeToken").as_string()};
  send(a, conference_op::room_locked);
  leave(b);
  CAF_CHECK(join(x, "mallory").code == conference_error::room_locked);
  client b2{sys};
  CAF_CHECK(join(b2, "bob", token).code == conference_error::none);
}

CAF_TEST(join refusals carry a machine readable reason) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  send(a, conference_op::kick, "bob");
  auto r = join(c, "bob");
  CAF_CHECK_EQUAL(r.reason, "removed");
  CAF_CHECK_EQUAL(join(c, "alice").reason, "peer_id_in_use");
  CAF_CHECK_EQUAL(join(c, "carol", "forged").reason, "invalid_token");
}

CAF_TEST(a moderator from a verified token acts as host without being host) {
  client a{sys}, m{sys}, c{sys};
  join(a, "alice");
  join(m, "mod", {}, "moderator");
  join(c, "carol");
  CAF_CHECK(!m.link->last("peers").at("isHost").as_bool());
  send(m, conference_op::room_locked);
  CAF_CHECK(st().durable.locked);
  send(c, conference_op::room_unlocked);
  CAF_CHECK_EQUAL(error_code(c), "UNAUTHORIZED");
}

CAF_TEST(a second join on the same connection is refused) {
  client a{sys};
  join(a, "alice");
  CAF_CHECK(join(a, "alice2").code == conference_error::already_joined);
}

CAF_TEST(commands from a non member are ignored) {
  client a{sys}, x{sys};
  join(a, "alice");
  send(x, conference_op::room_locked);
  CAF_CHECK(!st().durable.locked);
}

CAF_TEST(describe reports the room state as JSON) {
  client a{sys};
  join(a, "alice");
  std::string json;
  self->send(room, describe_atom::value);
  sched.run();
  self->receive([&](std::string& s) { json = s; }, caf::after(std::chrono::seconds(0)) >> [] {});
  auto v = boost::json::parse(json).as_object();
  CAF_CHECK_EQUAL(v.at("kind").as_string(), "conference");
  CAF_CHECK_EQUAL(v.at("id").as_string(), "r1");
  CAF_CHECK_EQUAL(v.at("members").as_array().size(), 1u);
  CAF_CHECK_EQUAL(v.at("memberCount").as_int64(), 1);
  CAF_CHECK_EQUAL(v.at("hostId").as_string(), "alice");
}

CAF_TEST(an idle empty room passivates) {
  client a{sys};
  join(a, "alice");
  leave(a);
  self->monitor(room);
  sched.trigger_timeouts();
  sched.run();
  bool down = false;
  self->receive([&](caf::down_msg& dm) { down = dm.source == room.address(); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST(a room with a member does not passivate) {
  client a{sys};
  join(a, "alice");
  sched.trigger_timeouts();
  sched.run();
  client b{sys};
  CAF_CHECK(join(b, "bob").code == conference_error::none);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct durable_fixture : fixture {
  caf::actor store;
  durable_fixture() {
    anon_send_exit(room, caf::exit_reason::user_shutdown);
    sched.run();
    store = sys.spawn(held_writes);
    cfg.life.persistence = store;
    start_room();
  }
  /// Restarts the room over a stored record, as after a node restart.
  void restart_with(p::room_record rec) {
    anon_send_exit(room, caf::exit_reason::user_shutdown);
    sched.run();
    writes().to_load = std::move(rec);
    start_room();
  }

  ~durable_fixture() {
    anon_send_exit(room, caf::exit_reason::user_shutdown);
    anon_send_exit(store, caf::exit_reason::user_shutdown);
  }
  held_writes_state& writes() { return deref<caf::stateful_actor<held_writes_state>>(store).state; }
  void commit() {
    self->send(store, caf::ok_atom::value);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(conference_room_durability, durable_fixture)

CAF_TEST(a chat message reaches nobody before its write commits) {
  client a{sys}, b{sys};
  join(a, "alice"); // the host role is written first
  commit();
  join(b, "bob");
  send(b, conference_op::chat_message, {}, "hello");
  CAF_CHECK_EQUAL(writes().appended.size(), 1u);
  CAF_CHECK_EQUAL(a.link->count("chat-message"), 0u);
  CAF_CHECK_EQUAL(b.link->count("chat-message"), 0u);
  commit();
  CAF_CHECK_EQUAL(a.link->count("chat-message"), 1u);
  CAF_CHECK_EQUAL(b.link->count("chat-message"), 1u);
}

CAF_TEST(frames after an uncommitted write keep their order) {
  client a{sys}, b{sys};
  join(a, "alice");
  commit();
  join(b, "bob");
  send(a, conference_op::room_locked); // snapshot write pending
  send(a, conference_op::reaction, {}, "\xF0\x9F\x91\x8F");
  CAF_CHECK_EQUAL(b.link->count("room-locked"), 0u);
  CAF_CHECK_EQUAL(b.link->count("reaction"), 0u);
  commit();
  auto events = b.link->events();
  CAF_REQUIRE(events.size() >= 2u);
  CAF_CHECK_EQUAL(events[events.size() - 2], "room-locked");
  CAF_CHECK_EQUAL(events.back(), "reaction");
  CAF_CHECK(writes().snapshots.back().find("\"locked\":true") != std::string::npos);
}

CAF_TEST(the host role is on disk before the first peers frame) {
  client a{sys};
  join(a, "alice");
  CAF_CHECK(a.link->frames.empty());
  CAF_REQUIRE_EQUAL(writes().snapshots.size(), 1u);
  CAF_CHECK(writes().snapshots[0].find("\"hostId\":\"alice\"") != std::string::npos);
  commit();
  auto events = a.link->events();
  CAF_REQUIRE(!events.empty());
  CAF_CHECK_EQUAL(events.front(), "peers");
}

CAF_TEST(a restarted room resumes its stored state and history) {
  conference_snapshot snap;
  snap.host_id = "alice";
  snap.co_hosts = {"bob"};
  snap.locked = true;
  snap.chat_enabled = false;
  snap.last_seq = 7;
  p::room_record rec;
  rec.found = true;
  rec.kind = "conference";
  rec.version = conference_snapshot::current_version;
  rec.state = encode_snapshot(snap);
  rec.history = {{6, "msg_6", 1, R"({"id":"msg_6","message":"six"})"}, {7, "msg_7", 2, R"({"id":"msg_7","message":"seven"})"}};
  rec.last_seq = 7;
  restart_with(rec);
  CAF_CHECK(st().durable.locked);
  CAF_CHECK(!st().durable.chat_enabled);
  CAF_CHECK_EQUAL(st().durable.host_id, "alice");
  client stranger{sys};
  CAF_CHECK(join(stranger, "mallory").code == conference_error::room_locked);
  client a{sys};
  CAF_CHECK(join(a, "alice", make_resume_token("secret", "r1", "alice")).code == conference_error::none);
  auto peers = a.link->last("peers").as_object();
  CAF_CHECK(peers.at("isHost").as_bool());
  CAF_CHECK(peers.at("roomLocked").as_bool());
  CAF_CHECK(!peers.at("chatEnabled").as_bool());
  auto history = a.link->last("chat-history").at("messages").as_array();
  CAF_REQUIRE_EQUAL(history.size(), 2u);
  CAF_CHECK_EQUAL(history[1].at("message").as_string(), "seven");
  client b{sys};
  CAF_CHECK(join(b, "bob", make_resume_token("secret", "r1", "bob")).code == conference_error::none);
  CAF_CHECK_EQUAL(b.link->last("peers").at("coHostIds").as_array().size(), 1u);
  send(a, conference_op::chat_message, {}, "eight");
  commit();
  auto msg = b.link->last("chat-message").as_object();
  CAF_CHECK(msg.at("id").as_string().starts_with("msg_8_")); // the sequence goes on, never reused
}

CAF_TEST(an undecodable snapshot is quarantined and the room starts empty) {
  p::room_record rec;
  rec.found = true;
  rec.kind = "conference";
  rec.version = conference_snapshot::current_version;
  rec.state = "{not json";
  rec.last_seq = 3;
  restart_with(rec);
  CAF_CHECK_EQUAL(writes().quarantined, std::vector<std::string>{"conference:r1"});
  CAF_CHECK(!st().durable.locked);
  CAF_CHECK_EQUAL(st().durable.last_seq, 3u);
  client a{sys};
  CAF_CHECK(join(a, "alice").code == conference_error::none);
  commit();
  CAF_CHECK(a.link->last("peers").at("isHost").as_bool());
}

CAF_TEST(history pages come from the store with one extra to tell whether more remain) {
  for (std::uint64_t seq = 1; seq <= 5; ++seq)
    writes().stored.push_back({seq, "msg_" + std::to_string(seq) + "_x", 0,
                               R"({"message":"m)" + std::to_string(seq) + "\"}"});
  client a{sys};
  join(a, "alice");
  commit();
  load_history(a, 4, 2);
  CAF_REQUIRE_EQUAL(writes().pages.size(), 1u);
  CAF_CHECK_EQUAL(writes().pages[0].first, 4u);
  CAF_CHECK_EQUAL(writes().pages[0].second, 3u);
  auto page = a.link->last("chat-history-page").as_object();
  auto msgs = page.at("messages").as_array();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[0].at("message").as_string(), "m2");
  CAF_CHECK_EQUAL(msgs[1].at("message").as_string(), "m3");
  CAF_CHECK(page.at("hasMore").as_bool());
  load_history(a, 0, 50);
  CAF_CHECK(writes().pages.back().first == static_cast<std::uint64_t>(INT64_MAX));
  CAF_CHECK_EQUAL(a.link->last("chat-history-page").at("messages").as_array().size(), 5u);
}

CAF_TEST_FIXTURE_SCOPE_END()
