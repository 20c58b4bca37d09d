#include "dialects/chatrooms_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>

#include "wire/error_tally.hpp"
#include "wire/json_writer.hpp"
#include "wire/socketio_packet.hpp"
#include "wire/text.hpp"

namespace roomcast {

namespace {

struct op_names {
  chat_op op;
  std::string_view name;
  std::string_view reply;
};

constexpr op_names ops[] = {
  {chat_op::join_room, "joinRoom", "joinedRoom"},
  {chat_op::leave_room, "leaveRoom", "leftRoom"},
  {chat_op::send_message, "sendMessage", "messageSent"},
  {chat_op::typing, "typing", "typingUpdated"},
  {chat_op::get_room_stats, "getRoomStats", "roomStatsRetrieved"},
  {chat_op::heartbeat, "heartbeat", "heartbeatResponse"},
};

struct error_entry {
  chat_error code;
  unsigned status;
  std::string_view text;
};

// The catalogue: every client-facing error of the dialect, in one place.
constexpr error_entry errors[] = {
  {chat_error::none, 200, ""},
  {chat_error::bad_payload, 400, "Invalid payload"},
  {chat_error::unknown_event, 400, "Unknown event"},
  {chat_error::invalid_room_id, 400, "roomId must be 1-100 characters of [A-Za-z0-9_.-]"},
  {chat_error::missing_content, 400, "content is required"},
  {chat_error::content_too_long, 400, "content must be at most 2000 characters"},
  {chat_error::invalid_message_type, 400, "messageType must be TEXT, IMAGE or FILE"},
  {chat_error::invalid_typing, 400, "isTyping must be a boolean"},
  {chat_error::not_in_room, 400, "You have not joined this room"},
  {chat_error::too_many_rooms, 400, "Too many rooms joined on this connection"},
  {chat_error::unauthorized, 401, "Invalid or missing token"},
  {chat_error::forbidden, 403, "Only members of this room may read its messages"},
  {chat_error::room_not_found, 404, "Room not found"},
  {chat_error::room_closed, 410, "The room was closed by an operator"},
  {chat_error::rate_limited, 429, "Rate limit exceeded; try again later"},
  {chat_error::unavailable, 500, "The room is unavailable; try again"},
};

const error_entry& entry_of(chat_error code) {
  for (auto& e : errors)
    if (e.code == code)
      return e;
  return errors[std::size(errors) - 1];
}

chat_decode_error fail(chat_error code, std::optional<std::uint64_t> ack, std::string message = {}) {
  return {code, message.empty() ? std::string{text_of(code)} : std::move(message), ack.has_value(),
          ack.value_or(0)};
}

} // namespace

std::string_view op_name(chat_op op) {
  return ops[static_cast<std::size_t>(op)].name;
}

std::string_view reply_name(chat_op op) {
  return ops[static_cast<std::size_t>(op)].reply;
}

unsigned status_of(chat_error code) {
  return entry_of(code).status;
}

std::string_view status_text(chat_error code) {
  switch (status_of(code)) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 200: return "OK";
    default: return "Internal Server Error";
  }
}

std::string_view text_of(chat_error code) {
  return entry_of(code).text;
}

bool valid_room_id(std::string_view id) {
  if (id.empty() || id.size() > 100)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.'))
      return false;
  return true;
}

// -- decoding ----------------------------------------------------------------------

std::variant<chat_command, chat_decode_error> decode_chat(std::string_view args, std::optional<std::uint64_t> ack,
                                                          const chat_limits& limits) {
  boost::system::error_code ec;
  auto v = boost::json::parse(args, ec);
  if (ec)
    return fail(chat_error::bad_payload, ack, "An event is an array starting with its name");
  return decode_chat(v, ack, limits);
}

std::variant<chat_command, chat_decode_error> decode_chat(const boost::json::value& v,
                                                          std::optional<std::uint64_t> ack,
                                                          const chat_limits& limits) {
  if (!v.is_array() || v.as_array().empty() || !v.as_array()[0].is_string())
    return fail(chat_error::bad_payload, ack, "An event is an array starting with its name");
  auto& a = v.as_array();
  std::string_view name = a[0].as_string();
  const op_names* found = nullptr;
  for (auto& o : ops)
    if (o.name == name)
      found = &o;
  if (!found)
    return fail(chat_error::unknown_event, ack, "Unknown event: " + std::string{utf8_prefix(name, 64)});

  chat_command cmd;
  cmd.op = found->op;
  cmd.has_ack = ack.has_value();
  cmd.ack_id = ack.value_or(0);
  if (cmd.op == chat_op::heartbeat)
    return cmd; // no payload; anything sent along is ignored

  if (a.size() < 2 || !a[1].is_object())
    return fail(chat_error::bad_payload, ack, std::string{name} + " expects an object payload");
  auto& o = a[1].as_object();

  auto* room = o.if_contains("roomId");
  if (!room || !room->is_string() || !valid_room_id(room->as_string()))
    return fail(chat_error::invalid_room_id, ack);
  cmd.room_id = std::string{room->as_string()};

  switch (cmd.op) {
    case chat_op::send_message: {
      auto* content = o.if_contains("content");
      if (!content || content->is_null())
        return fail(chat_error::missing_content, ack);
      if (!content->is_string())
        return fail(chat_error::bad_payload, ack, "content must be a string");
      std::string clean;
      if (!sanitize_text(content->as_string(), std::numeric_limits<std::size_t>::max(), true, clean))
        return fail(chat_error::missing_content, ack);
      if (utf8_length(clean) > limits.max_content_chars)
        return fail(chat_error::content_too_long, ack,
                    "content must be at most " + std::to_string(limits.max_content_chars) + " characters");
      cmd.content = std::move(clean);
      if (auto* type = o.if_contains("messageType"); type && !type->is_null()) {
        if (!type->is_string())
          return fail(chat_error::invalid_message_type, ack);
        std::string_view t = type->as_string();
        if (t != "TEXT" && t != "IMAGE" && t != "FILE")
          return fail(chat_error::invalid_message_type, ack);
        cmd.message_type = std::string{t};
      }
      break;
    }
    case chat_op::typing: {
      auto* typing = o.if_contains("isTyping");
      if (!typing || !typing->is_bool())
        return fail(chat_error::invalid_typing, ack);
      cmd.is_typing = typing->as_bool();
      break;
    }
    default: break;
  }
  return cmd;
}

// -- bodies ---------------------------------------------------------------------------

std::int64_t chat_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string error_body(chat_error code, std::string_view message, std::int64_t ts_ms) {
  tally_client_error("chatrooms", status_text(code));
  json_writer w;
  w.boolean("success", false)
    .str("error", status_text(code))
    .str("message", message.empty() ? text_of(code) : message)
    .unum("statusCode", status_of(code))
    .str("timestamp", iso_time(ts_ms));
  return w.done();
}

std::string reply_body(chat_op op, std::string_view room_id, std::int64_t ts_ms) {
  json_writer w;
  w.str("event", reply_name(op));
  if (op == chat_op::join_room || op == chat_op::leave_room)
    w.str("roomId", room_id);
  if (op == chat_op::heartbeat)
    w.str("timestamp", iso_time(ts_ms));
  w.boolean("success", true);
  return w.done();
}

std::string message_body(std::string_view id, std::string_view content, const chat_user_ref& author,
                         std::string_view room_id, std::string_view message_type, std::int64_t ts_ms) {
  auto ts = iso_time(ts_ms);
  json_writer w;
  w.str("id", id).text("content", content, true).object("author");
  w.str("id", author.user_id).text("username", author.username, true).end_object();
  w.str("roomId", room_id).str("messageType", message_type);
  w.str("timestamp", ts).str("createdAt", ts).str("updatedAt", ts);
  return w.done();
}

std::string message_sent_body(std::string_view message_json) {
  json_writer w;
  w.str("event", "messageSent").raw("message", message_json).boolean("success", true);
  return w.done();
}

std::string user_body(const chat_user_ref& user, std::string_view room_id, std::int64_t ts_ms) {
  json_writer w;
  w.str("userId", user.user_id).text("username", user.username, true);
  if (!room_id.empty())
    w.str("roomId", room_id);
  w.str("timestamp", iso_time(ts_ms));
  return w.done();
}

std::string typing_body(const chat_user_ref& user, std::string_view room_id, bool is_typing, std::int64_t ts_ms) {
  json_writer w;
  w.str("userId", user.user_id).text("username", user.username, true).str("roomId", room_id);
  w.boolean("isTyping", is_typing).str("timestamp", iso_time(ts_ms));
  return w.done();
}

namespace {

void users_array(json_writer& w, const std::vector<chat_user_ref>& users) {
  w.array("users");
  for (auto& u : users) {
    w.begin_element_object();
    w.str("userId", u.user_id).text("username", u.username, true);
    w.end_object();
  }
  w.end_array();
}

} // namespace

std::string room_users_body(std::string_view room_id, const std::vector<chat_user_ref>& users) {
  json_writer w;
  w.str("roomId", room_id);
  users_array(w, users);
  return w.done();
}

std::string room_stats_body(std::string_view room_id, const std::vector<chat_user_ref>& users,
                            const std::vector<std::string>& typing_user_ids, std::int64_t ts_ms) {
  json_writer w;
  w.str("roomId", room_id).unum("userCount", users.size());
  users_array(w, users);
  w.strings("typingUsers", typing_user_ids).str("timestamp", iso_time(ts_ms));
  return w.done();
}

std::string ping_body(std::int64_t ts_ms) {
  json_writer w;
  w.str("timestamp", iso_time(ts_ms));
  return w.done();
}

// -- frames ------------------------------------------------------------------------------

wire_frame_ptr render_event(std::string_view nsp, std::string_view name, std::string_view body) {
  std::string out;
  out.reserve(nsp.size() + name.size() + body.size() + 12);
  begin_sio_event(out, nsp, name);
  out.push_back(',');
  out += body;
  out.push_back(']');
  return make_text_frame(out);
}

wire_frame_ptr render_ack(std::string_view nsp, std::uint64_t id, std::string_view body) {
  std::string args;
  args.reserve(body.size() + 2);
  args.push_back('[');
  args += body;
  args.push_back(']');
  return sio_frame(sio_type::ack, nsp, id, args);
}

} // namespace roomcast
