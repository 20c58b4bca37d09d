#define CAF_SUITE conference_codec

#include <caf/test/unit_test.hpp>

#include "dialects/conference_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wire/wire_frame.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

const std::vector<std::string> six_reactions{
  "\xF0\x9F\x91\x8D",         // 👍
  "\xE2\x9D\xA4\xEF\xB8\x8F", // ❤️
  "\xF0\x9F\x98\x82",         // 😂
  "\xF0\x9F\x8E\x89",         // 🎉
  "\xF0\x9F\x91\x8F",         // 👏
  "\xF0\x9F\xA4\x94",         // 🤔
};

/// `{"event":E,"data":D}` with D given as JSON text.
std::string msg(std::string_view event, std::string_view data_json) {
  std::string out = "{\"event\":\"";
  out += event;
  out += "\",\"data\":";
  out += data_json;
  out += "}";
  return out;
}

/// The JSON string literal of `s` (for building inputs).
std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string code(const decode_error& e) {
  return std::string{code_of(e.code)};
}

/// Decodes `text`, which must be accepted. (CAF 0.17's CAF_REQUIRE and
/// CAF_FAIL abort the whole binary, so helpers only CHECK.)
conference_command accepted(std::string_view text, const codec_limits& limits = {}) {
  auto r = decode_conference(text, limits);
  if (auto* e = std::get_if<decode_error>(&r)) {
    CAF_MESSAGE("expected to decode: " << text);
    CAF_CHECK_EQUAL(code(*e) + ": " + e->message, "accepted");
    return {};
  }
  return std::get<conference_command>(r);
}

/// Decodes `text`, which must be rejected.
decode_error rejected(std::string_view text, const codec_limits& limits = {}) {
  auto r = decode_conference(text, limits);
  auto* e = std::get_if<decode_error>(&r);
  if (!e)
    CAF_MESSAGE("expected to be rejected: " << text);
  CAF_CHECK(e != nullptr);
  return e ? *e : decode_error{conference_error::none, "accepted", {}};
}

/// Parses a rendered frame's payload as a JSON object.
json::object parsed(const wire_frame_ptr& f) {
  CAF_CHECK(f != nullptr);
  if (!f)
    return {};
  json::error_code ec;
  auto v = json::parse(f->payload(), ec);
  CAF_CHECK(!ec && v.is_object());
  if (ec || !v.is_object())
    return {};
  return v.as_object();
}

/// The `data` object of a rendered event, after checking the envelope.
json::object data_of(const wire_frame_ptr& f, std::string_view event) {
  auto o = parsed(f);
  auto* ev = o.if_contains("event");
  auto* data = o.if_contains("data");
  CAF_CHECK_EQUAL(ev && ev->is_string() ? std::string{ev->as_string()} : "<no event>", std::string{event});
  CAF_CHECK_EQUAL(o.size(), 2u);
  CAF_CHECK(data && data->is_object());
  if (!data || !data->is_object())
    return {};
  return data->as_object();
}

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  CAF_CHECK(v && v->is_string());
  return v && v->is_string() ? std::string{v->as_string()} : "<missing " + std::string{key} + ">";
}

bool flag(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  CAF_CHECK(v && v->is_bool());
  return v && v->is_bool() && v->as_bool();
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto* v = o.if_contains(key);
  CAF_CHECK(v && v->is_array());
  if (!v || !v->is_array())
    return {"<missing " + std::string{key} + ">"};
  for (auto& x : v->as_array())
    out.emplace_back(x.is_string() ? std::string{x.as_string()} : "<not a string>");
  return out;
}

std::vector<std::string> keys(const json::object& o) {
  std::vector<std::string> out;
  for (auto& kv : o)
    out.emplace_back(kv.key());
  return out;
}

} // namespace

// -- join ---------------------------------------------------------------------

CAF_TEST(join with peerId username and resumeToken keeps all three) {
  auto cmd = accepted(msg("join", R"({"peerId":"peer_abc-123","username":"John Doe","resumeToken":"0123abcd"})"));
  CAF_CHECK(cmd.op == conference_op::join);
  CAF_CHECK_EQUAL(cmd.peer_id, "peer_abc-123");
  CAF_CHECK_EQUAL(cmd.username, "John Doe");
  CAF_CHECK_EQUAL(cmd.token, "0123abcd");
  CAF_CHECK_EQUAL(cmd.target, "");
  CAF_CHECK_EQUAL(cmd.text, "");
}

CAF_TEST(join without peerId or resumeToken leaves them empty) {
  auto cmd = accepted(msg("join", R"({"username":"Ann"})"));
  CAF_CHECK(cmd.op == conference_op::join);
  CAF_CHECK_EQUAL(cmd.username, "Ann");
  CAF_CHECK_EQUAL(cmd.peer_id, "");
  CAF_CHECK_EQUAL(cmd.token, "");
  auto nulls = accepted(msg("join", R"({"peerId":null,"username":"Ann","resumeToken":null})"));
  CAF_CHECK_EQUAL(nulls.peer_id, "");
  CAF_CHECK_EQUAL(nulls.token, "");
  CAF_CHECK(nulls == cmd);
}

CAF_TEST(join without username or with a non-string one is an invalid payload) {
  for (auto data : {R"({})", R"({"peerId":"p1"})", R"({"username":42})", R"({"username":null})",
                    R"({"username":["Ann"]})"}) {
    auto e = rejected(msg("join", data));
    CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
    CAF_CHECK_EQUAL(e.event, "join");
    CAF_CHECK(e.message.find("username") != std::string::npos);
  }
  auto no_data = rejected(R"({"event":"join"})");
  CAF_CHECK_EQUAL(code(no_data), "INVALID_PAYLOAD");
}

CAF_TEST(join refuses peerIds outside the id alphabet) {
  for (auto bad : {R"("")", R"("has space")", R"("a/b")", R"("<script>")", R"("peer.1")", R"(17)", R"(true)",
                   R"({"id":"x"})"}) {
    auto e = rejected(msg("join", std::string{R"({"username":"Ann","peerId":)"} + bad + "}"));
    CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
    CAF_CHECK_EQUAL(e.event, "join");
  }
  auto longest = std::string(64, 'p');
  CAF_CHECK_EQUAL(accepted(msg("join", R"({"username":"Ann","peerId":")" + longest + "\"}")).peer_id, longest);
  auto e = rejected(msg("join", R"({"username":"Ann","peerId":")" + longest + "q\"}"));
  CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
}

CAF_TEST(join carries an auth token but never a client chosen role) {
  auto cmd = accepted(msg("join", R"({"username":"Ann","token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","role":"host"})"));
  CAF_CHECK_EQUAL(cmd.auth_token, "eyJhbGciOiJIUzI1NiJ9.e30.sig");
  CAF_CHECK_EQUAL(cmd.role, "");
  CAF_CHECK_EQUAL(accepted(msg("join", R"({"username":"Ann","token":null})")).auth_token, "");
  CAF_CHECK_EQUAL(code(rejected(msg("join", R"({"username":"Ann","token":42})"))), "INVALID_PAYLOAD");
  auto huge = std::string(8193, 't');
  CAF_CHECK_EQUAL(code(rejected(msg("join", R"({"username":"Ann","token":")" + huge + "\"}"))), "INVALID_PAYLOAD");
}

CAF_TEST(join refuses a resumeToken that is not a string or is huge) {
  CAF_CHECK_EQUAL(code(rejected(msg("join", R"({"username":"Ann","resumeToken":123})"))), "INVALID_PAYLOAD");
  auto huge = std::string(257, 'a');
  CAF_CHECK_EQUAL(code(rejected(msg("join", R"({"username":"Ann","resumeToken":")" + huge + "\"}"))),
                  "INVALID_PAYLOAD");
  auto fits = std::string(256, 'a');
  CAF_CHECK_EQUAL(accepted(msg("join", R"({"username":"Ann","resumeToken":")" + fits + "\"}")).token, fits);
}

CAF_TEST(usernames are trimmed and otherwise kept as written) {
  // Clients render names as text; escaping here would show "&lt;3" in them.
  auto cmd = accepted(msg("join", "{\"username\":" + quoted("  <b>Tom</b> & 'Jerry' \"TJ\"  ") + "}"));
  CAF_CHECK_EQUAL(cmd.username, "<b>Tom</b> & 'Jerry' \"TJ\"");
}

CAF_TEST(usernames lose control characters including newlines) {
  auto cmd = accepted(msg("join", "{\"username\":" + quoted("An\nn\x01\x1f\x7f\t!") + "}"));
  CAF_CHECK_EQUAL(cmd.username, "Ann!");
}

CAF_TEST(usernames empty after trimming are refused) {
  for (auto name : {"", "   ", " \t\r\n ", "\x01\x02"}) {
    auto e = rejected(msg("join", "{\"username\":" + quoted(name) + "}"));
    CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
    CAF_CHECK_EQUAL(e.event, "join");
  }
}

CAF_TEST(usernames that are blank once control characters are gone are refused) {
  // Control characters around blanks must not shield the blanks from trimming.
  for (auto name : {"\x01 \x01", "\x01   ", "\x1b\t\x1b"}) {
    auto r = decode_conference(msg("join", "{\"username\":" + quoted(name) + "}"), {});
    auto* e = std::get_if<decode_error>(&r);
    CAF_CHECK(e != nullptr);
    if (auto* cmd = std::get_if<conference_command>(&r))
      CAF_MESSAGE("accepted username '" << cmd->username << "'");
  }
  CAF_CHECK(!sanitize_username("\x01 \x01", codec_limits{}));
  // Trimming also applies to what is left after dropping control characters.
  CAF_CHECK_EQUAL(accepted(msg("join", "{\"username\":" + quoted("\x01 Bob \x01") + "}")).username, "Bob");
}

CAF_TEST(usernames are limited in characters not bytes) {
  auto at_limit = std::string(64, 'x');
  CAF_CHECK_EQUAL(accepted(msg("join", "{\"username\":" + quoted(at_limit) + "}")).username, at_limit);
  auto e = rejected(msg("join", "{\"username\":" + quoted(at_limit + "x") + "}"));
  CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
  CAF_CHECK(e.message.find("64") != std::string::npos);
  // 64 two-byte characters are 128 bytes but still 64 characters.
  std::string accented;
  for (int i = 0; i < 64; ++i)
    accented += "\xC3\xA9"; // é
  CAF_CHECK_EQUAL(accepted(msg("join", "{\"username\":" + quoted(accented) + "}")).username, accented);
  CAF_CHECK_EQUAL(code(rejected(msg("join", "{\"username\":" + quoted(accented + "\xC3\xA9") + "}"))),
                  "INVALID_PAYLOAD");
  // Surrounding blanks do not count.
  CAF_CHECK_EQUAL(accepted(msg("join", "{\"username\":" + quoted("   " + at_limit + "   ") + "}")).username,
                  at_limit);
}

CAF_TEST(sanitize_username cleans names the same way join does) {
  codec_limits limits;
  CAF_CHECK_EQUAL(sanitize_username("  <i>Eve</i>\n ", limits).value_or("<nullopt>"), "<i>Eve</i>");
  CAF_CHECK(!sanitize_username("   ", limits));
  CAF_CHECK(!sanitize_username(std::string(65, 'n'), limits));
  CAF_CHECK_EQUAL(sanitize_username(std::string(64, 'n'), limits).value_or("<nullopt>"), std::string(64, 'n'));
}

CAF_TEST(the username limit comes from codec_limits) {
  codec_limits small;
  small.max_username_chars = 3;
  CAF_CHECK_EQUAL(accepted(msg("join", R"({"username":"Bob"})"), small).username, "Bob");
  auto e = rejected(msg("join", R"({"username":"Bobby"})"), small);
  CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
  CAF_CHECK(e.message.find("3") != std::string::npos);
}

// -- relay --------------------------------------------------------------------

CAF_TEST(offer with a string sdp is relayed as a raw JSON string) {
  auto cmd = accepted(msg("offer", R"({"targetPeerId":"bob","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"})"));
  CAF_CHECK(cmd.op == conference_op::offer);
  CAF_CHECK_EQUAL(cmd.target, "bob");
  CAF_CHECK(json::parse(cmd.text) == json::value("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n"));
}

CAF_TEST(answer with an object sdp is relayed as the same JSON object) {
  auto cmd = accepted(msg("answer", R"({"targetPeerId":"alice","sdp":{"type":"answer","sdp":"v=0\r\n","n":[1,2.5,null]}})"));
  CAF_CHECK(cmd.op == conference_op::answer);
  CAF_CHECK_EQUAL(cmd.target, "alice");
  CAF_CHECK(json::parse(cmd.text) == json::parse(R"({"type":"answer","sdp":"v=0\r\n","n":[1,2.5,null]})"));
}

CAF_TEST(candidate is relayed as string or object) {
  auto s = accepted(msg("candidate", R"({"targetPeerId":"bob","candidate":"{\"candidate\":\"a=1\"}"})"));
  CAF_CHECK(s.op == conference_op::candidate);
  CAF_CHECK_EQUAL(s.target, "bob");
  CAF_CHECK(json::parse(s.text) == json::value("{\"candidate\":\"a=1\"}"));
  auto o = accepted(msg("candidate", R"({"targetPeerId":"bob","candidate":{"candidate":"a=1","sdpMLineIndex":0}})"));
  CAF_CHECK(json::parse(o.text) == json::parse(R"({"candidate":"a=1","sdpMLineIndex":0})"));
}

CAF_TEST(relay payloads do not carry a sender supplied peerId or username) {
  auto cmd = accepted(msg("offer", R"({"peerId":"mallory","targetPeerId":"bob","username":"Boss","sdp":"x"})"));
  CAF_CHECK_EQUAL(cmd.peer_id, "");
  CAF_CHECK_EQUAL(cmd.username, "");
  conference_command expected;
  expected.op = conference_op::offer;
  expected.target = "bob";
  expected.text = "\"x\"";
  CAF_CHECK(cmd == expected);
  auto cand = accepted(msg("candidate", R"({"peerId":"mallory","targetPeerId":"bob","candidate":"c"})"));
  CAF_CHECK_EQUAL(cand.peer_id, "");
  CAF_CHECK_EQUAL(cand.username, "");
}

CAF_TEST(relay without target or value is an invalid payload) {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"offer", R"({"sdp":"x"})"},
    {"offer", R"({"targetPeerId":"bob"})"},
    {"offer", R"({"targetPeerId":"bob","sdp":42})"},
    {"offer", R"({"targetPeerId":"bob","sdp":null})"},
    {"offer", R"({"targetPeerId":"bob","sdp":["x"]})"},
    {"offer", R"({"targetPeerId":"bob","candidate":"x"})"},
    {"answer", R"({"targetPeerId":"bob bob","sdp":"x"})"},
    {"answer", R"({"targetPeerId":7,"sdp":"x"})"},
    {"candidate", R"({"targetPeerId":"bob","sdp":"x"})"},
    {"candidate", R"({"targetPeerId":"","candidate":"x"})"},
  };
  for (auto& [event, data] : cases) {
    auto e = rejected(msg(event, data));
    CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
    CAF_CHECK_EQUAL(e.event, event);
    CAF_CHECK(!e.message.empty());
  }
}

// -- events without fields and targeted moderation ----------------------------

CAF_TEST(events without fields decode with or without data) {
  const std::vector<std::pair<std::string, conference_op>> ops{
    {"room-locked", conference_op::room_locked},
    {"room-unlocked", conference_op::room_unlocked},
    {"chat-enabled", conference_op::chat_enabled},
    {"chat-disabled", conference_op::chat_disabled},
    {"raise-hand", conference_op::raise_hand},
    {"lower-hand", conference_op::lower_hand},
    {"screen-share-start", conference_op::screen_share_start},
    {"screen-share-stop", conference_op::screen_share_stop},
  };
  for (auto& [name, op] : ops) {
    conference_command expected;
    expected.op = op;
    CAF_CHECK(accepted(msg(name, "{}")) == expected);
    CAF_CHECK(accepted(msg(name, "null")) == expected);
    CAF_CHECK(accepted("{\"event\":\"" + name + "\"}") == expected);
    // A sender's own identity in the payload is ignored.
    CAF_CHECK(accepted(msg(name, R"({"peerId":"someone-else","username":"X"})")) == expected);
    CAF_CHECK_EQUAL(std::string{event_name(op)}, name);
  }
}

CAF_TEST(kicked mute-participant and promote-co-host carry targetPeerId) {
  const std::vector<std::pair<std::string, conference_op>> ops{
    {"kicked", conference_op::kick},
    {"mute-participant", conference_op::mute_participant},
    {"promote-co-host", conference_op::promote_co_host},
  };
  for (auto& [name, op] : ops) {
    auto cmd = accepted(msg(name, R"({"targetPeerId":"peer_9","peerId":"me"})"));
    CAF_CHECK(cmd.op == op);
    CAF_CHECK_EQUAL(cmd.target, "peer_9");
    CAF_CHECK_EQUAL(cmd.peer_id, "");
    for (auto bad : {R"({})", R"({"targetPeerId":""})", R"({"targetPeerId":"a b"})", R"({"targetPeerId":5})"}) {
      auto e = rejected(msg(name, bad));
      CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
      CAF_CHECK_EQUAL(e.event, name);
    }
  }
}

// -- reactions ----------------------------------------------------------------

CAF_TEST(each of the six reactions is accepted unchanged) {
  for (auto& emoji : six_reactions) {
    auto cmd = accepted(msg("reaction", "{\"emoji\":" + quoted(emoji) + ",\"peerId\":\"x\"}"));
    CAF_CHECK(cmd.op == conference_op::reaction);
    CAF_CHECK_EQUAL(cmd.text, emoji);
    CAF_CHECK_EQUAL(cmd.peer_id, "");
  }
  // The same emoji written with JSON \u escapes (surrogate pairs).
  CAF_CHECK_EQUAL(accepted(msg("reaction", R"({"emoji":"\ud83d\udc4d"})")).text, six_reactions[0]);
  CAF_CHECK_EQUAL(accepted(msg("reaction", R"({"emoji":"\ud83e\udd14"})")).text, six_reactions[5]);
}

CAF_TEST(a heart without the variation selector is normalized) {
  auto cmd = accepted(msg("reaction", R"({"emoji":"\u2764"})"));
  CAF_CHECK_EQUAL(cmd.text, "\xE2\x9D\xA4\xEF\xB8\x8F");
  CAF_CHECK_EQUAL(accepted(msg("reaction", "{\"emoji\":\"\xE2\x9D\xA4\"}")).text, six_reactions[1]);
}

CAF_TEST(other emoji are refused as INVALID_EMOJI) {
  for (auto bad : {"\xF0\x9F\x92\xA9",                 // 💩
                   "\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D", // 👍👍
                   "\xF0\x9F\x91\x8D ",                // 👍 plus a blank
                   "\xEF\xB8\x8F",                     // a lone variation selector
                   "", ":+1:", "<3"}) {
    auto e = rejected(msg("reaction", "{\"emoji\":" + quoted(bad) + "}"));
    CAF_CHECK_EQUAL(code(e), "INVALID_EMOJI");
    CAF_CHECK_EQUAL(e.event, "reaction");
    CAF_CHECK(!e.message.empty());
  }
  CAF_CHECK_EQUAL(code(rejected(msg("reaction", "{}"))), "INVALID_PAYLOAD");
  CAF_CHECK_EQUAL(code(rejected(msg("reaction", R"({"emoji":1})"))), "INVALID_PAYLOAD");
}

// -- chat ---------------------------------------------------------------------

CAF_TEST(chat-message keeps only the sanitized text) {
  auto cmd = accepted(msg("chat-message",
                          R"({"id":"msg_1","username":"Boss","message":"  Hello everyone!  ","timestamp":1698500000000,"peerId":"mallory"})"));
  conference_command expected;
  expected.op = conference_op::chat_message;
  expected.text = "Hello everyone!";
  CAF_CHECK(cmd == expected);
  CAF_CHECK_EQUAL(cmd.peer_id, "");
  CAF_CHECK_EQUAL(cmd.username, "");
}

CAF_TEST(chat messages keep markup as text and render as a valid JSON string) {
  auto cmd = accepted(msg("chat-message", "{\"message\":" + quoted("<img src=x onerror='alert(1)'> & \"hi\"") + "}"));
  CAF_CHECK_EQUAL(cmd.text, "<img src=x onerror='alert(1)'> & \"hi\"");
  auto body = render_chat_body("m1", "u", cmd.text, 1, "p", false);
  auto parsed = boost::json::parse(body);
  CAF_CHECK_EQUAL(std::string{parsed.at("message").as_string()}, cmd.text);
}

CAF_TEST(chat messages keep newlines but lose other control characters) {
  auto cmd = accepted(msg("chat-message", "{\"message\":" + quoted("line 1\nline\x01 2\r\n\x1b[31mred\x7f") + "}"));
  CAF_CHECK_EQUAL(cmd.text, "line 1\nline 2\n[31mred");
}

CAF_TEST(chat messages empty after trimming are refused) {
  for (auto text : {"", " ", "\n\n", " \t \r\n "}) {
    auto e = rejected(msg("chat-message", "{\"message\":" + quoted(text) + "}"));
    CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
    CAF_CHECK_EQUAL(e.event, "chat-message");
  }
  CAF_CHECK_EQUAL(code(rejected(msg("chat-message", "{}"))), "INVALID_PAYLOAD");
  CAF_CHECK_EQUAL(code(rejected(msg("chat-message", R"({"message":["hi"]})"))), "INVALID_PAYLOAD");
}

CAF_TEST(chat messages that are blank once control characters are gone are refused) {
  for (auto text : {"\x01\n\x01", "\x07 \x07", "\x1b\n\n\x1b"}) {
    auto r = decode_conference(msg("chat-message", "{\"message\":" + quoted(text) + "}"), {});
    CAF_CHECK(std::holds_alternative<decode_error>(r));
  }
}

CAF_TEST(chat messages over the character limit are refused) {
  auto at_limit = std::string(2000, 'm');
  CAF_CHECK_EQUAL(accepted(msg("chat-message", "{\"message\":" + quoted(at_limit) + "}")).text, at_limit);
  auto e = rejected(msg("chat-message", "{\"message\":" + quoted(at_limit + "m") + "}"));
  CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
  CAF_CHECK(e.message.find("2000") != std::string::npos);
  codec_limits small;
  small.max_message_chars = 5;
  CAF_CHECK_EQUAL(accepted(msg("chat-message", R"({"message":"hello"})"), small).text, "hello");
  CAF_CHECK_EQUAL(code(rejected(msg("chat-message", R"({"message":"hello!"})"), small)), "INVALID_PAYLOAD");
  // Multi-byte characters count once each.
  CAF_CHECK_EQUAL(accepted(msg("chat-message", "{\"message\":\"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"}"), small).text,
                  "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
}

// -- envelope errors ----------------------------------------------------------

CAF_TEST(text that is not JSON is INVALID_JSON) {
  for (auto text : {"", "{", "hello", "{\"event\":\"join\",}", "{'event':'join'}"}) {
    auto e = rejected(text);
    CAF_CHECK_EQUAL(code(e), "INVALID_JSON");
    CAF_CHECK_EQUAL(e.event, "");
    CAF_CHECK(!e.message.empty());
  }
}

CAF_TEST(JSON that is not an object is INVALID_JSON) {
  for (auto text : {"[]", "[{\"event\":\"join\"}]", "\"join\"", "42", "null", "true"})
    CAF_CHECK_EQUAL(code(rejected(text)), "INVALID_JSON");
}

CAF_TEST(a missing or non-string event is INVALID_JSON) {
  for (auto text : {R"({})", R"({"data":{"username":"Ann"}})", R"({"event":5})", R"({"event":null})",
                    R"({"event":["join"]})", R"({"Event":"join"})"}) {
    auto e = rejected(text);
    CAF_CHECK_EQUAL(code(e), "INVALID_JSON");
    CAF_CHECK(e.message.find("event") != std::string::npos);
  }
}

CAF_TEST(an unknown event is UNKNOWN_EVENT and names the event) {
  for (auto name : {"dance", "Join", "peers", "peer-joined", "error", "host-changed", ""}) {
    auto e = rejected(msg(name, "{}"));
    CAF_CHECK_EQUAL(code(e), "UNKNOWN_EVENT");
    CAF_CHECK_EQUAL(e.event, name);
    CAF_CHECK(e.message.find(std::string{"'"} + name + "'") != std::string::npos);
  }
}

CAF_TEST(a long unknown event name is echoed cut to 64 characters) {
  auto e = rejected(msg(std::string(500, 'z'), "{}"));
  CAF_CHECK_EQUAL(code(e), "UNKNOWN_EVENT");
  CAF_CHECK_EQUAL(e.event, std::string(64, 'z'));
}

CAF_TEST(an unknown event name cut for the echo still renders as valid UTF-8 JSON) {
  // 63 ASCII characters then 'é' (two bytes): cutting at byte 64 splits it.
  auto name = std::string(63, 'z') + "\xC3\xA9";
  auto e = rejected(msg(name, "{}"));
  CAF_CHECK_EQUAL(code(e), "UNKNOWN_EVENT");
  auto frame = render_error(e.code, e.message, e.event);
  json::error_code ec;
  json::parse(frame->payload(), ec);
  CAF_CHECK(!ec); // an invalid UTF-8 text frame makes browsers drop the connection
}

CAF_TEST(data that is not an object is INVALID_PAYLOAD naming the event) {
  for (auto data : {"[]", "\"x\"", "5", "true"}) {
    auto e = rejected(msg("chat-message", data));
    CAF_CHECK_EQUAL(code(e), "INVALID_PAYLOAD");
    CAF_CHECK_EQUAL(e.event, "chat-message");
    CAF_CHECK(e.message.find("data") != std::string::npos);
  }
}

CAF_TEST(deeply nested JSON is refused) {
  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 40; ++i)
    deep += "}";
  auto e = rejected(msg("offer", R"({"targetPeerId":"bob","sdp":)" + deep + "}"));
  CAF_CHECK_EQUAL(code(e), "INVALID_JSON");
}

CAF_TEST(every error has a contract code and a text) {
  CAF_CHECK_EQUAL(std::string{code_of(conference_error::room_full)}, "ROOM_FULL");
  CAF_CHECK_EQUAL(std::string{code_of(conference_error::room_locked)}, "ROOM_LOCKED");
  CAF_CHECK_EQUAL(std::string{code_of(conference_error::invalid_room)}, "INVALID_ROOM");
  CAF_CHECK_EQUAL(std::string{code_of(conference_error::unauthorized)}, "UNAUTHORIZED");
  CAF_CHECK_EQUAL(std::string{code_of(conference_error::invalid_emoji)}, "INVALID_EMOJI");
  for (auto i = static_cast<int>(conference_error::room_full); i <= static_cast<int>(conference_error::unavailable);
       ++i) {
    auto e = static_cast<conference_error>(i);
    CAF_CHECK(!code_of(e).empty());
    CAF_CHECK(!text_of(e).empty());
  }
}

CAF_TEST(valid_id accepts exactly 1 to 64 of letters digits dash and underscore) {
  CAF_CHECK(valid_id("a"));
  CAF_CHECK(valid_id("Room_1-b"));
  CAF_CHECK(valid_id(std::string(64, '9')));
  CAF_CHECK(!valid_id(""));
  CAF_CHECK(!valid_id(std::string(65, '9')));
  for (auto bad : {"a b", "a.b", "a/b", "..", "\xC3\xA9", "a\n", "a+b", "%41"})
    CAF_CHECK(!valid_id(bad));
}

// -- renderers ----------------------------------------------------------------

CAF_TEST(peers carries the whole room state) {
  peers_view v;
  v.your_id = "me";
  v.peers = {"p1", "p2"};
  v.is_host = false;
  v.host_id = "p1";
  v.room_locked = true;
  v.chat_enabled = false;
  v.participants = {{"p1", "Host \"H\"", true, false, false, true},
                    {"p2", "Co\\Host", false, true, true, false},
                    {"me", "Me\nToo", false, false, false, false}};
  v.raised_hands = {"p2"};
  v.co_host_ids = {"p2"};
  v.resume_token = "0123456789abcdef0123456789abcdef";
  auto d = data_of(render_peers(v, false), "peers");
  CAF_CHECK_EQUAL(keys(d), (std::vector<std::string>{"yourId", "peers", "isHost", "hostId", "roomLocked", "chatEnabled",
                                                     "participants", "raisedHands", "coHostIds", "resumeToken"}));
  CAF_CHECK_EQUAL(str(d, "yourId"), "me");
  CAF_CHECK_EQUAL(strings(d, "peers"), (std::vector<std::string>{"p1", "p2"}));
  CAF_CHECK_EQUAL(flag(d, "isHost"), false);
  CAF_CHECK_EQUAL(str(d, "hostId"), "p1");
  CAF_CHECK_EQUAL(flag(d, "roomLocked"), true);
  CAF_CHECK_EQUAL(flag(d, "chatEnabled"), false);
  CAF_CHECK_EQUAL(strings(d, "raisedHands"), (std::vector<std::string>{"p2"}));
  CAF_CHECK_EQUAL(strings(d, "coHostIds"), (std::vector<std::string>{"p2"}));
  CAF_CHECK_EQUAL(str(d, "resumeToken"), v.resume_token);
  auto* list = d.if_contains("participants");
  CAF_CHECK(list && list->is_array() && list->as_array().size() == 3u);
  if (!list || !list->is_array() || list->as_array().size() != 3u)
    return;
  auto& ps = list->as_array();
  for (std::size_t i = 0; i < ps.size(); ++i) {
    CAF_CHECK(ps[i].is_object());
    if (!ps[i].is_object())
      continue;
    auto& p = ps[i].as_object();
    auto& want = v.participants[i];
    CAF_CHECK_EQUAL(keys(p), (std::vector<std::string>{"peerId", "username", "isHost", "isCoHost", "handRaised",
                                                       "screenSharing"}));
    CAF_CHECK_EQUAL(str(p, "peerId"), want.peer_id);
    CAF_CHECK_EQUAL(str(p, "username"), want.username);
    CAF_CHECK_EQUAL(flag(p, "isHost"), want.is_host);
    CAF_CHECK_EQUAL(flag(p, "isCoHost"), want.is_co_host);
    CAF_CHECK_EQUAL(flag(p, "handRaised"), want.hand_raised);
    CAF_CHECK_EQUAL(flag(p, "screenSharing"), want.screen_sharing);
  }
}

CAF_TEST(peers for a lone host renders empty lists) {
  peers_view v;
  v.your_id = "solo";
  v.is_host = true;
  v.host_id = "solo";
  v.participants = {{"solo", "Solo", true, false, false, false}};
  auto d = data_of(render_peers(v, false), "peers");
  CAF_CHECK(strings(d, "peers").empty());
  CAF_CHECK_EQUAL(flag(d, "isHost"), true);
  CAF_CHECK_EQUAL(flag(d, "roomLocked"), false);
  CAF_CHECK_EQUAL(flag(d, "chatEnabled"), true);
  CAF_CHECK(strings(d, "raisedHands").empty());
  CAF_CHECK(strings(d, "coHostIds").empty());
  CAF_CHECK_EQUAL(d.at("participants").as_array().size(), 1u);
  CAF_CHECK_EQUAL(str(d, "resumeToken"), "");
}

CAF_TEST(chat bodies and chat-message frames carry the contract fields) {
  auto body = render_chat_body("msg_7", "Ann \"A\"", "two\nlines \\ \x01", 1698500000123, "peer_a", false);
  json::error_code ec;
  auto b = json::parse(body, ec);
  CAF_CHECK(!ec && b.is_object());
  if (ec || !b.is_object())
    return;
  auto& o = b.as_object();
  CAF_CHECK_EQUAL(keys(o), (std::vector<std::string>{"id", "username", "message", "timestamp", "peerId"}));
  CAF_CHECK_EQUAL(str(o, "id"), "msg_7");
  CAF_CHECK_EQUAL(str(o, "username"), "Ann \"A\"");
  CAF_CHECK_EQUAL(str(o, "message"), "two\nlines \\ \x01");
  CAF_CHECK(o.at("timestamp") == json::value(1698500000123));
  CAF_CHECK_EQUAL(str(o, "peerId"), "peer_a");
  auto d = data_of(render_chat_message(body), "chat-message");
  CAF_CHECK(json::value(d) == b);
}

CAF_TEST(chat-history wraps the stored bodies in a messages array) {
  auto m1 = render_chat_body("1", "A", "first", 1, "a", false);
  auto m2 = render_chat_body("2", "B", "second", 2, "b", false);
  auto d = data_of(render_chat_history({&m1, &m2}), "chat-history");
  CAF_CHECK_EQUAL(keys(d), std::vector<std::string>{"messages"});
  json::array expected{json::parse(m1), json::parse(m2)};
  CAF_CHECK(d.contains("messages") && d.at("messages") == expected);
  auto empty = data_of(render_chat_history({}), "chat-history");
  CAF_CHECK(empty.contains("messages") && empty.at("messages") == json::array{});
}

CAF_TEST(error frames carry code message and optionally event) {
  auto plain = data_of(render_error(conference_error::room_full), "error");
  CAF_CHECK_EQUAL(keys(plain), (std::vector<std::string>{"code", "message"}));
  CAF_CHECK_EQUAL(str(plain, "code"), "ROOM_FULL");
  CAF_CHECK_EQUAL(str(plain, "message"), std::string{text_of(conference_error::room_full)});
  auto full = data_of(render_error(conference_error::unknown_event, "Unknown event 'x\"y'", "x\"y"), "error");
  CAF_CHECK_EQUAL(keys(full), (std::vector<std::string>{"code", "message", "event"}));
  CAF_CHECK_EQUAL(str(full, "code"), "UNKNOWN_EVENT");
  CAF_CHECK_EQUAL(str(full, "message"), "Unknown event 'x\"y'");
  CAF_CHECK_EQUAL(str(full, "event"), "x\"y");
}

CAF_TEST(decode errors render as error frames) {
  auto e = rejected(msg("reaction", R"({"emoji":"x"})"));
  auto d = data_of(render_error(e.code, e.message, e.event), "error");
  CAF_CHECK_EQUAL(str(d, "code"), "INVALID_EMOJI");
  CAF_CHECK_EQUAL(str(d, "event"), "reaction");
  CAF_CHECK(!str(d, "message").empty());
}

CAF_TEST(relays carry the sender identity and the raw value) {
  auto offer = data_of(render_relay(conference_op::offer, "alice", "bob", "Alice", "\"v=0\\r\\n\"", false), "offer");
  CAF_CHECK_EQUAL(keys(offer), (std::vector<std::string>{"peerId", "targetPeerId", "username", "sdp"}));
  CAF_CHECK_EQUAL(str(offer, "peerId"), "alice");
  CAF_CHECK_EQUAL(str(offer, "targetPeerId"), "bob");
  CAF_CHECK_EQUAL(str(offer, "username"), "Alice");
  CAF_CHECK_EQUAL(str(offer, "sdp"), "v=0\r\n");
  auto answer = data_of(render_relay(conference_op::answer, "bob", "alice", "", R"({"type":"answer"})", false), "answer");
  CAF_CHECK_EQUAL(keys(answer), (std::vector<std::string>{"peerId", "targetPeerId", "sdp"}));
  CAF_CHECK(answer.at("sdp") == json::parse(R"({"type":"answer"})"));
  auto cand = data_of(render_relay(conference_op::candidate, "bob", "alice", "", R"({"candidate":"c"})", false), "candidate");
  CAF_CHECK_EQUAL(keys(cand), (std::vector<std::string>{"peerId", "targetPeerId", "candidate"}));
  CAF_CHECK(cand.at("candidate") == json::parse(R"({"candidate":"c"})"));
}

CAF_TEST(a decoded relay renders back to the same value) {
  auto cmd = accepted(msg("answer", R"({"targetPeerId":"alice","sdp":{"type":"answer","sdp":"v=0\r\na=\"q\""}})"));
  auto d = data_of(render_relay(cmd.op, "bob", cmd.target, "", cmd.text, false), "answer");
  CAF_CHECK(d.at("sdp") == json::parse(R"({"type":"answer","sdp":"v=0\r\na=\"q\""})"));
}

CAF_TEST(small event renderers carry the contract fields) {
  auto joined = data_of(render_peer_joined("p2", "Jane <3", false), "peer-joined");
  CAF_CHECK_EQUAL(keys(joined), (std::vector<std::string>{"peerId", "username"}));
  CAF_CHECK_EQUAL(str(joined, "peerId"), "p2");
  CAF_CHECK_EQUAL(str(joined, "username"), "Jane <3");
  auto left = data_of(render_peer_left("p2"), "peer-left");
  CAF_CHECK_EQUAL(keys(left), std::vector<std::string>{"peerId"});
  CAF_CHECK_EQUAL(str(left, "peerId"), "p2");
  auto hand = data_of(render_raise_hand("p3", "Zed", false), "raise-hand");
  CAF_CHECK_EQUAL(keys(hand), (std::vector<std::string>{"peerId", "username"}));
  CAF_CHECK_EQUAL(str(hand, "username"), "Zed");
  auto lower = data_of(render_peer_event("lower-hand", "p3"), "lower-hand");
  CAF_CHECK_EQUAL(str(lower, "peerId"), "p3");
  auto share = data_of(render_peer_event("screen-share-start", "p4"), "screen-share-start");
  CAF_CHECK_EQUAL(str(share, "peerId"), "p4");
  auto react = data_of(render_reaction("p5", six_reactions[1]), "reaction");
  CAF_CHECK_EQUAL(keys(react), (std::vector<std::string>{"peerId", "emoji"}));
  CAF_CHECK_EQUAL(str(react, "emoji"), six_reactions[1]);
  auto mute = data_of(render_mute("p6", "host"), "mute-participant");
  CAF_CHECK_EQUAL(keys(mute), (std::vector<std::string>{"targetPeerId", "peerId"}));
  CAF_CHECK_EQUAL(str(mute, "targetPeerId"), "p6");
  CAF_CHECK_EQUAL(str(mute, "peerId"), "host");
  auto promote = data_of(render_promote("p7"), "promote-co-host");
  CAF_CHECK_EQUAL(keys(promote), std::vector<std::string>{"targetPeerId"});
  CAF_CHECK_EQUAL(str(promote, "targetPeerId"), "p7");
  auto host = data_of(render_host_changed("p8"), "host-changed");
  CAF_CHECK_EQUAL(keys(host), std::vector<std::string>{"hostId"});
  CAF_CHECK_EQUAL(str(host, "hostId"), "p8");
  for (auto ev : {"kicked", "room-locked", "room-unlocked", "chat-enabled", "chat-disabled"})
    CAF_CHECK(data_of(render_empty(ev), ev).empty());
}

CAF_TEST(rendered events are single unmasked text frames) {
  auto f = render_peer_left("p");
  CAF_CHECK_EQUAL(f->bytes().size(), f->payload().size() + 2);
  CAF_CHECK_EQUAL(static_cast<unsigned>(static_cast<unsigned char>(f->bytes()[0])), 0x81u);
  CAF_CHECK_EQUAL(static_cast<std::size_t>(static_cast<unsigned char>(f->bytes()[1])), f->payload().size());
}

// -- append_json_string -------------------------------------------------------

CAF_TEST(append_json_string escapes quotes backslashes and control characters) {
  std::string out = "x=";
  append_json_string(out, "a\"b\\c\nd\te\rf\x01g\x1fh");
  CAF_CHECK_EQUAL(out, "x=\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u001fh\"");
  std::string empty;
  append_json_string(empty, "");
  CAF_CHECK_EQUAL(empty, "\"\"");
  std::string nul;
  append_json_string(nul, std::string_view{"a\0b", 3});
  CAF_CHECK_EQUAL(nul, "\"a\\u0000b\"");
  std::string utf8;
  append_json_string(utf8, "\xC3\xA9\xF0\x9F\x91\x8D/");
  CAF_CHECK_EQUAL(utf8, "\"\xC3\xA9\xF0\x9F\x91\x8D/\"");
}

CAF_TEST(append_json_string round trips every ASCII byte through a JSON parser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c)
    all.push_back(static_cast<char>(c));
  std::string out;
  append_json_string(out, all);
  json::error_code ec;
  auto v = json::parse(out, ec);
  CAF_CHECK(!ec);
  CAF_CHECK(v == json::value(all));
}

// -- wire_frame ---------------------------------------------------------------

CAF_TEST(wire_frame headers use the shortest length encoding) {
  struct expectation {
    std::size_t size;
    std::vector<unsigned char> header;
  };
  const std::vector<expectation> cases{
    {0, {0x81, 0x00}},
    {1, {0x81, 0x01}},
    {125, {0x81, 125}},
    {126, {0x81, 126, 0x00, 126}},
    {65535, {0x81, 126, 0xFF, 0xFF}},
    {65536, {0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}},
    {70000, {0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70}},
  };
  for (auto& c : cases) {
    std::string payload(c.size, 'p');
    if (c.size > 0)
      payload.back() = 'z';
    auto f = make_text_frame(payload);
    CAF_CHECK_EQUAL(f->size(), c.header.size() + c.size);
    CAF_CHECK_EQUAL(f->bytes().size(), f->size());
    std::vector<unsigned char> header(f->bytes().begin(), f->bytes().begin() + c.header.size());
    CAF_CHECK_EQUAL(header, c.header);
    CAF_CHECK(f->payload() == payload);
  }
}

CAF_TEST(wire_frame control frames carry their opcode and payload) {
  auto close = make_close_frame(1008, "slow consumer");
  CAF_CHECK_EQUAL(static_cast<unsigned>(static_cast<unsigned char>(close->bytes()[0])), 0x88u);
  CAF_CHECK(close->payload() == std::string_view{"\x03\xF0slow consumer"});
  auto long_reason = make_close_frame(1000, std::string(200, 'r'));
  CAF_CHECK_EQUAL(long_reason->payload().size(), 125u); // control frames hold at most 125 bytes
  auto ping = make_ping_frame();
  CAF_CHECK_EQUAL(ping->bytes(), std::string("\x89\x00", 2));
  CAF_CHECK(ping->payload().empty());
  wire_frame pong{ws_opcode::pong, "abc"};
  CAF_CHECK_EQUAL(pong.bytes(), std::string("\x8A\x03" "abc", 5));
}

// -- load-chat-history (roomcast extension) -------------------------------------

CAF_TEST(load chat history takes an optional message id and limit) {
  auto cmd = accepted(msg("load-chat-history", R"({"before":"msg_42_0badf00d","limit":10})"));
  CAF_CHECK(cmd.op == conference_op::load_history);
  CAF_CHECK_EQUAL(cmd.before_seq, 42u);
  CAF_CHECK_EQUAL(cmd.limit, 10u);
  auto newest = accepted(msg("load-chat-history", "{}"));
  CAF_CHECK_EQUAL(newest.before_seq, 0u);
  CAF_CHECK_EQUAL(newest.limit, 50u);
}

CAF_TEST(load chat history refuses bad ids and limits) {
  for (auto data : {R"({"before":"42"})", R"({"before":"msg_x_1"})", R"({"before":7})", R"({"limit":0})",
                    R"({"limit":101})", R"({"limit":"5"})", R"({"before":"msg_1234567890123456789_a"})"})
    CAF_CHECK_EQUAL(code(rejected(msg("load-chat-history", data))), "INVALID_PAYLOAD");
}

CAF_TEST(message ids carry their sequence number) {
  CAF_CHECK_EQUAL(seq_of_message_id("msg_7_deadbeef"), 7u);
  CAF_CHECK_EQUAL(seq_of_message_id("msg_7"), 0u);
  CAF_CHECK_EQUAL(seq_of_message_id("msg__x"), 0u);
  CAF_CHECK_EQUAL(seq_of_message_id("id_7_x"), 0u);
}

CAF_TEST(a history page renders its messages and whether more remain) {
  std::string a = R"({"id":"msg_1_a","message":"one"})", b = R"({"id":"msg_2_b","message":"two"})";
  auto frame = render_chat_history_page({&a, &b}, true);
  auto v = boost::json::parse(frame->payload());
  CAF_CHECK_EQUAL(std::string{v.at("event").as_string()}, "chat-history-page");
  CAF_CHECK_EQUAL(v.at("data").at("messages").as_array().size(), 2u);
  CAF_CHECK(v.at("data").at("hasMore").as_bool());
}


CAF_TEST(names and chat text are HTML-escaped when the room asks for it) {
  auto body = render_chat_body("m1", "<b>Ann</b>", "x < y & 'z' \"q\"", 1, "p", true);
  auto o = json::parse(body).as_object();
  CAF_CHECK_EQUAL(str(o, "username"), "&lt;b&gt;Ann&lt;/b&gt;");
  CAF_CHECK_EQUAL(str(o, "message"), "x &lt; y &amp; &#x27;z&#x27; &quot;q&quot;");
  CAF_CHECK_EQUAL(str(o, "id"), "m1");
  auto joined = data_of(render_peer_joined("p2", "Jane <3", true), "peer-joined");
  CAF_CHECK_EQUAL(str(joined, "username"), "Jane &lt;3");
  auto hand = data_of(render_raise_hand("p3", "A&B", true), "raise-hand");
  CAF_CHECK_EQUAL(str(hand, "username"), "A&amp;B");
  auto offer = data_of(render_relay(conference_op::offer, "a", "b", "<i>", "\"v=0\"", true), "offer");
  CAF_CHECK_EQUAL(str(offer, "username"), "&lt;i&gt;");
  CAF_CHECK_EQUAL(str(offer, "sdp"), "v=0"); // signaling payloads are not text: never escaped
}

