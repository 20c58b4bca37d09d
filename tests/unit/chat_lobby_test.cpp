#define CAF_SUITE chat_lobby
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/chat_lobby.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "chat_fake_link.hpp"

using namespace roomcast;
using roomcast::test::chat_link;

namespace {

struct fixture : test_coordinator_fixture<> {
  caf::actor lobby;

  fixture() {
    lobby = sys.spawn(chat_lobby, std::string{"main"}, std::string{"/chat"}, true);
    sched.run();
  }

  ~fixture() override { anon_send_exit(lobby, caf::exit_reason::user_shutdown); }

  chat_lobby_state& st() { return deref<caf::stateful_actor<chat_lobby_state>>(lobby).state; }

  void enter(caf::scoped_actor& conn, const std::string& user, std::shared_ptr<chat_link> link) {
    conn->send(lobby, enter_atom::value, chat_member{user, user, std::move(link)});
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(chat_lobby_tests, fixture)

CAF_TEST(presence goes to every other user but not to the tabs of that user) {
  caf::scoped_actor a1{sys}, a2{sys}, b{sys};
  auto la1 = std::make_shared<chat_link>(), la2 = std::make_shared<chat_link>(), lb = std::make_shared<chat_link>();
  enter(a1, "alice", la1);
  enter(a2, "alice", la2);
  enter(b, "bob", lb);
  self->send(lobby, presence_atom::value, true, std::string{"alice"}, std::string{"Alice <3"});
  sched.run();
  CAF_CHECK_EQUAL(lb->last("userOnline").at("username").as_string(), "Alice &lt;3");
  CAF_CHECK_EQUAL(la1->frames.size(), 0u);
  CAF_CHECK_EQUAL(la2->frames.size(), 0u);
  self->send(lobby, presence_atom::value, false, std::string{"alice"}, std::string{"Alice"});
  sched.run();
  CAF_CHECK_EQUAL(lb->count("userOffline"), 1u);
}

CAF_TEST(presence can be switched off) {
  auto quiet = sys.spawn(chat_lobby, std::string{"q"}, std::string{"/chat"}, false);
  caf::scoped_actor b{sys};
  auto lb = std::make_shared<chat_link>();
  b->send(quiet, enter_atom::value, chat_member{"bob", "bob", lb});
  self->send(quiet, presence_atom::value, true, std::string{"alice"}, std::string{"Alice"});
  sched.run();
  CAF_CHECK_EQUAL(lb->frames.size(), 0u);
  anon_send_exit(quiet, caf::exit_reason::user_shutdown);
}

CAF_TEST(connections are counted while they live and when they go) {
  auto a = std::make_unique<caf::scoped_actor>(sys);
  caf::scoped_actor b{sys};
  enter(*a, "alice", std::make_shared<chat_link>());
  enter(b, "bob", std::make_shared<chat_link>());
  enter(b, "bob", std::make_shared<chat_link>()); // the same connection again: counted once
  CAF_CHECK_EQUAL(st().conns.size(), 2u);
  a.reset(); // dies without saying goodbye
  sched.run();
  b->send(lobby, leave_atom::value);
  sched.run();
  self->send(lobby, retire_atom::value, std::uint64_t{5}, std::uint64_t{2});
  sched.run();
  auto d = boost::json::parse(st().describe()).as_object();
  CAF_CHECK_EQUAL(d.at("kind").as_string(), "chatlobby");
  CAF_CHECK_EQUAL(d.at("connections").as_int64(), 0);
  CAF_CHECK_EQUAL(d.at("totalConnections").as_int64(), 2);
  CAF_CHECK_EQUAL(d.at("totalDisconnections").as_int64(), 2);
  CAF_CHECK_EQUAL(d.at("retiredMessages").as_int64(), 5);
  CAF_CHECK_EQUAL(d.at("retiredViolations").as_int64(), 2);
}

CAF_TEST_FIXTURE_SCOPE_END()
