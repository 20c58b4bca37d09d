#define CAF_SUITE signaling_codec

#include <caf/test/unit_test.hpp>

#include "dialects/signaling_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/turn_credentials.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

/// Decodes `text`, which must be accepted (helpers only CHECK: CAF 0.17's
/// CAF_REQUIRE aborts the whole binary).
signaling_command accepted(std::string_view text, const signaling_limits& limits = {}) {
  auto r = decode_signaling(text, limits);
  if (auto* e = std::get_if<signaling_decode_error>(&r)) {
    CAF_MESSAGE("expected to decode: " << text);
    CAF_CHECK_EQUAL(std::string{code_of(e->code)} + ": " + e->message, "accepted");
    return {};
  }
  return std::get<signaling_command>(r);
}

/// Decodes `text`, which must be refused; returns the error.
signaling_decode_error refused(std::string_view text, const signaling_limits& limits = {}) {
  auto r = decode_signaling(text, limits);
  if (std::holds_alternative<signaling_command>(r)) {
    CAF_MESSAGE("expected a refusal: " << text);
    CAF_CHECK(false);
    return {};
  }
  return std::get<signaling_decode_error>(r);
}

json::object parsed(const wire_frame_ptr& f) {
  return json::parse(f->payload()).as_object();
}

} // namespace

// -- decoding --------------------------------------------------------------------

CAF_TEST(join room carries room peer name and media state) {
  auto c = accepted(R"({"type":"join-room","roomId":"abc123","peerId":"peer-1","displayName":" John ",
    "mediaState":{"audio":true,"video":false,"screen":true},"timestamp":1})");
  CAF_CHECK(c.op == signaling_op::join_room);
  CAF_CHECK_EQUAL(c.room_id, "abc123");
  CAF_CHECK_EQUAL(c.peer_id, "peer-1");
  CAF_CHECK_EQUAL(c.display_name, "John");
  CAF_CHECK(c.media == (media_state{true, false, true}));
}

CAF_TEST(join room without a display name uses the peer id and no media) {
  auto c = accepted(R"({"type":"join-room","roomId":"r","peerId":"p"})");
  CAF_CHECK_EQUAL(c.display_name, "p");
  CAF_CHECK(c.media == media_state{});
}

CAF_TEST(leave room needs nothing but the type) {
  auto c = accepted(R"({"type":"leave-room","roomId":"abc123","peerId":"whoever"})");
  CAF_CHECK(c.op == signaling_op::leave_room);
  CAF_CHECK_EQUAL(c.room_id, "abc123");
  CAF_CHECK(accepted(R"({"type":"leave-room"})").op == signaling_op::leave_room);
}

CAF_TEST(offer answer and candidate keep the payload as raw json and drop fromPeerId) {
  auto o = accepted(R"({"type":"offer","roomId":"r","fromPeerId":"spoof","toPeerId":"p2","offer":{"type":"offer","sdp":"v=0\r\n"}})");
  CAF_CHECK(o.op == signaling_op::offer);
  CAF_CHECK_EQUAL(o.to_peer, "p2");
  CAF_CHECK_EQUAL(json::parse(o.payload).at("sdp").as_string(), "v=0\r\n");
  CAF_CHECK(o.peer_id.empty());
  auto a = accepted(R"({"type":"answer","toPeerId":"p1","answer":{"type":"answer","sdp":"x"}})");
  CAF_CHECK(a.op == signaling_op::answer);
  auto i = accepted(R"({"type":"ice-candidate","toPeerId":"p1","candidate":{"candidate":"c","sdpMLineIndex":0,"sdpMid":"0"}})");
  CAF_CHECK(i.op == signaling_op::ice_candidate);
  CAF_CHECK_EQUAL(json::parse(i.payload).at("sdpMLineIndex").as_int64(), 0);
}

CAF_TEST(media state changed needs a media state) {
  auto c = accepted(R"({"type":"media-state-changed","roomId":"r","peerId":"x","mediaState":{"video":true}})");
  CAF_CHECK(c.op == signaling_op::media_state_changed);
  CAF_CHECK(c.media == (media_state{false, true, false}));
  CAF_CHECK(refused(R"({"type":"media-state-changed"})").code == signaling_error::invalid_message);
  CAF_CHECK(refused(R"({"type":"media-state-changed","mediaState":{"audio":"yes"}})").code
            == signaling_error::invalid_message);
}

CAF_TEST(invalid json unknown types and missing fields are invalid messages) {
  for (auto text : {"", "not json", "[]", "42", R"({"roomId":"r"})", R"({"type":7})", R"({"type":"dance"})",
                    R"({"type":"join-room","peerId":"p"})", R"({"type":"join-room","roomId":"r"})",
                    R"({"type":"join-room","roomId":"bad id!","peerId":"p"})",
                    R"({"type":"join-room","roomId":"r","peerId":"p","displayName":42})",
                    R"({"type":"join-room","roomId":"r","peerId":"p","displayName":"   "})",
                    R"({"type":"join-room","roomId":"r","peerId":"p","mediaState":[]})",
                    R"({"type":"offer","offer":{}})", R"({"type":"offer","toPeerId":"p"})",
                    R"({"type":"offer","toPeerId":"p","offer":"sdp as string"})",
                    R"({"type":"ice-candidate","toPeerId":"p","offer":{}})"}) {
    auto e = refused(text);
    CAF_CHECK(e.code == signaling_error::invalid_message);
    CAF_CHECK(!e.message.empty());
  }
}

CAF_TEST(hostile input is refused without echoing it raw) {
  std::string long_type(10000, 'x');
  auto e = refused(R"({"type":")" + long_type + "\"}");
  CAF_CHECK(e.message.size() < 200);
  auto quote = refused(R"({"type":"a\"<script>"})");
  CAF_CHECK(quote.message.find("\\\"") != std::string::npos);
  std::string deep(100, '[');
  refused(R"({"type":"offer","toPeerId":"p","offer":)" + deep + "}");
  signaling_limits small;
  small.max_payload_bytes = 16;
  refused(R"({"type":"offer","toPeerId":"p","offer":{"sdp":"0123456789abcdef"}})", small);
  std::string name(65, 'n');
  refused(R"({"type":"join-room","roomId":"r","peerId":"p","displayName":")" + name + "\"}");
  refused(R"({"type":"join-room","roomId":"r","peerId":")" + std::string(65, 'p') + "\"}");
}

CAF_TEST(display names lose control characters) {
  auto c = accepted("{\"type\":\"join-room\",\"roomId\":\"r\",\"peerId\":\"p\",\"displayName\":\"a\\u0000b\\nc\"}");
  CAF_CHECK_EQUAL(c.display_name, "abc");
}

// -- rendering -----------------------------------------------------------------

CAF_TEST(room joined lists the others with escaped names and the ice servers) {
  std::vector<signaling_peer_view> others{{"p2", "<b>Jane</b>", {true, true, false}}};
  auto m = parsed(render_room_joined("r1", "p1", others, R"([{"urls":["stun:x"]}])", true));
  CAF_CHECK_EQUAL(m.at("type").as_string(), "room-joined");
  CAF_CHECK_EQUAL(m.at("roomId").as_string(), "r1");
  CAF_CHECK_EQUAL(m.at("peerId").as_string(), "p1");
  auto& peer = m.at("peers").as_array().at(0).as_object();
  CAF_CHECK_EQUAL(peer.at("displayName").as_string(), "&lt;b&gt;Jane&lt;/b&gt;");
  CAF_CHECK(peer.at("mediaState").at("video").as_bool());
  CAF_CHECK_EQUAL(m.at("iceServers").as_array().at(0).at("urls").as_array().at(0).as_string(), "stun:x");
  CAF_CHECK(m.at("timestamp").as_int64() > 0);
  auto raw = parsed(render_room_joined("r1", "p1", others, "[]", false));
  CAF_CHECK_EQUAL(raw.at("peers").as_array().at(0).at("displayName").as_string(), "<b>Jane</b>");
}

CAF_TEST(every server message has its type and a timestamp) {
  std::vector<wire_frame_ptr> frames{
    render_signaling_peer_joined("r", {"p", "n", {}}, true),
    render_signaling_peer_left("r", "p"),
    render_signaling_relay(signaling_op::offer, "r", "a", "b", R"({"type":"offer","sdp":"s"})"),
    render_signaling_relay(signaling_op::answer, "r", "a", "b", R"({"type":"answer","sdp":"s"})"),
    render_signaling_relay(signaling_op::ice_candidate, "r", "a", "b", R"({"candidate":"c"})"),
    render_media_state_changed("r", "p", {true, false, false}),
    render_connection_mode_changed("r", "sfu"),
    render_room_closed("r", "room closed"),
    render_signaling_error(signaling_error::room_full),
  };
  std::vector<std::string> types{"peer-joined",   "peer-left",           "offer",
                                 "answer",        "ice-candidate",       "media-state-changed",
                                 "connection-mode-changed", "room-closed", "error"};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto m = parsed(frames[i]);
    CAF_CHECK_EQUAL(m.at("type").as_string(), types[i]);
    CAF_CHECK(m.at("timestamp").is_int64());
  }
  auto offer = parsed(frames[2]);
  CAF_CHECK_EQUAL(offer.at("fromPeerId").as_string(), "a");
  CAF_CHECK_EQUAL(offer.at("toPeerId").as_string(), "b");
  CAF_CHECK_EQUAL(offer.at("offer").at("sdp").as_string(), "s");
  CAF_CHECK_EQUAL(parsed(frames[4]).at("candidate").at("candidate").as_string(), "c");
  CAF_CHECK_EQUAL(parsed(frames[6]).at("mode").as_string(), "sfu");
}

CAF_TEST(every error of the catalogue has its contract code and a text) {
  std::vector<std::pair<signaling_error, std::string>> all{
    {signaling_error::room_not_found, "ROOM_NOT_FOUND"}, {signaling_error::room_full, "ROOM_FULL"},
    {signaling_error::invalid_message, "INVALID_MESSAGE"}, {signaling_error::not_in_room, "NOT_IN_ROOM"},
    {signaling_error::peer_not_found, "PEER_NOT_FOUND"},   {signaling_error::duplicate_peer, "DUPLICATE_PEER"},
    {signaling_error::rate_limited, "RATE_LIMITED"},       {signaling_error::unauthorized, "UNAUTHORIZED"},
    {signaling_error::unavailable, "UNAVAILABLE"},
  };
  for (auto& [e, code] : all) {
    auto m = parsed(render_signaling_error(e));
    CAF_CHECK_EQUAL(m.at("code").as_string(), code);
    CAF_CHECK_EQUAL(m.at("error").as_string(), text_of(e));
    CAF_CHECK(!text_of(e).empty());
  }
  CAF_CHECK_EQUAL(parsed(render_signaling_error(signaling_error::room_not_found)).at("error").as_string(),
                  "Room not found");
  CAF_CHECK_EQUAL(parsed(render_signaling_error(signaling_error::room_full, "custom")).at("error").as_string(),
                  "custom");
}

CAF_TEST(ice servers come from stun urls and a static turn pair) {
  ice_config cfg;
  cfg.stun_urls = {"stun:a:3478", "stun:b:3478"};
  cfg.turn_url = "turn:t:3478, turns:t:5349";
  cfg.turn_username = "user";
  cfg.turn_credential = "pass";
  auto v = json::parse(render_ice_servers(cfg, "p", 1000)).as_array();
  CAF_REQUIRE_EQUAL(v.size(), 2u);
  CAF_CHECK_EQUAL(v[0].at("urls").as_array().size(), 2u);
  CAF_CHECK_EQUAL(v[1].at("urls").as_array().at(1).as_string(), "turns:t:5349");
  CAF_CHECK_EQUAL(v[1].at("username").as_string(), "user");
  CAF_CHECK_EQUAL(v[1].at("credential").as_string(), "pass");
  CAF_CHECK_EQUAL(v[1].at("credentialType").as_string(), "password");
  CAF_CHECK(json::parse(render_ice_servers(ice_config{}, "p", 1)).as_array().empty());
}

CAF_TEST(with a turn secret the ice servers carry time limited credentials) {
  ice_config cfg;
  cfg.turn_url = "turn:t:3478";
  cfg.turn_username = "ignored";
  cfg.turn_secret = "coturn-secret";
  cfg.turn_ttl_seconds = 86400;
  auto v = json::parse(render_ice_servers(cfg, "alice", 1700000000)).as_array();
  CAF_REQUIRE_EQUAL(v.size(), 1u);
  CAF_CHECK_EQUAL(v[0].at("username").as_string(), "1700086400:alice");
  CAF_CHECK_EQUAL(v[0].at("credential").as_string(), "NT1hplEEmvyWisLSzFQnFBascQA=");
}

CAF_TEST(timestamps render as iso 8601 utc with milliseconds) {
  CAF_CHECK_EQUAL(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  CAF_CHECK_EQUAL(iso8601_ms(1704067200123), "2024-01-01T00:00:00.123Z");
}

CAF_TEST(mutated messages decode to a command or an error and render valid json) {
  const std::vector<std::string> seeds{
    R"({"type":"join-room","roomId":"r","peerId":"p","displayName":"N","mediaState":{"audio":true}})",
    R"({"type":"offer","roomId":"r","toPeerId":"p","offer":{"type":"offer","sdp":"v=0"}})",
    R"({"type":"ice-candidate","toPeerId":"p","candidate":{"candidate":"c","sdpMid":"0"}})",
    R"({"type":"media-state-changed","mediaState":{"video":false}})",
  };
  std::mt19937 rng{20261203};
  std::size_t commands = 0, errors = 0;
  for (int round = 0; round < 20000; ++round) {
    auto text = seeds[rng() % seeds.size()];
    for (int k = 1 + rng() % 4; k > 0 && !text.empty(); --k) {
      auto pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[pos] = static_cast<char>(rng() % 256); break;
        case 1: text.erase(pos, 1 + rng() % 3); break;
        default: text.insert(pos, 1, "{}[]\",:\\\x00\xff"[rng() % 10]); break;
      }
    }
    auto r = decode_signaling(text);
    if (auto* c = std::get_if<signaling_command>(&r)) {
      ++commands;
      if (!c->payload.empty()) {
        json::error_code ec;
        json::parse(c->payload, ec);
        CAF_CHECK(!ec);
      }
    } else {
      ++errors;
      auto& e = std::get<signaling_decode_error>(r);
      json::error_code ec;
      json::parse(render_signaling_error(e.code, e.message)->payload(), ec);
      CAF_CHECK(!ec);
    }
  }
  CAF_CHECK(commands > 0);
  CAF_CHECK(errors > 0);
}
