// The chatrooms codec (protocols/chatrooms.md) behind the Socket.IO packet
// decoder, as the /chat namespace receives events. Invariants: a command
// re-encoded as a client would emit it decodes to the same command; room ids
// and limits hold; every body the room renders, and every error, is valid
// UTF-8 JSON, and its event or ack frame decodes back as Socket.IO.

#include <boost/json/serialize.hpp>

#include "dialects/chatrooms_codec.hpp"
#include "fuzz/fuzz_check.hpp"
#include "wire/socketio_packet.hpp"
#include "wire/text.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

std::string reencode(const chat_command& c) {
  json::array a;
  a.emplace_back(op_name(c.op));
  if (c.op != chat_op::heartbeat) {
    json::object o;
    o["roomId"] = c.room_id;
    if (c.op == chat_op::send_message) {
      o["content"] = c.content;
      o["messageType"] = c.message_type;
    }
    if (c.op == chat_op::typing)
      o["isTyping"] = c.is_typing;
    a.emplace_back(std::move(o));
  }
  return json::serialize(a);
}

/// A body sent as an event and as an ack: both must be Socket.IO the client decodes.
void check_sent(std::string_view name, const std::string& body, std::optional<std::uint64_t> ack) {
  auto parsed = fuzz::parse_frame_object(body);
  auto event = render_event("/chat", name, body);
  auto text = event->payload();
  FUZZ_CHECK(!text.empty() && text[0] == '4');
  auto p = decode_sio(text.substr(1));
  FUZZ_CHECK(p && p->type == sio_type::event && p->nsp == "/chat");
  auto args = fuzz::parse_json(p->data);
  FUZZ_CHECK(args && args->is_array() && args->as_array().size() == 2);
  FUZZ_CHECK(args->as_array()[0] == json::value(name) && args->as_array()[1] == parsed);
  if (ack) {
    auto a = render_ack("/chat", *ack, body);
    auto q = decode_sio(a->payload().substr(1));
    FUZZ_CHECK(q && q->type == sio_type::ack && q->id == ack);
  }
}

void check_command(const chat_command& c, std::optional<std::uint64_t> ack, const chat_limits& limits) {
  FUZZ_CHECK(c.has_ack == ack.has_value() && c.ack_id == ack.value_or(0));
  if (c.op != chat_op::heartbeat)
    FUZZ_CHECK(valid_room_id(c.room_id));
  if (c.op == chat_op::send_message) {
    FUZZ_CHECK(!c.content.empty() && utf8_length(c.content) <= limits.max_content_chars);
    FUZZ_CHECK(c.message_type == "TEXT" || c.message_type == "IMAGE" || c.message_type == "FILE");
  }
  auto again = decode_chat(reencode(c), ack, limits);
  auto* same = std::get_if<chat_command>(&again);
  FUZZ_CHECK(same && *same == c);

  chat_user_ref me{"user-1", "Ann <b>"};
  std::int64_t ts = 1700000000000;
  switch (c.op) {
    case chat_op::send_message: {
      auto message = message_body("m1", c.content, me, c.room_id, c.message_type, ts);
      check_sent("receiveMessage", message, std::nullopt);
      check_sent(reply_name(c.op), message_sent_body(message), ack);
      break;
    }
    case chat_op::typing: check_sent("typingUpdated", typing_body(me, c.room_id, c.is_typing, ts), ack); break;
    case chat_op::get_room_stats:
      check_sent("roomStats", room_stats_body(c.room_id, {me}, {"user-1"}, ts), ack);
      break;
    default: check_sent(reply_name(c.op), reply_body(c.op, c.room_id, ts), ack); break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  // First byte: decode the rest as a Socket.IO packet (the real path), or
  // hand it to the codec as an event's arguments directly.
  bool packet = data[0] & 1;
  std::string_view text{reinterpret_cast<const char*>(data + 1), size - 1};
  chat_limits limits;
  limits.max_content_chars = 64; // small, so the limit is reached
  std::string args{text};
  std::optional<std::uint64_t> ack;
  if (packet) {
    auto p = decode_sio(text);
    if (!p || p->type != sio_type::event)
      return 0;
    args = p->data;
    ack = p->id;
  } else if (data[0] & 2) {
    ack = data[0] >> 2;
  }
  bool utf8 = fuzz::reference_utf8(args);
  auto result = decode_chat(args, ack, limits);
  if (auto* err = std::get_if<chat_decode_error>(&result)) {
    FUZZ_CHECK(err->has_ack == ack.has_value() && err->ack_id == ack.value_or(0));
    if (utf8)
      check_sent("error", error_body(err->code, err->message, 1700000000000), ack);
    return 0;
  }
  FUZZ_CHECK(utf8);
  check_command(std::get<chat_command>(result), ack, limits);
  return 0;
}
