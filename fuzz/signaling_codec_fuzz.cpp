// The signaling codec (protocols/signaling.md) under hostile frames.
// Invariants: a command re-encoded as a client would send it decodes to the
// same command; ids stay valid and limits hold; relayed payloads reach the
// peer as the same JSON; every error renders as valid UTF-8 JSON.

#include <boost/json/serialize.hpp>

#include "dialects/signaling_codec.hpp"
#include "fuzz/fuzz_check.hpp"
#include "wire/text.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

std::string reencode(const signaling_command& c) {
  json::object m;
  m["type"] = type_name(c.op);
  if (!c.room_id.empty())
    m["roomId"] = c.room_id;
  json::object media{{"audio", c.media.audio}, {"video", c.media.video}, {"screen", c.media.screen}};
  switch (c.op) {
    case signaling_op::join_room:
      m["peerId"] = c.peer_id;
      if (c.display_name != c.peer_id) // absent: the peerId stands in
        m["displayName"] = c.display_name;
      m["mediaState"] = media;
      break;
    case signaling_op::offer:
    case signaling_op::answer:
    case signaling_op::ice_candidate:
      m["toPeerId"] = c.to_peer;
      m[c.op == signaling_op::ice_candidate ? "candidate" : type_name(c.op)] = json::parse(c.payload);
      break;
    case signaling_op::media_state_changed: m["mediaState"] = media; break;
    case signaling_op::leave_room: break;
  }
  m["timestamp"] = 1700000000000;
  return json::serialize(m);
}

void check_command(const signaling_command& c, const signaling_limits& limits) {
  FUZZ_CHECK(c.room_id.empty() || valid_signaling_id(c.room_id));
  FUZZ_CHECK(c.peer_id.empty() || valid_signaling_id(c.peer_id));
  FUZZ_CHECK(c.to_peer.empty() || valid_signaling_id(c.to_peer));
  if (c.op == signaling_op::join_room) {
    FUZZ_CHECK(!c.room_id.empty() && !c.peer_id.empty());
    // A name given is sanitized and within the limit; none given: the peerId.
    FUZZ_CHECK(c.display_name == c.peer_id
               || (!c.display_name.empty() && utf8_length(c.display_name) <= limits.max_display_name_chars));
  }
  FUZZ_CHECK(c.payload.size() <= limits.max_payload_bytes);

  auto again = decode_signaling(reencode(c), limits);
  auto* same = std::get_if<signaling_command>(&again);
  FUZZ_CHECK(same && *same == c);

  switch (c.op) {
    case signaling_op::offer:
    case signaling_op::answer:
    case signaling_op::ice_candidate: {
      auto o = fuzz::parse_frame_object(render_signaling_relay(c.op, c.room_id, "from", c.to_peer, c.payload)->payload());
      FUZZ_CHECK(fuzz::member_string(o, "type") == type_name(c.op));
      bool found = false;
      for (auto& [k, v] : o)
        found = found || v == json::parse(c.payload);
      FUZZ_CHECK(found);
      break;
    }
    case signaling_op::join_room:
      for (bool html : {false, true}) {
        signaling_peer_view p{c.peer_id, c.display_name, c.media};
        fuzz::parse_frame_object(render_signaling_peer_joined(c.room_id, p, html)->payload());
        fuzz::parse_frame_object(render_room_joined(c.room_id, c.peer_id, {p}, "[]", html)->payload());
      }
      break;
    case signaling_op::media_state_changed:
      fuzz::parse_frame_object(render_media_state_changed(c.room_id, "peer", c.media)->payload());
      break;
    default: break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  signaling_limits limits;
  limits.max_display_name_chars = 16; // small, so the limits are reached
  limits.max_payload_bytes = 256;
  auto result = decode_signaling(text, limits);
  bool utf8 = fuzz::reference_utf8(text);
  if (auto* err = std::get_if<signaling_decode_error>(&result)) {
    if (utf8)
      fuzz::parse_frame_object(render_signaling_error(err->code, err->message)->payload());
    return 0;
  }
  FUZZ_CHECK(utf8);
  check_command(std::get<signaling_command>(result), limits);
  return 0;
}
