#define CAF_SUITE registry
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/registry.hpp"

#include <caf/test/dsl.hpp>

#include "conference_kind.hpp"
#include "fake_link.hpp"

using namespace roomcast;

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

  caf::actor room(const std::string& id) {
    caf::actor result;
    self->send(reg, room_atom::value, std::string{"conference"}, id);
    sched.run();
    self->receive([&](caf::actor& a) { result = a; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

  registry_state& st() { return deref<caf::stateful_actor<registry_state>>(reg).state; }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(registry_tests, fixture)

CAF_TEST(the same id always finds the same room and different ids different rooms) {
  auto a = room("alpha");
  CAF_REQUIRE(a != nullptr);
  CAF_CHECK(room("alpha") == a);
  CAF_CHECK(room("beta") != a);
  CAF_CHECK_EQUAL(st().rooms.size(), 2u);
}

CAF_TEST(a passivated room is forgotten and the next lookup starts a fresh one) {
  auto a = room("alpha");
  self->monitor(a);
  sched.trigger_timeouts(); // the empty room's idle timer
  sched.run();
  bool down = false;
  self->receive([&](caf::down_msg& dm) { down = dm.source == a.address(); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(down);
  CAF_CHECK(st().rooms.empty());
  auto b = room("alpha");
  CAF_CHECK(b != nullptr);
  CAF_CHECK(b != a);
}

CAF_TEST(shutdown stops every room and answers once all stopped) {
  auto a = room("alpha");
  auto b = room("beta");
  self->send(reg, shutdown_atom::value);
  sched.run();
  bool stopped = false;
  self->receive([&](stopped_atom) { stopped = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(stopped);
  CAF_CHECK(st().rooms.empty());
}

CAF_TEST(describe lists the live rooms) {
  room("alpha");
  std::string json;
  self->send(reg, describe_atom::value);
  sched.run();
  self->receive([&](std::string& s) { json = s; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(json, R"({"kind":"registry","id":"registry","roomsByKind":{"conference":1},"rooms":["conference:alpha"]})");
}

CAF_TEST(find answers a live room and never creates one) {
  auto a = room("alpha");
  caf::actor found;
  self->send(reg, find_atom::value, std::string{"conference"}, std::string{"alpha"});
  sched.run();
  self->receive([&](caf::actor& r) { found = r; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(found == a);
  caf::error err;
  self->send(reg, find_atom::value, std::string{"conference"}, std::string{"nobody"});
  sched.run();
  self->receive([&](caf::actor&) {}, [&](caf::error& e) { err = e; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(is(err, registry_error::no_such_room));
  CAF_CHECK_EQUAL(st().rooms.size(), 1u);
}

CAF_TEST(an unknown kind is an error and starts nothing) {
  caf::error err;
  self->send(reg, room_atom::value, std::string{"nope"}, std::string{"alpha"});
  sched.run();
  self->receive([&](caf::actor&) {}, [&](caf::error& e) { err = e; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(is(err, registry_error::no_such_kind));
  CAF_CHECK(st().rooms.empty());
}

CAF_TEST(list names the live rooms of a kind) {
  room("beta");
  room("alpha");
  std::vector<std::string> ids;
  self->send(reg, list_atom::value, std::string{"conference"});
  sched.run();
  self->receive([&](std::vector<std::string>& v) { ids = v; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(ids, (std::vector<std::string>{"alpha", "beta"}));
  self->send(reg, list_atom::value, std::string{"signaling"});
  sched.run();
  ids = {"x"};
  self->receive([&](std::vector<std::string>& v) { ids = v; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(ids.empty());
}

CAF_TEST(describe of one room goes through the registry with the one schema) {
  room("alpha");
  std::string json;
  self->send(reg, describe_atom::value, std::string{"conference"}, std::string{"alpha"});
  sched.run();
  self->receive([&](std::string& s) { json = s; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(json.rfind(R"({"kind":"conference","id":"alpha",)", 0), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
