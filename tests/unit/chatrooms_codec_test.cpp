#define CAF_SUITE chatrooms_codec

#include <caf/test/unit_test.hpp>

#include "dialects/chatrooms_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <variant>
#include <vector>

using namespace roomcast;
namespace json = boost::json;

namespace {

chat_command ok(std::string_view args, std::optional<std::uint64_t> ack = {}, chat_limits limits = {}) {
  auto r = decode_chat(args, ack, limits);
  auto* cmd = std::get_if<chat_command>(&r);
  CAF_REQUIRE(cmd != nullptr);
  return *cmd;
}

chat_decode_error bad(std::string_view args, std::optional<std::uint64_t> ack = {}, chat_limits limits = {}) {
  auto r = decode_chat(args, ack, limits);
  auto* err = std::get_if<chat_decode_error>(&r);
  CAF_REQUIRE(err != nullptr);
  return *err;
}

/// The `event` field of a JSON body.
std::string event_of(const std::string& body) {
  return std::string{json::parse(body).at("event").as_string()};
}

/// The JSON array of a frame `42/chat,[...]` or `43/chat,7[...]`.
json::array args_of(const wire_frame_ptr& f) {
  auto p = f->payload();
  return json::parse(p.substr(p.find('['))).as_array();
}

} // namespace

CAF_TEST(every client event decodes to its command) {
  auto j = ok(R"(["joinRoom",{"roomId":"general"}])", 3);
  CAF_CHECK(j.op == chat_op::join_room);
  CAF_CHECK_EQUAL(j.room_id, "general");
  CAF_CHECK(j.has_ack);
  CAF_CHECK_EQUAL(j.ack_id, 3u);
  CAF_CHECK(ok(R"(["leaveRoom",{"roomId":"general"}])").op == chat_op::leave_room);
  auto s = ok(R"(["sendMessage",{"roomId":"r","content":"  hello  ","messageType":"IMAGE"}])");
  CAF_CHECK(s.op == chat_op::send_message);
  CAF_CHECK_EQUAL(s.content, "hello");
  CAF_CHECK_EQUAL(s.message_type, "IMAGE");
  CAF_CHECK(!s.has_ack);
  CAF_CHECK_EQUAL(ok(R"(["sendMessage",{"roomId":"r","content":"x"}])").message_type, "TEXT");
  auto t = ok(R"(["typing",{"roomId":"r","isTyping":true}])");
  CAF_CHECK(t.op == chat_op::typing && t.is_typing);
  CAF_CHECK(!ok(R"(["typing",{"roomId":"r","isTyping":false}])").is_typing);
  CAF_CHECK(ok(R"(["getRoomStats",{"roomId":"r"}])").op == chat_op::get_room_stats);
  CAF_CHECK(ok(R"(["heartbeat"])").op == chat_op::heartbeat);
  CAF_CHECK(ok(R"(["heartbeat",{"anything":1}])").op == chat_op::heartbeat);
}

CAF_TEST(content counts characters not bytes and is limited) {
  std::string two_thousand(2000, 'a');
  CAF_CHECK_EQUAL(ok(R"(["sendMessage",{"roomId":"r","content":")" + two_thousand + "\"}]").content.size(), 2000u);
  auto e = bad(R"(["sendMessage",{"roomId":"r","content":")" + two_thousand + "a\"}]");
  CAF_CHECK(e.code == chat_error::content_too_long);
  std::string emoji;
  for (int i = 0; i < 2000; ++i)
    emoji += "\xF0\x9F\x91\x8D";
  CAF_CHECK_EQUAL(ok(R"(["sendMessage",{"roomId":"r","content":")" + emoji + "\"}]").content.size(), 8000u);
  chat_limits small{5};
  CAF_CHECK(bad(R"(["sendMessage",{"roomId":"r","content":"123456"}])", {}, small).code
            == chat_error::content_too_long);
}

CAF_TEST(missing or empty content is refused) {
  CAF_CHECK(bad(R"(["sendMessage",{"roomId":"r"}])").code == chat_error::missing_content);
  CAF_CHECK(bad(R"(["sendMessage",{"roomId":"r","content":""}])").code == chat_error::missing_content);
  CAF_CHECK(bad(R"(["sendMessage",{"roomId":"r","content":"   \u0001 "}])").code == chat_error::missing_content);
  CAF_CHECK(bad(R"(["sendMessage",{"roomId":"r","content":null}])").code == chat_error::missing_content);
  CAF_CHECK(bad(R"(["sendMessage",{"roomId":"r","content":42}])").code == chat_error::bad_payload);
}

CAF_TEST(hostile input gives an error never a crash) {
  const std::vector<std::string> inputs{
    "", "[", "{}", "[]", "[1]", "null", R"(["joinRoom"])", R"(["joinRoom",null])", R"(["joinRoom","general"])",
    R"(["joinRoom",{"roomId":5}])", R"(["joinRoom",{"roomId":""}])", R"(["joinRoom",{"roomId":"a b"}])",
    R"(["joinRoom",{"roomId":"../etc"}])", R"(["joinRoom",{"roomId":"<script>"}])",
    R"(["typing",{"roomId":"r"}])", R"(["typing",{"roomId":"r","isTyping":"yes"}])",
    R"(["sendMessage",{"roomId":"r","content":"x","messageType":"VIDEO"}])",
    R"(["sendMessage",{"roomId":"r","content":"x","messageType":1}])", R"(["dropTables",{}])",
    R"(["__proto__",{}])", std::string(100, '['), "[\"joinRoom\",{\"roomId\":\"" + std::string(101, 'a') + "\"}]",
  };
  for (auto& in : inputs) {
    auto r = decode_chat(in, 9);
    auto* err = std::get_if<chat_decode_error>(&r);
    CAF_CHECK(err != nullptr);
    if (err) {
      CAF_CHECK_EQUAL(status_of(err->code), 400u);
      CAF_CHECK(!err->message.empty());
      CAF_CHECK(err->has_ack && err->ack_id == 9u);
    }
  }
  CAF_CHECK(bad(R"(["dropTables",{}])").code == chat_error::unknown_event);
  CAF_CHECK(bad(R"(["joinRoom",{"roomId":"a b"}])").code == chat_error::invalid_room_id);
  CAF_CHECK(bad(R"(["typing",{"roomId":"r","isTyping":1}])").code == chat_error::invalid_typing);
}

CAF_TEST(an unknown event echoed in the error is cut on a character boundary) {
  std::string name = "a";
  for (int i = 0; i < 40; ++i)
    name += "\xC3\xB6"; // ö: the 64th byte is the first half of one
  auto e = bad("[\"" + name + "\"]");
  CAF_CHECK(e.code == chat_error::unknown_event);
  CAF_CHECK_EQUAL(e.message, "Unknown event: " + name.substr(0, 63));
}

CAF_TEST(room ids allow letters digits dot dash and underscore up to 100) {
  CAF_CHECK(valid_room_id("general"));
  CAF_CHECK(valid_room_id("c0a8-01.room_9"));
  CAF_CHECK(valid_room_id(std::string(100, 'x')));
  CAF_CHECK(!valid_room_id(std::string(101, 'x')));
  CAF_CHECK(!valid_room_id(""));
  CAF_CHECK(!valid_room_id("a:b"));
  CAF_CHECK(!valid_room_id("a/b"));
}

CAF_TEST(the error object has the contract shape and every status) {
  auto v = json::parse(error_body(chat_error::rate_limited, "slow down", 0)).as_object();
  CAF_CHECK_EQUAL(v.at("success").as_bool(), false);
  CAF_CHECK_EQUAL(v.at("error").as_string(), "Too Many Requests");
  CAF_CHECK_EQUAL(v.at("message").as_string(), "slow down");
  CAF_CHECK_EQUAL(v.at("statusCode").as_int64(), 429);
  CAF_CHECK_EQUAL(v.at("timestamp").as_string(), "1970-01-01T00:00:00.000Z");
  CAF_CHECK_EQUAL(status_of(chat_error::unauthorized), 401u);
  CAF_CHECK_EQUAL(status_of(chat_error::not_in_room), 400u);
  CAF_CHECK_EQUAL(status_of(chat_error::unavailable), 500u);
  auto d = json::parse(error_body(chat_error::not_in_room, {}, 0)).as_object();
  CAF_CHECK_EQUAL(d.at("message").as_string(), text_of(chat_error::not_in_room));
}

CAF_TEST(timestamps are ISO 8601 in UTC with milliseconds) {
  CAF_CHECK_EQUAL(iso_time(1796305943123), "2026-12-03T13:52:23.123Z");
  CAF_CHECK_EQUAL(iso_time(5), "1970-01-01T00:00:00.005Z");
}

CAF_TEST(messages escape html in content and username but not ids) {
  auto body = message_body("r-1", "<b>hi</b> & 'you'", {"u<1>", "Eve <img>"}, "r", "TEXT", 0);
  auto v = json::parse(body).as_object();
  CAF_CHECK_EQUAL(v.at("content").as_string(), "&lt;b&gt;hi&lt;/b&gt; &amp; &#x27;you&#x27;");
  CAF_CHECK_EQUAL(v.at("author").at("username").as_string(), "Eve &lt;img&gt;");
  CAF_CHECK_EQUAL(v.at("author").at("id").as_string(), "u<1>");
  for (auto key : {"id", "content", "author", "roomId", "messageType", "timestamp", "createdAt", "updatedAt"})
    CAF_CHECK(v.contains(key));
  auto sent = json::parse(message_sent_body(body)).as_object();
  CAF_CHECK_EQUAL(sent.at("event").as_string(), "messageSent");
  CAF_CHECK_EQUAL(sent.at("success").as_bool(), true);
  CAF_CHECK_EQUAL(sent.at("message").at("id").as_string(), "r-1");
}

CAF_TEST(replies name their event) {
  auto j = json::parse(reply_body(chat_op::join_room, "general", 0)).as_object();
  CAF_CHECK_EQUAL(j.at("event").as_string(), "joinedRoom");
  CAF_CHECK_EQUAL(j.at("roomId").as_string(), "general");
  CAF_CHECK_EQUAL(j.at("success").as_bool(), true);
  CAF_CHECK_EQUAL(event_of(reply_body(chat_op::leave_room, "g", 0)), "leftRoom");
  CAF_CHECK_EQUAL(event_of(reply_body(chat_op::typing, "g", 0)), "typingUpdated");
  CAF_CHECK_EQUAL(event_of(reply_body(chat_op::get_room_stats, "g", 0)),
                  "roomStatsRetrieved");
  auto hb = json::parse(reply_body(chat_op::heartbeat, "", 0)).as_object();
  CAF_CHECK_EQUAL(hb.at("event").as_string(), "heartbeatResponse");
  CAF_CHECK(hb.contains("timestamp"));
}

CAF_TEST(server events have the contract fields) {
  chat_user_ref u{"u1", "Ann"};
  auto joined = json::parse(user_body(u, "r", 0)).as_object();
  CAF_CHECK_EQUAL(joined.at("userId").as_string(), "u1");
  CAF_CHECK_EQUAL(joined.at("username").as_string(), "Ann");
  CAF_CHECK_EQUAL(joined.at("roomId").as_string(), "r");
  auto online = json::parse(user_body(u, "", 0)).as_object();
  CAF_CHECK(!online.contains("roomId"));
  auto typing = json::parse(typing_body(u, "r", true, 0)).as_object();
  CAF_CHECK_EQUAL(typing.at("isTyping").as_bool(), true);
  auto users = json::parse(room_users_body("r", {u, {"u2", "Bo"}})).as_object();
  CAF_CHECK_EQUAL(users.at("users").as_array().size(), 2u);
  CAF_CHECK_EQUAL(users.at("users").as_array()[1].at("userId").as_string(), "u2");
  auto stats = json::parse(room_stats_body("r", {u}, {"u1"}, 0)).as_object();
  CAF_CHECK_EQUAL(stats.at("userCount").as_int64(), 1);
  CAF_CHECK_EQUAL(stats.at("typingUsers").as_array()[0].as_string(), "u1");
  auto ping = json::parse(ping_body(0)).as_object();
  CAF_CHECK(ping.contains("timestamp"));
}

CAF_TEST(frames are socket io events and acks on the namespace) {
  auto e = render_event("/chat", "receiveMessage", R"({"a":1})");
  CAF_CHECK_EQUAL(e->payload(), R"(42/chat,["receiveMessage",{"a":1}])");
  auto a = render_ack("/chat", 12, R"({"a":1})");
  CAF_CHECK_EQUAL(a->payload(), R"(43/chat,12[{"a":1}])");
  auto args = args_of(a);
  CAF_CHECK_EQUAL(args[0].at("a").as_int64(), 1);
  auto ping = render_event("/", "ping", "{}"); // held: payload() views the frame
  CAF_CHECK_EQUAL(ping->payload(), R"(42["ping",{}])");
}
