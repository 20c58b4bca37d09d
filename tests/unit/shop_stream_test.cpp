#define CAF_SUITE shop_stream
#define FAIL(msg) CAF_FAIL(msg)

#include "actors/shop_stream.hpp"

#include <caf/test/dsl.hpp>

#include <memory>

#include "shop_test_support.hpp"

using namespace roomcast;
using namespace roomcast::test;
namespace p = roomcast::persistence;

namespace {

struct viewer {
  caf::scoped_actor actor;
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>();
  shop_member who;
  viewer(caf::actor_system& sys, std::string identity, bool admin = false, std::string name = {}) : actor(sys) {
    who.link = link;
    who.admin = admin;
    who.identity = std::move(identity);
    who.session_id = who.identity;
    who.name = std::move(name);
  }
};

struct fixture : test_coordinator_fixture<> {
  shop_stream_config cfg;
  caf::actor store;
  caf::actor stream;

  fixture() {
    store = sys.spawn(shop_store);
    cfg.history_limit = 2;
    cfg.life.persistence = store;
    start();
  }

  ~fixture() override {
    anon_send_exit(stream, caf::exit_reason::user_shutdown);
    anon_send_exit(store, caf::exit_reason::user_shutdown);
  }

  void start() {
    stream = sys.spawn(shop_stream, std::string{"default"}, cfg);
    sched.run();
  }

  void commit() {
    self->send(store, caf::ok_atom::value);
    sched.run();
  }

  void enter(viewer& v) {
    v.actor->send(stream, enter_atom::value, v.who);
    sched.run();
    commit();
  }

  void send(viewer& v, shop_command cmd, bool and_commit = true) {
    v.actor->send(stream, std::move(cmd));
    sched.run();
    if (and_commit)
      commit();
  }

  shop_reply control(shop_op op, std::string payload = {}) {
    shop_command cmd;
    cmd.op = op;
    cmd.stream.title = "Launch";
    cmd.stream.quality = "1080p";
    cmd.payload = std::move(payload);
    self->send(stream, control_atom::value, cmd);
    sched.run();
    commit();
    shop_reply r;
    self->receive([&](shop_reply& x) { r = x; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return r;
  }

  static shop_command op(shop_op o, std::string text = {}) {
    shop_command c;
    c.op = o;
    c.text = std::move(text);
    return c;
  }

  shop_stream_state& st() { return deref<caf::stateful_actor<shop_stream_state>>(stream).state; }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(shop_stream_tests, fixture)

CAF_TEST(a customer of a live stream gets its state and chat history and everyone gets the viewer count) {
  viewer a{sys, "s1"}, b{sys, "s2"};
  enter(a);
  CAF_CHECK(a.link->frames.empty()); // not live: nothing to tell
  CAF_CHECK_EQUAL(control(shop_op::stream_start).code, shop_error::none);
  CAF_CHECK_EQUAL(last(*a.link, "stream_started").at("streamData").at("title").as_string(), "Launch");
  enter(b);
  CAF_REQUIRE_EQUAL(types(*b.link), (std::vector<std::string>{"stream_started", "chat_history", "stream_update"}));
  auto data = last(*b.link, "stream_started").at("streamData");
  CAF_CHECK_EQUAL(data.at("viewerCount").as_int64(), 2);
  CAF_CHECK_EQUAL(data.at("quality").as_string(), "1080p");
  CAF_CHECK_EQUAL(last(*a.link, "stream_update").at("viewerCount").as_int64(), 2);
  b.actor->send(stream, leave_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(last(*a.link, "stream_update").at("viewerCount").as_int64(), 1);
}

CAF_TEST(admins are not viewers) {
  viewer admin{sys, "u-admin", true, "Boss"}, a{sys, "s1"};
  control(shop_op::stream_start);
  enter(admin);
  enter(a);
  CAF_CHECK_EQUAL(st().viewers(), 1u);
  CAF_CHECK_EQUAL(last(*admin.link, "stream_update").at("viewerCount").as_int64(), 1);
}

CAF_TEST(likes toggle per identity and are stored before anyone sees them) {
  viewer a{sys, "user-1"}, a2{sys, "user-1"}, b{sys, "sess-2"};
  control(shop_op::stream_start);
  enter(a);
  enter(a2);
  enter(b);
  a.link->clear();
  send(a, op(shop_op::toggle_like), false);
  CAF_CHECK_EQUAL(count(*a.link, "stream_update"), 0u); // the snapshot has not committed
  commit();
  CAF_CHECK_EQUAL(last(*a.link, "stream_update").at("likes").as_int64(), 1);
  CAF_CHECK(store != nullptr);
  send(b, op(shop_op::toggle_like));
  auto u = last(*a.link, "stream_update");
  CAF_CHECK_EQUAL(u.at("likes").as_int64(), 2);
  CAF_CHECK_EQUAL(u.at("likedBy").as_array()[0].as_string(), "user-1");
  CAF_CHECK_EQUAL(u.at("likedBy").as_array()[1].as_string(), "sess-2");
  // The same person on another connection toggles the same like off.
  send(a2, op(shop_op::toggle_like));
  u = last(*a.link, "stream_update");
  CAF_CHECK_EQUAL(u.at("likes").as_int64(), 1);
  CAF_CHECK_EQUAL(u.at("likedBy").as_array()[0].as_string(), "sess-2");
}

CAF_TEST(likes and chat need a live stream) {
  viewer a{sys, "s1"};
  enter(a);
  send(a, op(shop_op::toggle_like));
  CAF_CHECK_EQUAL(last(*a.link, "error").at("message").as_string(), "No active stream");
  a.link->clear();
  send(a, op(shop_op::chat_message, "hi"));
  CAF_CHECK_EQUAL(last(*a.link, "error").at("message").as_string(), "No active stream");
  CAF_CHECK_EQUAL(control(shop_op::stream_stop).code, shop_error::no_active_stream);
  CAF_CHECK_EQUAL(control(shop_op::pin_products, "[]").code, shop_error::no_active_stream);
}

CAF_TEST(chat takes isAdmin and the admin name from the connection and waits for its write) {
  viewer admin{sys, "u1", true, "Shop Owner"}, a{sys, "s1"};
  control(shop_op::stream_start);
  enter(admin);
  enter(a);
  auto cmd = op(shop_op::chat_message, "<b>hi</b>");
  cmd.username = "Admin";
  send(a, cmd, false);
  CAF_CHECK_EQUAL(count(*admin.link, "chat_message"), 0u);
  commit();
  auto m = last(*admin.link, "chat_message");
  CAF_CHECK_EQUAL(m.at("isAdmin").as_bool(), false);
  CAF_CHECK_EQUAL(m.at("username").as_string(), "Admin"); // a customer may call itself that, but is no admin
  CAF_CHECK_EQUAL(m.at("message").as_string(), "&lt;b&gt;hi&lt;/b&gt;");
  auto cmd2 = op(shop_op::chat_message, "welcome");
  cmd2.username = "Mallory";
  send(admin, cmd2);
  m = last(*a.link, "chat_message");
  CAF_CHECK(m.at("isAdmin").as_bool());
  CAF_CHECK_EQUAL(m.at("username").as_string(), "Shop Owner");
}

CAF_TEST(chat history for newcomers is bounded) {
  viewer a{sys, "s1"}, b{sys, "s2"};
  control(shop_op::stream_start);
  enter(a);
  for (auto t : {"one", "two", "three"})
    send(a, op(shop_op::chat_message, t));
  enter(b);
  auto msgs = last(*b.link, "chat_history").at("messages").as_array();
  CAF_REQUIRE_EQUAL(msgs.size(), 2u);
  CAF_CHECK_EQUAL(msgs[0].at("message").as_string(), "two");
  CAF_CHECK_EQUAL(msgs[1].at("username").as_string(), "Guest");
}

CAF_TEST(stream controls are admin only over websocket) {
  viewer a{sys, "s1"}, admin{sys, "u1", true};
  enter(a);
  enter(admin);
  send(a, op(shop_op::stream_start));
  CAF_CHECK_EQUAL(last(*a.link, "error").at("message").as_string(), "Admin access required");
  CAF_CHECK(!st().durable.active);
  send(admin, op(shop_op::stream_start));
  CAF_CHECK(st().durable.active);
  CAF_CHECK_EQUAL(count(*a.link, "stream_started"), 1u);
  auto pin = op(shop_op::pin_products);
  pin.payload = R"([{"productId":"p1","name":"Serum","price":49.99,"image":"","displayOrder":1}])";
  send(admin, pin);
  CAF_CHECK_EQUAL(last(*a.link, "pinned_products_updated").at("pinnedProducts").as_array().size(), 1u);
  auto id = st().durable.stream_id;
  send(admin, op(shop_op::stream_stop));
  CAF_CHECK_EQUAL(last(*a.link, "stream_stopped").at("streamId").as_string(), id);
  CAF_CHECK(!st().durable.active);
  CAF_CHECK(st().durable.liked_by.empty());
}

CAF_TEST(a restarted stream is still live with its likes and chat) {
  viewer a{sys, "s1"};
  control(shop_op::stream_start);
  enter(a);
  send(a, op(shop_op::toggle_like));
  send(a, op(shop_op::chat_message, "kept"));
  auto id = st().durable.stream_id;
  auto& store_st = deref<caf::stateful_actor<shop_store_state>>(store).state;
  p::room_record rec;
  rec.found = true;
  rec.kind = "shop_stream";
  rec.version = 1;
  rec.state = store_st.snapshots.back();
  rec.history = store_st.appended;
  rec.last_seq = rec.history.back().seq;
  store_st.to_load = rec;
  anon_send_exit(stream, caf::exit_reason::kill);
  sched.run();
  start();
  CAF_CHECK(st().durable.active);
  CAF_CHECK_EQUAL(st().durable.stream_id, id);
  viewer b{sys, "s2"};
  enter(b);
  auto data = last(*b.link, "stream_started").at("streamData");
  CAF_CHECK_EQUAL(data.at("likes").as_int64(), 1);
  CAF_CHECK_EQUAL(data.at("likedBy").as_array()[0].as_string(), "s1");
  auto msgs = last(*b.link, "chat_history").at("messages").as_array();
  CAF_REQUIRE_EQUAL(msgs.size(), 1u);
  CAF_CHECK_EQUAL(msgs[0].at("message").as_string(), "kept");
}

CAF_TEST(a new stream starts with a new chat) {
  viewer a{sys, "s1"}, b{sys, "s2"};
  control(shop_op::stream_start);
  enter(a);
  send(a, op(shop_op::chat_message, "old"));
  control(shop_op::stream_stop);
  control(shop_op::stream_start);
  enter(b);
  CAF_CHECK(last(*b.link, "chat_history").at("messages").as_array().empty());
}

CAF_TEST(broadcast signaling goes only to its target with the registered peer of the sender) {
  viewer admin{sys, "u1", true}, a{sys, "s1"}, b{sys, "s2"};
  enter(admin);
  enter(a);
  auto reg = [&](viewer& v, std::string peer) {
    auto c = op(shop_op::webrtc_register);
    c.peer_id = std::move(peer);
    send(v, c);
  };
  auto relay = op(shop_op::webrtc_offer);
  relay.to = "peer-a";
  relay.payload = R"({"type":"offer","sdp":"v=0"})";
  send(admin, relay);
  CAF_CHECK_EQUAL(last(*admin.link, "error").at("message").as_string(), "Send webrtc_register first");
  reg(admin, "peer-admin");
  CAF_CHECK_EQUAL(last(*admin.link, "webrtc_registered").at("userType").as_string(), "admin");
  reg(a, "peer-a");
  CAF_CHECK_EQUAL(last(*a.link, "webrtc_registered").at("userType").as_string(), "customer");
  send(a, op(shop_op::webrtc_broadcast_start));
  CAF_CHECK_EQUAL(last(*a.link, "error").at("message").as_string(), "Admin access required");
  send(admin, op(shop_op::webrtc_broadcast_start));
  CAF_CHECK_EQUAL(last(*a.link, "webrtc_broadcaster_available").at("broadcaster").as_string(), "peer-admin");
  CAF_CHECK_EQUAL(last(*admin.link, "webrtc_new_customer").at("customerId").as_string(), "peer-a");
  enter(b);
  reg(b, "peer-b");
  CAF_CHECK_EQUAL(count(*admin.link, "webrtc_new_customer"), 2u);
  CAF_CHECK_EQUAL(last(*b.link, "webrtc_broadcaster_available").at("broadcaster").as_string(), "peer-admin");
  reg(b, "peer-a");
  CAF_CHECK_EQUAL(last(*b.link, "error").at("message").as_string(),
                  "peerId is already registered by another connection");
  send(admin, relay);
  auto offer = last(*a.link, "webrtc_offer");
  CAF_CHECK_EQUAL(offer.at("from").as_string(), "peer-admin");
  CAF_CHECK_EQUAL(offer.at("offer").at("sdp").as_string(), "v=0");
  CAF_CHECK_EQUAL(count(*b.link, "webrtc_offer"), 0u);
  auto answer = op(shop_op::webrtc_answer);
  answer.to = "peer-admin";
  answer.payload = R"({"type":"answer","sdp":"a"})";
  send(a, answer);
  CAF_CHECK_EQUAL(last(*admin.link, "webrtc_answer").at("from").as_string(), "peer-a");
  admin.actor->send(stream, leave_atom::value);
  sched.run();
  CAF_CHECK_EQUAL(last(*a.link, "webrtc_broadcast_stopped").at("broadcaster").as_string(), "peer-admin");
  CAF_CHECK(st().broadcaster.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
