#define CAF_SUITE signaling_connection
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/signaling_connection.hpp"

#include <caf/test/dsl.hpp>

#include "actors/registry.hpp"
#include "actors/signaling_room.hpp"
#include "fake_link.hpp"

using namespace roomcast;
using roomcast::test::fake_link;
namespace json = boost::json;

namespace {

/// The signaling room kind as the endpoint registers it (memory only).
std::vector<room_kind> signaling_kinds() {
  room_kind k;
  k.name = "signaling";
  k.spawn = [](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    signaling_room_config c;
    c.default_max_participants = 2;
    c.life.registry = registry;
    return sys.spawn(signaling_room, id, std::move(c));
  };
  return {k};
}

std::size_t count(const fake_link& link, std::string_view type) {
  std::size_t n = 0;
  for (auto& f : link.frames)
    n += json::parse(f).at("type").as_string() == type;
  return n;
}

json::value last(const fake_link& link, std::string_view type) {
  for (auto i = link.frames.rbegin(); i != link.frames.rend(); ++i) {
    auto v = json::parse(*i);
    if (v.at("type").as_string() == type)
      return v;
  }
  return nullptr;
}

std::string last_error(const fake_link& link) {
  auto e = last(link, "error");
  return e.is_null() ? std::string{} : std::string{e.at("code").as_string()};
}

struct fixture : test_coordinator_fixture<> {
  caf::actor reg;

  fixture() {
    reg = sys.spawn(registry, signaling_kinds(), caf::actor{}, std::chrono::milliseconds{0});
    sched.run();
  }

  ~fixture() { anon_send_exit(reg, caf::exit_reason::user_shutdown); }

  caf::actor connect(const std::shared_ptr<fake_link>& link, bool auto_create = true) {
    auto c = sys.spawn(signaling_connection, client_link_ptr{link}, reg, signaling_connection_config{auto_create});
    sched.run();
    return c;
  }

  void command(const caf::actor& conn, signaling_op op, std::string room = {}, std::string peer = {},
               std::string to = {}) {
    signaling_command cmd;
    cmd.op = op;
    cmd.room_id = std::move(room);
    cmd.peer_id = std::move(peer);
    cmd.display_name = cmd.peer_id;
    cmd.to_peer = std::move(to);
    cmd.payload = R"({"sdp":"x"})";
    self->send(conn, cmd);
    sched.run();
  }

  void disconnect(const caf::actor& conn) {
    self->send(conn, disconnect_atom::value);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(signaling_connection_tests, fixture)

CAF_TEST(anything but join room before joining answers not in room) {
  auto link = std::make_shared<fake_link>();
  auto conn = connect(link);
  command(conn, signaling_op::offer, {}, {}, "bob");
  CAF_CHECK_EQUAL(last_error(*link), "NOT_IN_ROOM");
  command(conn, signaling_op::leave_room);
  CAF_CHECK_EQUAL(count(*link, "error"), 2u);
  CAF_CHECK_EQUAL(link->commands_done, 2u);
  disconnect(conn);
}

CAF_TEST(a joined connection relays with its own identity and leaves on disconnect) {
  auto la = std::make_shared<fake_link>(), lb = std::make_shared<fake_link>();
  auto a = connect(la), b = connect(lb);
  command(a, signaling_op::join_room, "r1", "alice");
  command(b, signaling_op::join_room, "r1", "bob");
  CAF_CHECK_EQUAL(count(*lb, "room-joined"), 1u);
  command(b, signaling_op::offer, "r1", {}, "alice");
  CAF_CHECK_EQUAL(last(*la, "offer").at("fromPeerId").as_string(), "bob");
  command(b, signaling_op::offer, "elsewhere", {}, "alice");
  CAF_CHECK_EQUAL(last_error(*lb), "NOT_IN_ROOM");
  disconnect(b);
  CAF_CHECK_EQUAL(last(*la, "peer-left").at("peerId").as_string(), "bob");
  disconnect(a);
}

CAF_TEST(join room while in a room leaves the old one first) {
  auto la = std::make_shared<fake_link>(), lb = std::make_shared<fake_link>();
  auto a = connect(la), b = connect(lb);
  command(a, signaling_op::join_room, "r1", "alice");
  command(b, signaling_op::join_room, "r1", "bob");
  command(b, signaling_op::join_room, "r2", "bob");
  CAF_CHECK_EQUAL(last(*la, "peer-left").at("peerId").as_string(), "bob");
  CAF_CHECK_EQUAL(last(*lb, "room-joined").at("roomId").as_string(), "r2");
  disconnect(a);
  disconnect(b);
}

CAF_TEST(refused joins keep the connection in the lobby and working) {
  auto la = std::make_shared<fake_link>(), lb = std::make_shared<fake_link>(), lc = std::make_shared<fake_link>();
  auto a = connect(la), b = connect(lb), c = connect(lc);
  command(a, signaling_op::join_room, "r1", "alice");
  command(b, signaling_op::join_room, "r1", "alice");
  CAF_CHECK_EQUAL(last_error(*lb), "DUPLICATE_PEER");
  command(b, signaling_op::join_room, "r1", "bob");
  command(c, signaling_op::join_room, "r1", "carol");
  CAF_CHECK_EQUAL(last_error(*lc), "ROOM_FULL");
  command(c, signaling_op::offer, "r1", {}, "alice");
  CAF_CHECK_EQUAL(count(*lc, "error"), 2u);
  CAF_CHECK_EQUAL(last_error(*lc), "NOT_IN_ROOM");
  disconnect(a);
  disconnect(b);
  disconnect(c);
}

CAF_TEST(without auto create an unknown room answers room not found) {
  auto link = std::make_shared<fake_link>();
  auto conn = connect(link, false);
  command(conn, signaling_op::join_room, "nowhere", "alice");
  CAF_CHECK_EQUAL(last_error(*link), "ROOM_NOT_FOUND");
  disconnect(conn);
}

CAF_TEST_FIXTURE_SCOPE_END()
