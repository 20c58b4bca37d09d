#define CAF_SUITE signaling_room
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/signaling_room.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "fake_link.hpp"
#include "persistence/persistence_messages.hpp"

using namespace roomcast;
using roomcast::test::fake_link;
namespace p = roomcast::persistence;
namespace json = boost::json;

namespace {

struct client {
  caf::scoped_actor actor;
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  explicit client(caf::actor_system& sys) : actor(sys) {}

  /// Message types received, in order.
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (auto& f : link->frames)
      out.emplace_back(json::parse(f).at("type").as_string());
    return out;
  }
  std::size_t count(std::string_view type) const {
    auto t = types();
    return static_cast<std::size_t>(std::count(t.begin(), t.end(), type));
  }
  /// The last message of `type`, or null.
  json::value last(std::string_view type) const {
    for (auto i = link->frames.rbegin(); i != link->frames.rend(); ++i) {
      auto v = json::parse(*i);
      if (v.at("type").as_string() == type)
        return v;
    }
    return nullptr;
  }
  std::string error_code() const {
    auto e = last("error");
    return e.is_null() ? std::string{} : std::string{e.at("code").as_string()};
  }
};

/// Stands in for the persistence actor: holds writes until told to commit.
struct store_state {
  p::room_record to_load;
  std::vector<std::string> snapshots;
  std::vector<std::string> removed;
  std::vector<caf::response_promise> pending;
};

caf::behavior fake_store(caf::stateful_actor<store_state>* self) {
  return {
    [self](p::load_atom, const std::string&, std::uint32_t) { return self->state.to_load; },
    [self](p::quarantine_atom, const std::string&, const std::string&) { return p::committed_atom::value; },
    [self](p::snapshot_atom, const std::string&, const std::string&, std::int32_t, const std::string& state) {
      self->state.snapshots.push_back(state);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](p::remove_atom, const std::string& key) {
      self->state.removed.push_back(key);
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
  signaling_room_config cfg;
  caf::actor room;

  fixture() {
    cfg.default_max_participants = 3;
    cfg.sfu_threshold = 2;
    cfg.ice.stun_urls = {"stun:s:3478"};
    start_room();
  }

  void start_room() {
    room = sys.spawn(signaling_room, std::string{"r1"}, cfg);
    sched.run();
  }

  signaling_join_reply join(client& c, std::string peer, media_state m = {}) {
    c.actor->send(room, enter_atom::value, signaling_join{peer, "name-" + peer, m, c.link});
    sched.run();
    signaling_join_reply reply;
    bool got = false;
    c.actor->receive([&](signaling_join_reply& r) { reply = r, got = true; },
                     caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_CHECK(got);
    return reply;
  }

  void send(client& c, signaling_op op, std::string to = {}, std::string payload = {}, media_state m = {}) {
    signaling_command cmd;
    cmd.op = op;
    cmd.to_peer = std::move(to);
    cmd.payload = std::move(payload);
    cmd.media = m;
    c.actor->send(room, cmd);
    sched.run();
  }

  void leave(client& c) {
    c.actor->send(room, leave_atom::value);
    sched.run();
  }

  /// Asks the room for a string without firing timers (run() would).
  template <class... Ts>
  std::string ask(Ts... xs) {
    auto h = self->request(room, caf::infinite, xs...);
    sched.run();
    std::string out;
    h.receive([&](std::string& s) { out = std::move(s); }, [](caf::error&) {});
    return out;
  }

  signaling_room_state& st() { return deref<caf::stateful_actor<signaling_room_state>>(room).state; }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(signaling_room_tests, fixture)

CAF_TEST(a joiner gets room joined with the others and ice servers and the others get peer joined) {
  client a{sys}, b{sys};
  CAF_CHECK(join(a, "alice", {true, false, false}).code == signaling_error::none);
  auto first = a.last("room-joined");
  CAF_CHECK(first.at("peers").as_array().empty());
  CAF_CHECK_EQUAL(first.at("iceServers").as_array().at(0).at("urls").as_array().at(0).as_string(), "stun:s:3478");
  CAF_CHECK(join(b, "bob").code == signaling_error::none);
  auto second = b.last("room-joined");
  CAF_REQUIRE_EQUAL(second.at("peers").as_array().size(), 1u);
  CAF_CHECK_EQUAL(second.at("peers").as_array()[0].at("peerId").as_string(), "alice");
  CAF_CHECK(second.at("peers").as_array()[0].at("mediaState").at("audio").as_bool());
  auto joined = a.last("peer-joined");
  CAF_CHECK_EQUAL(joined.at("peerId").as_string(), "bob");
  CAF_CHECK_EQUAL(joined.at("displayName").as_string(), "name-bob");
  CAF_CHECK_EQUAL(b.count("peer-joined"), 0u);
}

CAF_TEST(a leaving peer is announced to the others) {
  client a{sys}, b{sys};
  join(a, "alice");
  join(b, "bob");
  send(b, signaling_op::leave_room);
  CAF_CHECK_EQUAL(a.last("peer-left").at("peerId").as_string(), "bob");
  CAF_CHECK_EQUAL(st().members.size(), 1u);
}

CAF_TEST(a disconnected connection leaves the room) {
  client a{sys};
  auto b = std::make_unique<client>(sys);
  join(a, "alice");
  join(*b, "bob");
  b.reset(); // the scoped actor terminates: the room's monitor fires
  sched.run();
  CAF_CHECK_EQUAL(a.last("peer-left").at("peerId").as_string(), "bob");
}

CAF_TEST(offers answers and candidates go only to the target with the sender from the connection) {
  client a{sys}, b{sys}, c{sys};
  join(a, "alice");
  join(b, "bob");
  join(c, "carol");
  send(a, signaling_op::offer, "bob", R"({"type":"offer","sdp":"v=0"})");
  auto offer = b.last("offer");
  CAF_CHECK_EQUAL(offer.at("fromPeerId").as_string(), "alice");
  CAF_CHECK_EQUAL(offer.at("toPeerId").as_string(), "bob");
  CAF_CHECK_EQUAL(offer.at("offer").at("sdp").as_string(), "v=0");
  CAF_CHECK_EQUAL(c.count("offer"), 0u);
  CAF_CHECK_EQUAL(a.count("offer"), 0u);
  send(b, signaling_op::answer, "alice", R"({"type":"answer","sdp":"a"})");
  CAF_CHECK_EQUAL(a.last("answer").at("fromPeerId").as_string(), "bob");
  send(b, signaling_op::ice_candidate, "alice", R"({"candidate":"cand","sdpMid":"0"})");
  CAF_CHECK_EQUAL(a.last("ice-candidate").at("candidate").at("candidate").as_string(), "cand");
}

CAF_TEST(a spoofed sender cannot be expressed and a stranger is ignored) {
  client a{sys}, b{sys}, stranger{sys};
  join(a, "alice");
  join(b, "bob");
  // The command has no sender field: the room names the connection's peer.
  send(stranger, signaling_op::offer, "alice", R"({"sdp":"x"})");
  CAF_CHECK_EQUAL(a.count("offer"), 0u);
  CAF_CHECK(stranger.link->frames.empty());
}

CAF_TEST(relaying to an unknown peer answers peer not found) {
  client a{sys};
  join(a, "alice");
  send(a, signaling_op::offer, "nobody", R"({"sdp":"x"})");
  CAF_CHECK_EQUAL(a.error_code(), "PEER_NOT_FOUND");
  send(a, signaling_op::offer, "alice", R"({"sdp":"x"})");
  CAF_CHECK_EQUAL(a.count("error"), 2u);
}

CAF_TEST(a full room refuses the next joiner) {
  client a{sys}, b{sys}, c{sys}, d{sys};
  join(a, "a");
  join(b, "b");
  join(c, "c");
  CAF_CHECK(join(d, "d").code == signaling_error::room_full);
  CAF_CHECK(d.link->frames.empty());
}

CAF_TEST(a peer id already present is refused and the first connection keeps working) {
  client a{sys}, b{sys}, dup{sys};
  join(a, "alice");
  join(b, "bob");
  CAF_CHECK(join(dup, "alice").code == signaling_error::duplicate_peer);
  send(b, signaling_op::offer, "alice", R"({"sdp":"x"})");
  CAF_CHECK_EQUAL(a.count("offer"), 1u);
  CAF_CHECK_EQUAL(dup.count("offer"), 0u);
}

CAF_TEST(media state changes are broadcast to the others and stored) {
  client a{sys}, b{sys};
  join(a, "alice");
  join(b, "bob");
  send(a, signaling_op::media_state_changed, {}, {}, {false, true, true});
  auto m = b.last("media-state-changed");
  CAF_CHECK_EQUAL(m.at("peerId").as_string(), "alice");
  CAF_CHECK(m.at("mediaState").at("screen").as_bool());
  CAF_CHECK_EQUAL(a.count("media-state-changed"), 0u);
  CAF_CHECK(st().members.at("alice").media == (media_state{false, true, true}));
  client c{sys};
  join(c, "carol");
  auto peers = c.last("room-joined").at("peers").as_array();
  CAF_CHECK(peers[0].at("mediaState").at("video").as_bool());
}

CAF_TEST(crossing the sfu threshold is announced both ways) {
  client a{sys}, b{sys}, c{sys};
  join(a, "a");
  join(b, "b");
  CAF_CHECK_EQUAL(a.count("connection-mode-changed"), 0u);
  join(c, "c");
  CAF_CHECK_EQUAL(a.last("connection-mode-changed").at("mode").as_string(), "sfu");
  CAF_CHECK_EQUAL(c.last("connection-mode-changed").at("mode").as_string(), "sfu");
  leave(c);
  CAF_CHECK_EQUAL(a.last("connection-mode-changed").at("mode").as_string(), "p2p");
}

CAF_TEST(closing tells every peer closes them and refuses joins) {
  client a{sys}, b{sys}, admin{sys};
  join(a, "alice");
  join(b, "bob");
  admin.actor->send(room, close_atom::value, std::uint16_t{4000}, std::string{"room closed"});
  sched.run();
  CAF_CHECK_EQUAL(a.count("room-closed"), 1u);
  CAF_CHECK_EQUAL(b.last("room-closed").at("roomId").as_string(), "r1");
  CAF_CHECK_EQUAL(a.link->close_code.value_or(0), 4000);
  CAF_CHECK_EQUAL(b.link->close_code.value_or(0), 4000);
}

CAF_TEST(describe reports the room as json) {
  client a{sys};
  join(a, "alice");
  auto v = json::parse(ask(describe_atom::value)).as_object();
  CAF_CHECK_EQUAL(v.at("kind").as_string(), "signaling");
  CAF_CHECK_EQUAL(v.at("id").as_string(), "r1");
  CAF_CHECK_EQUAL(v.at("participantCount").as_int64(), 1);
  CAF_CHECK_EQUAL(v.at("connectionMode").as_string(), "p2p");
  CAF_CHECK_EQUAL(v.at("meetingInfo").at("hostPeerId").as_string(), "alice");
  CAF_CHECK_EQUAL(v.at("meetingInfo").at("maxParticipants").as_int64(), 3);
  CAF_CHECK_EQUAL(v.at("peers").as_array().at(0).at("displayName").as_string(), "name-alice");
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct durable_fixture : fixture {
  caf::actor store;
  durable_fixture() {
    anon_send_exit(room, caf::exit_reason::user_shutdown);
    sched.run();
    store = sys.spawn(fake_store);
    cfg.life.persistence = store;
    start_room();
  }
  ~durable_fixture() {
    anon_send_exit(room, caf::exit_reason::user_shutdown);
    anon_send_exit(store, caf::exit_reason::user_shutdown);
  }
  void restart_with(p::room_record rec) {
    anon_send_exit(room, caf::exit_reason::user_shutdown);
    sched.run();
    writes().to_load = std::move(rec);
    start_room();
  }
  store_state& writes() { return deref<caf::stateful_actor<store_state>>(store).state; }
  void commit() {
    self->send(store, caf::ok_atom::value);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(signaling_room_durability, durable_fixture)

CAF_TEST(configured settings are on disk before the reply) {
  auto h = self->request(room, caf::infinite, configure_atom::value, signaling_settings{"host", 5, "e2ee", 1234});
  sched.run();
  CAF_REQUIRE_EQUAL(writes().snapshots.size(), 1u);
  CAF_CHECK(decode_signaling_snapshot(1, writes().snapshots[0]) == (signaling_settings{"host", 5, "e2ee", 1234}));
  bool replied = false;
  self->receive([&](bool) { replied = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(!replied);
  commit();
  h.receive([&](bool ok) { replied = ok; }, [](caf::error&) {});
  CAF_CHECK(replied);
  CAF_CHECK_EQUAL(st().capacity(), 5u);
}

CAF_TEST(a room created by its first join is stored before room joined) {
  client a{sys};
  join(a, "alice");
  CAF_CHECK(a.link->frames.empty());
  CAF_REQUIRE_EQUAL(writes().snapshots.size(), 1u);
  CAF_CHECK(writes().snapshots[0].find("\"hostPeerId\":\"alice\"") != std::string::npos);
  commit();
  CAF_CHECK_EQUAL(a.count("room-joined"), 1u);
}

CAF_TEST(a restarted room resumes its settings but not its members) {
  p::room_record rec;
  rec.found = true;
  rec.kind = "signaling";
  rec.version = signaling_settings::current_version;
  rec.state = encode_signaling_snapshot({"host", 1, "e2ee", 1704067200000});
  restart_with(rec);
  CAF_CHECK(st().exists);
  CAF_CHECK(st().members.empty());
  auto info = json::parse(ask(info_atom::value)).as_object();
  CAF_CHECK_EQUAL(info.at("meetingInfo").at("encryption").as_string(), "e2ee");
  CAF_CHECK_EQUAL(info.at("meetingInfo").at("createdAt").as_string(), "2024-01-01T00:00:00.000Z");
  client a{sys}, b{sys};
  CAF_CHECK(join(a, "alice").code == signaling_error::none);
  CAF_CHECK(writes().snapshots.empty()); // nothing new to store
  CAF_CHECK(join(b, "bob").code == signaling_error::room_full);
}

CAF_TEST(closing erases the room from storage) {
  client a{sys}, admin{sys};
  join(a, "alice");
  commit();
  auto h = admin.actor->request(room, caf::infinite, close_atom::value, std::uint16_t{4000}, std::string{"bye"});
  sched.run();
  CAF_CHECK_EQUAL(writes().removed, std::vector<std::string>{"signaling:r1"});
  commit();
  bool ok = false;
  h.receive([&](bool b) { ok = b; }, [](caf::error&) {});
  CAF_CHECK(ok);
  CAF_CHECK_EQUAL(a.last("room-closed").at("reason").as_string(), "bye");
}

CAF_TEST_FIXTURE_SCOPE_END()
