#define CAF_SUITE connection
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/conference_connection.hpp"

#include <caf/test/dsl.hpp>

#include "actors/registry.hpp"
#include "conference_kind.hpp"
#include "fake_link.hpp"

using namespace roomcast;
using roomcast::test::fake_link;

namespace {

struct fixture : test_coordinator_fixture<> {
  caf::actor reg;

  fixture() {
    conference_room_config cfg;
    cfg.token_secret = "s";
    reg = sys.spawn(registry, test::conference_kinds(cfg), caf::actor{}, std::chrono::milliseconds{0});
    sched.run();
  }

  ~fixture() { anon_send_exit(reg, caf::exit_reason::user_shutdown); }

  caf::actor connect(const std::shared_ptr<fake_link>& link, std::string room_id) {
    auto c = sys.spawn(conference_connection, client_link_ptr{link}, std::move(room_id), reg);
    sched.run();
    return c;
  }

  void command(const caf::actor& conn, conference_op op, std::string peer = {}, std::string text = {}) {
    conference_command cmd;
    cmd.op = op;
    cmd.peer_id = std::move(peer);
    cmd.username = "someone";
    cmd.text = std::move(text);
    self->send(conn, cmd);
    sched.run();
  }

  std::string last_error(const fake_link& link) {
    auto e = link.last("error");
    return e.is_null() ? std::string{} : std::string{e.at("code").as_string()};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_tests, fixture)

CAF_TEST(commands before join are refused with not joined) {
  auto link = std::make_shared<fake_link>();
  auto conn = connect(link, "room1");
  command(conn, conference_op::chat_message, {}, "hi");
  CAF_CHECK_EQUAL(last_error(*link), "NOT_JOINED");
  CAF_CHECK_EQUAL(link->last("error").at("event").as_string(), "chat-message");
  CAF_CHECK_EQUAL(link->commands_done, 1u);
  anon_send_exit(conn, caf::exit_reason::user_shutdown);
}

CAF_TEST(a join to a malformed room id gets invalid room) {
  auto link = std::make_shared<fake_link>();
  auto conn = connect(link, "bad$room");
  command(conn, conference_op::join, "alice");
  CAF_CHECK_EQUAL(last_error(*link), "INVALID_ROOM");
  CAF_CHECK(link->count("peers") == 0u);
  anon_send_exit(conn, caf::exit_reason::user_shutdown);
}

CAF_TEST(a joined connection relays its commands and leaves on disconnect) {
  auto la = std::make_shared<fake_link>();
  auto lb = std::make_shared<fake_link>();
  auto a = connect(la, "room1");
  auto b = connect(lb, "room1");
  command(a, conference_op::join, "alice");
  command(b, conference_op::join, "bob");
  CAF_CHECK_EQUAL(la->count("peers"), 1u);
  CAF_CHECK_EQUAL(la->count("peer-joined"), 1u);
  command(b, conference_op::chat_message, {}, "hello");
  CAF_CHECK_EQUAL(la->last("chat-message").at("message").as_string(), "hello");
  command(b, conference_op::join, "bob2");
  CAF_CHECK_EQUAL(last_error(*lb), "ALREADY_JOINED");
  self->send(b, disconnect_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(la->last("peer-left").at("peerId").as_string(), "bob");
  CAF_CHECK_EQUAL(lb->commands_done, 3u);
  self->send(a, disconnect_atom::value);
  sched.run();
}

CAF_TEST(a refused join leaves the connection in the lobby) {
  auto la = std::make_shared<fake_link>();
  auto lb = std::make_shared<fake_link>();
  auto a = connect(la, "room1");
  auto b = connect(lb, "room1");
  command(a, conference_op::join, "alice");
  command(b, conference_op::join, "alice"); // taken, and no token
  CAF_CHECK_EQUAL(last_error(*lb), "UNAUTHORIZED");
  command(b, conference_op::reaction, {}, "x");
  CAF_CHECK_EQUAL(last_error(*lb), "NOT_JOINED");
  command(b, conference_op::join, "bob");
  CAF_CHECK_EQUAL(lb->count("peers"), 1u);
  self->send(a, disconnect_atom::value);
  self->send(b, disconnect_atom::value);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
