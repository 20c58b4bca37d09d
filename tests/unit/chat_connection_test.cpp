#define CAF_SUITE chat_connection
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/chat_connection.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "actors/registry.hpp"
#include "chat_fake_link.hpp"
#include "endpoints/chatrooms_endpoint.hpp"

using namespace roomcast;
using namespace std::chrono_literals;
using roomcast::test::chat_link;

namespace {

struct fixture : test_coordinator_fixture<> {
  settings cfg;
  caf::actor registry;
  std::vector<caf::actor> conns;

  fixture() {
    cfg.env = "production";
    cfg.chat_rate_messages_production = 3;
    cfg.chat_rate_joins_production = 4;
    cfg.max_rooms_per_connection = 3;
    cfg.chat_presence_grace = 1000ms;
    // The kinds exactly as the dialect registers them with the registry.
    dialect_env env{sys, cfg, caf::actor{}, "secret"};
    registry = sys.spawn(roomcast::registry, chatrooms_dialect(env).kinds, caf::actor{}, 0ms);
    sched.run();
  }

  ~fixture() override {
    for (auto& c : conns)
      caf::anon_send(c, disconnect_atom::value);
    sched.run();
    self->send(registry, shutdown_atom::value);
    sched.run();
    anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }

  caf::actor connect(std::shared_ptr<chat_link> link, std::string user) {
    chat_connection_config c;
    c.heartbeat = false;
    c.max_rooms = cfg.max_rooms_per_connection;
    auto conn = sys.spawn(chat_connection, link, chat_user_ref{user, "name-" + user}, registry, c);
    conns.push_back(conn);
    sched.run();
    return conn;
  }

  void send(const caf::actor& conn, chat_op op, std::string room = "general", std::optional<std::uint64_t> ack = {},
            std::string content = "hello") {
    chat_command cmd;
    cmd.op = op;
    cmd.room_id = std::move(room);
    cmd.content = std::move(content);
    cmd.has_ack = ack.has_value();
    cmd.ack_id = ack.value_or(0);
    self->send(conn, cmd);
    sched.run();
  }

  void disconnect(const caf::actor& conn) {
    self->send(conn, disconnect_atom::value);
    sched.run();
    conns.erase(std::remove(conns.begin(), conns.end(), conn), conns.end());
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(chat_connection_tests, fixture)

CAF_TEST(a joined connection sends and receives through its room) {
  auto la = std::make_shared<chat_link>(), lb = std::make_shared<chat_link>();
  auto a = connect(la, "alice");
  auto b = connect(lb, "bob");
  send(a, chat_op::join_room, "general", 1);
  CAF_CHECK_EQUAL(la->last("ack").at("event").as_string(), "joinedRoom");
  send(b, chat_op::join_room);
  send(a, chat_op::send_message, "general", 2);
  CAF_CHECK_EQUAL(lb->last("receiveMessage").at("author").at("id").as_string(), "alice");
  CAF_CHECK_EQUAL(la->last("ack").at("event").as_string(), "messageSent");
}

CAF_TEST(events for a room not joined are refused with 400 and the ack) {
  auto la = std::make_shared<chat_link>();
  auto a = connect(la, "alice");
  send(a, chat_op::send_message, "elsewhere", 5);
  CAF_CHECK_EQUAL(la->last("ack").at("statusCode").as_int64(), 400);
  CAF_CHECK_EQUAL(la->last("error").at("statusCode").as_int64(), 400);
  for (auto op : {chat_op::leave_room, chat_op::typing, chat_op::get_room_stats})
    send(a, op, "elsewhere");
  CAF_CHECK_EQUAL(la->count("error"), 4u);
  send(a, chat_op::heartbeat, "", 9);
  CAF_CHECK_EQUAL(la->last("ack").at("event").as_string(), "heartbeatResponse");
  CAF_CHECK_EQUAL(la->count("heartbeatResponse"), 1u);
}

CAF_TEST(the rate limit is shared by the connections of one user) {
  auto l1 = std::make_shared<chat_link>(), l2 = std::make_shared<chat_link>();
  auto tab1 = connect(l1, "alice");
  auto tab2 = connect(l2, "alice");
  send(tab1, chat_op::join_room);
  send(tab2, chat_op::join_room);
  send(tab1, chat_op::send_message);
  send(tab2, chat_op::send_message);
  send(tab1, chat_op::send_message);
  send(tab2, chat_op::send_message, "general", 4); // the fourth of a limit of three
  CAF_CHECK_EQUAL(l2->last("ack").at("statusCode").as_int64(), 429);
  CAF_CHECK_EQUAL(l1->count("receiveMessage"), 3u);
  // After the window, the user may send again.
  advance_time(60s);
  sched.run();
  send(tab2, chat_op::send_message, "general", 5);
  CAF_CHECK_EQUAL(l2->last("ack").at("event").as_string(), "messageSent");
}

CAF_TEST(joins are limited and so is the number of rooms per connection) {
  auto la = std::make_shared<chat_link>();
  auto a = connect(la, "alice");
  send(a, chat_op::join_room, "r1");
  send(a, chat_op::join_room, "r2");
  send(a, chat_op::join_room, "r3");
  send(a, chat_op::join_room, "r4", 1);
  CAF_CHECK_EQUAL(la->last("ack").at("statusCode").as_int64(), 400); // three rooms at most
  send(a, chat_op::leave_room, "r3");
  send(a, chat_op::join_room, "r3", 2);
  CAF_CHECK_EQUAL(la->last("ack").at("event").as_string(), "joinedRoom");
  send(a, chat_op::leave_room, "r3");
  send(a, chat_op::join_room, "r3", 3); // the fifth join of a limit of four
  CAF_CHECK_EQUAL(la->last("ack").at("statusCode").as_int64(), 429);
}

CAF_TEST(presence goes to the other users and a disconnect leaves every room) {
  auto lw = std::make_shared<chat_link>(), la = std::make_shared<chat_link>();
  auto watcher = connect(lw, "watcher");
  auto a = connect(la, "alice");
  CAF_CHECK_EQUAL(lw->last("userOnline").at("userId").as_string(), "alice");
  CAF_CHECK_EQUAL(la->count("userOnline"), 0u);
  send(watcher, chat_op::join_room, "r1");
  send(a, chat_op::join_room, "r1");
  disconnect(a);
  CAF_CHECK_EQUAL(lw->last("userLeft").at("userId").as_string(), "alice");
  CAF_CHECK_EQUAL(lw->count("userOffline"), 0u); // within the grace period
  advance_time(1000ms);
  sched.run();
  CAF_CHECK_EQUAL(lw->last("userOffline").at("userId").as_string(), "alice");
}

CAF_TEST_FIXTURE_SCOPE_END()
