#pragma once
// The chatrooms dialect (protocols/chatrooms.md) on a Socket.IO namespace:
// event arguments -> a typed command or a typed error; typed events ->
// frames, rendered once. The one catalogue of its client-facing errors.
// No sockets, no actors: unit-testable on its own.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "wire/time_format.hpp"
#include "wire/wire_frame.hpp"

namespace boost::json {
class value;
}

namespace roomcast {

/// The client's events (client -> server).
enum class chat_op : std::uint8_t {
  join_room,      ///< joinRoom -> joinedRoom
  leave_room,     ///< leaveRoom -> leftRoom
  send_message,   ///< sendMessage -> messageSent
  typing,         ///< typing -> typingUpdated
  get_room_stats, ///< getRoomStats -> roomStatsRetrieved (+ roomStats)
  heartbeat,      ///< heartbeat -> heartbeatResponse
};

/// The event's name on the wire ("joinRoom").
std::string_view op_name(chat_op op);
/// The name of its answer ("joinedRoom").
std::string_view reply_name(chat_op op);

/// Every error a client can get, with its status and text (one catalogue).
enum class chat_error : std::uint8_t {
  none,
  bad_payload,          ///< 400: not an object, wrong field type
  unknown_event,        ///< 400
  invalid_room_id,      ///< 400
  missing_content,      ///< 400: absent or empty after trimming
  content_too_long,     ///< 400
  invalid_message_type, ///< 400
  invalid_typing,       ///< 400: isTyping is not a boolean
  not_in_room,          ///< 400: the event names a room the connection has not joined
  too_many_rooms,       ///< 400
  unauthorized,         ///< 401
  forbidden,            ///< 403 (REST: history of a room the user never joined)
  room_not_found,       ///< 404 (REST)
  room_closed,          ///< 410: an operator closed the room; the client may join again
  rate_limited,         ///< 429
  unavailable,          ///< 500: the room could not be reached or stored
};

/// The status code (400, 401, 429, 500) of `code`.
unsigned status_of(chat_error code);
/// The status's name ("Bad Request"): the error object's `error` field.
std::string_view status_text(chat_error code);
/// The default human text: the error object's `message` field.
std::string_view text_of(chat_error code);

/// What the codec accepts. Defaults are the contract's.
struct chat_limits {
  std::size_t max_content_chars = 2000;
};

/// One decoded client event. Identity is not here: it belongs to the connection.
struct chat_command {
  chat_op op = chat_op::heartbeat;
  std::string room_id;
  std::string content;              ///< sanitized (control characters dropped, trimmed), not escaped
  std::string message_type = "TEXT"; ///< TEXT | IMAGE | FILE
  bool is_typing = false;
  bool has_ack = false; ///< the client passed a callback
  std::uint64_t ack_id = 0;

  friend bool operator==(const chat_command&, const chat_command&) = default;
};

/// The op travels as its number; written back when the inspector is done.
struct chat_op_field {
  chat_op& target;
  std::uint8_t value;
  ~chat_op_field() { target = static_cast<chat_op>(value); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_command& x) {
  chat_op_field op{x.op, static_cast<std::uint8_t>(x.op)};
  return f(caf::meta::type_name("chat_command"), op.value, x.room_id, x.content, x.message_type, x.is_typing,
           x.has_ack, x.ack_id);
}

/// A refused event: what to tell the client, and where (its ack, if any).
struct chat_decode_error {
  chat_error code = chat_error::bad_payload;
  std::string message;
  bool has_ack = false;
  std::uint64_t ack_id = 0;
};

/// Decodes an EVENT's argument array (`["sendMessage", {...}]`). Every
/// input, however hostile, gives a command or an error.
std::variant<chat_command, chat_decode_error> decode_chat(std::string_view args, std::optional<std::uint64_t> ack,
                                                          const chat_limits& limits = {});

/// The same from the arguments already parsed (the Socket.IO transport
/// parses every packet once to validate it).
std::variant<chat_command, chat_decode_error> decode_chat(const boost::json::value& args,
                                                          std::optional<std::uint64_t> ack,
                                                          const chat_limits& limits = {});

/// Room ids: 1-100 of [A-Za-z0-9_.-].
bool valid_room_id(std::string_view id);

// -- JSON bodies (rendered once, sent to many) ---------------------------------

/// The wall clock in Unix milliseconds (timestamps on the wire).
std::int64_t chat_now_ms();

struct chat_user_ref {
  std::string user_id;
  std::string username;
  friend bool operator==(const chat_user_ref&, const chat_user_ref&) = default;
};

/// `{success:false, error, message, statusCode, timestamp}`.
std::string error_body(chat_error code, std::string_view message, std::int64_t ts_ms);
/// `{event:"joinedRoom"|"leftRoom", roomId, success:true}`; other ops without roomId.
std::string reply_body(chat_op op, std::string_view room_id, std::int64_t ts_ms);
/// A message as receiveMessage carries it. Content and username are HTML-escaped.
std::string message_body(std::string_view id, std::string_view content, const chat_user_ref& author,
                         std::string_view room_id, std::string_view message_type, std::int64_t ts_ms);
/// `{event:"messageSent", message, success:true}`.
std::string message_sent_body(std::string_view message_json);
/// userJoined / userLeft (with roomId) and userOnline / userOffline (room_id empty).
std::string user_body(const chat_user_ref& user, std::string_view room_id, std::int64_t ts_ms);
std::string typing_body(const chat_user_ref& user, std::string_view room_id, bool is_typing, std::int64_t ts_ms);
std::string room_users_body(std::string_view room_id, const std::vector<chat_user_ref>& users);
std::string room_stats_body(std::string_view room_id, const std::vector<chat_user_ref>& users,
                            const std::vector<std::string>& typing_user_ids, std::int64_t ts_ms);
std::string ping_body(std::int64_t ts_ms);

// -- frames ----------------------------------------------------------------------

/// `42/nsp,["name",body]`.
wire_frame_ptr render_event(std::string_view nsp, std::string_view name, std::string_view body);
/// `43/nsp,id[body]`.
wire_frame_ptr render_ack(std::string_view nsp, std::uint64_t id, std::string_view body);

} // namespace roomcast
