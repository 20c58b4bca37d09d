// The conference codec (protocols/conference.md) under hostile frames.
// Invariants: every frame gives a command or an error; a command re-encoded
// as a client would send it decodes to the same command (sanitizing is
// idempotent, ids stay valid, limits hold); what the room renders from it,
// and every error, is valid UTF-8 JSON carrying the client's values intact.

#include <boost/json/serialize.hpp>

#include "dialects/conference_codec.hpp"
#include "fuzz/fuzz_check.hpp"
#include "wire/text.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

/// The command as a client frame: `{"event": E, "data": {...}}`.
std::string reencode(const conference_command& c) {
  json::object data;
  switch (c.op) {
    case conference_op::join:
      if (!c.peer_id.empty())
        data["peerId"] = c.peer_id;
      data["username"] = c.username;
      if (!c.token.empty())
        data["resumeToken"] = c.token;
      if (!c.auth_token.empty())
        data["token"] = c.auth_token;
      break;
    case conference_op::offer:
    case conference_op::answer:
    case conference_op::candidate:
      data["targetPeerId"] = c.target;
      data[c.op == conference_op::candidate ? "candidate" : "sdp"] = json::parse(c.text);
      break;
    case conference_op::kick:
    case conference_op::mute_participant:
    case conference_op::promote_co_host: data["targetPeerId"] = c.target; break;
    case conference_op::reaction: data["emoji"] = c.text; break;
    case conference_op::chat_message: data["message"] = c.text; break;
    case conference_op::load_history:
      if (c.before_seq)
        data["before"] = "msg_" + std::to_string(c.before_seq) + "_x";
      data["limit"] = c.limit;
      break;
    default: break;
  }
  json::object frame;
  frame["event"] = event_name(c.op);
  frame["data"] = std::move(data);
  return json::serialize(frame);
}

void check_command(const conference_command& c, const codec_limits& limits) {
  FUZZ_CHECK(c.role.empty()); // set by the gateway from a token, never from the frame
  FUZZ_CHECK(c.target.empty() || valid_id(c.target));
  FUZZ_CHECK(c.peer_id.empty() || valid_id(c.peer_id));
  if (c.op == conference_op::join) {
    FUZZ_CHECK(!c.username.empty() && utf8_length(c.username) <= limits.max_username_chars);
    FUZZ_CHECK(sanitize_username(c.username, limits) == c.username);
  }
  if (c.op == conference_op::chat_message)
    FUZZ_CHECK(!c.text.empty() && utf8_length(c.text) <= limits.max_message_chars);
  if (c.op == conference_op::load_history)
    FUZZ_CHECK(c.limit >= 1 && c.limit <= 100);

  auto again = decode_conference(reencode(c), limits);
  auto* same = std::get_if<conference_command>(&again);
  FUZZ_CHECK(same && *same == c);

  // What the room sends on: the values arrive as the client meant them.
  switch (c.op) {
    case conference_op::offer:
    case conference_op::answer:
    case conference_op::candidate: {
      for (bool html : {false, true}) {
        auto f = render_relay(c.op, "sender", c.target, "name<&>", c.text, html);
        auto o = fuzz::parse_frame_object(f->payload());
        auto& data = o.at("data").as_object();
        FUZZ_CHECK(data.at(c.op == conference_op::candidate ? "candidate" : "sdp") == json::parse(c.text));
        FUZZ_CHECK(fuzz::member_string(data, "targetPeerId") == c.target);
      }
      break;
    }
    case conference_op::chat_message: {
      auto raw = render_chat_body("msg_1_a", "name", c.text, 1700000000000, "peer", false);
      auto o = fuzz::parse_frame_object(raw);
      FUZZ_CHECK(fuzz::member_string(o, "message") == c.text);
      fuzz::parse_frame_object(render_chat_body("msg_1_a", c.text, c.text, 0, "peer", true));
      auto frame = render_chat_message(raw);
      fuzz::parse_frame_object(frame->payload());
      break;
    }
    case conference_op::join:
      for (bool html : {false, true}) {
        auto o = fuzz::parse_frame_object(render_peer_joined("peer", c.username, html)->payload());
        if (!html)
          FUZZ_CHECK(fuzz::member_string(o.at("data").as_object(), "username") == c.username);
        fuzz::parse_frame_object(render_raise_hand("peer", c.username, html)->payload());
      }
      break;
    case conference_op::reaction: fuzz::parse_frame_object(render_reaction("peer", c.text)->payload()); break;
    default: break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  codec_limits limits;
  limits.max_message_chars = 64; // small, so the limits are reached
  limits.max_username_chars = 16;
  auto result = decode_conference(text, limits);
  // The gateway hands the codec only valid UTF-8 (the frame parser checks text).
  bool utf8 = fuzz::reference_utf8(text);
  if (auto* err = std::get_if<decode_error>(&result)) {
    FUZZ_CHECK(err->code != conference_error::none);
    if (utf8) {
      auto o = fuzz::parse_frame_object(render_error(err->code, err->message, err->event)->payload());
      FUZZ_CHECK(fuzz::member_string(o, "event") == "error");
      FUZZ_CHECK(err->event.size() <= 64 || err->code != conference_error::unknown_event);
    }
    return 0;
  }
  FUZZ_CHECK(utf8); // Boost.JSON refuses invalid UTF-8
  check_command(std::get<conference_command>(result), limits);
  return 0;
}
