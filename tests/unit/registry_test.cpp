#define CAF_SUITE registry
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/registry.hpp"

#include <caf/test/dsl.hpp>

#include "fake_link.hpp"

using namespace roomcast;

namespace {

struct fixture : test_coordinator_fixture<> {
  caf::actor reg;

  fixture() {
    conference_room_config cfg;
    cfg.token_secret = "s";
    reg = sys.spawn(registry, cfg, std::chrono::milliseconds{0}, std::chrono::milliseconds{0});
    sched.run();
  }

  ~fixture() { anon_send_exit(reg, caf::exit_reason::user_shutdown); }

  caf::actor room(const std::string& id) {
    caf::actor result;
    self->send(reg, room_atom::value, id);
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
  CAF_CHECK_EQUAL(json, R"({"kind":"registry","rooms":["alpha"]})");
}

CAF_TEST_FIXTURE_SCOPE_END()
