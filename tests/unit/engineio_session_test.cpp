#define CAF_SUITE engineio_session

#include <caf/test/unit_test.hpp>

#include "gateway/engineio_session.hpp"

#include <boost/asio/io_context.hpp>

#include <optional>
#include <string>
#include <vector>

#include "fake_link.hpp"

using namespace roomcast;
using roomcast::test::fake_link;
using namespace std::chrono_literals;

namespace {

/// Records what the layer above Engine.IO sees.
struct recording_handler : eio_handler {
  std::vector<std::string>* messages;
  bool* closed;
  recording_handler(std::vector<std::string>* m, bool* c) : messages(m), closed(c) {}
  void on_open(client_link_ptr, eio_session_services&) override {}
  bool on_message(std::string_view data, bool binary, client_link&) override {
    if (data == "invalid")
      return false;
    messages->push_back((binary ? "bin:" : "") + std::string{data});
    return true;
  }
  void on_close() override { *closed = true; }
};

/// What one HTTP request got back.
struct answer {
  std::optional<http_response> got;
  responder make() {
    return responder{[this](http_response r) { got = std::move(r); }};
  }
  std::string body() const { return got ? got->body : "<none>"; }
  unsigned status() const { return got ? got->status : 0; }
};

struct fixture {
  boost::asio::io_context ioc;
  std::vector<std::string> messages;
  bool handler_closed = false;
  bool forgotten = false;
  std::shared_ptr<engineio_session> session;

  explicit fixture(eio_options opts = {50ms, 30ms, 1000, 4096}) {
    session = std::make_shared<engineio_session>(
      ioc, "sid1", opts, std::make_unique<recording_handler>(&messages, &handler_closed), http_request{},
      [this](const std::string&) { forgotten = true; });
    session->open(nullptr);
  }

  /// Runs the session's timers until `done` holds (at most 5 s, so a
  /// loaded machine only makes it slower, never wrong).
  template <class F>
  void run_until(F done) {
    ioc.restart();
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      ioc.run_one_for(10ms);
  }

  answer poll() {
    answer a;
    session->poll(a.make());
    return a;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(engineio_session_tests, fixture)

CAF_TEST(a poll waits until something is sent and then gets it) {
  answer a;
  session->poll(a.make());
  CAF_CHECK(!a.got);
  session->send(make_text_frame("4hello"));
  CAF_CHECK_EQUAL(a.status(), 200u);
  CAF_CHECK_EQUAL(a.body(), "4hello");
}

CAF_TEST(what waited is batched with the record separator and binary as base64) {
  session->send(make_text_frame("4one"));
  session->send(make_binary_frame(std::string{"\x01\x02\x03\x04", 4}));
  session->send(make_text_frame("4two"));
  CAF_CHECK_EQUAL(poll().body(), "4one\x1e"
                                 "bAQIDBA==\x1e"
                                 "4two");
}

CAF_TEST(a post delivers each packet of its payload) {
  answer a;
  session->post("4hello\x1e"
                "bAQIDBA==\x1e"
                "4world",
                a.make());
  CAF_CHECK_EQUAL(a.body(), "ok");
  CAF_CHECK_EQUAL(messages, (std::vector<std::string>{"hello", std::string{"bin:\x01\x02\x03\x04", 8}, "world"}));
}

CAF_TEST(an invalid packet ends the session with 400) {
  answer a;
  session->post("abc", a.make());
  CAF_CHECK_EQUAL(a.status(), 400u);
  CAF_CHECK(forgotten);
  CAF_CHECK_EQUAL(poll().status(), 400u);
  run_until([&] { return handler_closed; });
  CAF_CHECK(handler_closed);
}

CAF_TEST(a message the layer above refuses ends the session) {
  answer a;
  session->post("4invalid", a.make());
  CAF_CHECK(forgotten);
}

CAF_TEST(a second outstanding poll gets 400 and the first gets a close packet) {
  answer first;
  session->poll(first.make());
  answer second;
  session->poll(second.make());
  CAF_CHECK_EQUAL(second.status(), 400u);
  CAF_CHECK_EQUAL(first.body(), "1");
  CAF_CHECK(forgotten);
}

CAF_TEST(a client close releases the waiting poll with a noop) {
  answer held;
  session->poll(held.make());
  answer a;
  session->post("1", a.make());
  CAF_CHECK_EQUAL(held.body(), "6");
  CAF_CHECK(forgotten);
}

CAF_TEST(the server pings and a client that does not answer is dropped) {
  answer held;
  session->poll(held.make());
  run_until([&] { return held.got.has_value(); }); // the ping interval passes
  CAF_CHECK_EQUAL(held.body(), "2");
  CAF_CHECK(!forgotten);
  run_until([&] { return forgotten; }); // then the ping timeout, without a pong
  CAF_CHECK(forgotten);
}

CAF_TEST(a pong keeps the session alive) {
  for (int i = 0; i < 3; ++i) {
    answer held;
    session->poll(held.make());
    run_until([&] { return held.got.has_value(); });
    CAF_CHECK_EQUAL(held.body(), "2");
    answer pong;
    session->post("3", pong.make());
    CAF_CHECK_EQUAL(pong.body(), "ok");
  }
  CAF_CHECK(!forgotten);
}

CAF_TEST(a client that does not poll its queue away is closed at the bound) {
  std::string big(1500, 'x');
  CAF_CHECK(session->send(make_text_frame(big)));
  CAF_CHECK(session->send(make_text_frame(big)));
  CAF_CHECK(!session->send(make_text_frame(big))); // over 4096 bytes queued
  CAF_CHECK(forgotten);
}

CAF_TEST(the upgrade moves the session to the WebSocket without losing or repeating a packet) {
  auto ws = std::make_shared<fake_link>();
  session->send(make_text_frame("4before"));
  CAF_REQUIRE(session->attach(ws));
  answer held;
  session->on_ws_message("2probe", false, *ws);
  CAF_CHECK_EQUAL(ws->frames, (std::vector<std::string>{"3probe"}));
  CAF_CHECK_EQUAL(poll().body(), "6"); // the poll is released, the queue stays
  session->send(make_text_frame("4during"));
  session->on_ws_message("5", false, *ws);
  CAF_CHECK_EQUAL(ws->frames, (std::vector<std::string>{"3probe", "4before", "4during"}));
  session->send(make_text_frame("4after"));
  CAF_CHECK_EQUAL(ws->frames.back(), "4after");
  CAF_CHECK_EQUAL(poll().status(), 400u); // polling is over for this sid
  session->on_ws_message("4up", false, *ws);
  CAF_CHECK_EQUAL(messages.back(), "up");
}

CAF_TEST(a second WebSocket cannot take an upgraded session) {
  auto ws = std::make_shared<fake_link>();
  CAF_REQUIRE(session->attach(ws));
  session->on_ws_message("2probe", false, *ws);
  session->on_ws_message("5", false, *ws);
  CAF_CHECK(!session->attach(std::make_shared<fake_link>()));
}

CAF_TEST(a failed upgrade falls back to polling) {
  auto ws = std::make_shared<fake_link>();
  CAF_REQUIRE(session->attach(ws));
  session->on_ws_message("2probe", false, *ws);
  session->on_ws_gone(ws.get());
  session->send(make_text_frame("4still here"));
  CAF_CHECK_EQUAL(poll().body(), "4still here");
  CAF_CHECK(!forgotten);
}

CAF_TEST(a server close reaches a polling client with a close packet) {
  session->send(make_text_frame("4last words"));
  session->close(1000, "bye");
  CAF_CHECK_EQUAL(poll().body(), "4last words\x1e"
                                 "1");
  CAF_CHECK(forgotten);
}

CAF_TEST(a payload over maxPayload ends the session) {
  answer a;
  session->post("4" + std::string(2000, 'x'), a.make());
  CAF_CHECK_EQUAL(a.status(), 413u);
  CAF_CHECK(forgotten);
}

CAF_TEST_FIXTURE_SCOPE_END()
