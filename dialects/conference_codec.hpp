#pragma once
// The conference dialect (protocols/conference.md): text frame -> typed
// command or typed error; typed event -> frame. No sockets, no actors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "wire/json_writer.hpp"
#include "wire/wire_frame.hpp"

namespace roomcast {

/// Every client-facing conference error, in one catalogue.
enum class conference_error : std::uint8_t {
  none,
  room_full,
  room_locked,
  invalid_room,
  unauthorized,
  invalid_json,
  unknown_event,
  invalid_payload,
  message_too_large,
  not_joined,
  already_joined,
  rate_limited,
  chat_disabled,
  peer_not_found,
  invalid_emoji,
  unsupported_data,
  unavailable,
};

/// The contract's code string, e.g. "ROOM_FULL".
std::string_view code_of(conference_error e);
/// The default human-readable text for an error.
std::string_view text_of(conference_error e);

/// One operation per client event name.
enum class conference_op : std::uint8_t {
  join,
  offer,
  answer,
  candidate,
  room_locked,
  room_unlocked,
  chat_enabled,
  chat_disabled,
  kick,
  raise_hand,
  lower_hand,
  reaction,
  chat_message,
  screen_share_start,
  screen_share_stop,
  mute_participant,
  promote_co_host,
  load_history, ///< roomcast extension: page back through chat history
};

std::string_view event_name(conference_op op);

inline std::string to_string(conference_op op) {
  return std::string{event_name(op)};
}

inline std::string to_string(conference_error e) {
  return std::string{code_of(e)};
}

/// A validated client command. Fields not used by `op` stay empty. Identity
/// fields a client may put in payloads (peerId of a sender) are dropped here:
/// the room takes identity from the connection.
struct conference_command {
  conference_op op = conference_op::join;
  std::string target;   ///< targetPeerId (relay, kick, mute, promote)
  std::string text;     ///< chat text or emoji (sanitized); relay: the raw JSON of sdp/candidate
  std::string peer_id;  ///< join: requested peerId (may be empty)
  std::string username; ///< join: display name (sanitized)
  std::string token;    ///< join: resumeToken (may be empty)
  std::string auth_token; ///< join: a JWT (may be empty; the URL's ?token= also counts)
  std::string role;     ///< join: set by the gateway from a verified token, never by the client
  std::uint64_t before_seq = 0; ///< load_history: messages older than this one (0: the newest)
  std::uint32_t limit = 0;      ///< load_history: at most this many

  friend bool operator==(const conference_command&, const conference_command&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conference_command& x) {
  return f(caf::meta::type_name("conference_command"), x.op, x.target, x.text, x.peer_id, x.username, x.token,
           x.auth_token, x.role, x.before_seq, x.limit);
}

struct codec_limits {
  std::size_t max_message_chars = 2000;
  std::size_t max_username_chars = 64;
};

struct decode_error {
  conference_error code;
  std::string message;
  std::string event; ///< the offending event name, when known
};

using decode_result = std::variant<conference_command, decode_error>;

/// Parses and validates one text frame.
decode_result decode_conference(std::string_view text, const codec_limits& limits);

/// A display name made safe (no control characters, trimmed, length-checked);
/// nullopt when empty or over the limit.
std::optional<std::string> sanitize_username(std::string_view name, const codec_limits& limits);

/// True for ids the contract accepts for rooms and peers: [A-Za-z0-9_-]{1,64}.
bool valid_id(std::string_view id);

// -- renderers: one per server event -----------------------------------------

struct participant_view {
  std::string peer_id;
  std::string username;
  bool is_host = false;
  bool is_co_host = false;
  bool hand_raised = false;
  bool screen_sharing = false;
};

struct peers_view {
  std::string your_id;
  std::vector<std::string> peers; ///< everyone else, in join order
  bool is_host = false;
  std::string host_id;
  bool room_locked = false;
  bool chat_enabled = true;
  std::vector<participant_view> participants; ///< everyone, you included
  std::vector<std::string> raised_hands;
  std::vector<std::string> co_host_ids;
  std::string resume_token;
};

/// `html`: user-supplied text (names, chat) is HTML-escaped on output.
wire_frame_ptr render_peers(const peers_view& v, bool html);
/// `messages` hold chat-message data objects as rendered by render_chat_body.
wire_frame_ptr render_chat_history(const std::vector<const std::string*>& messages);
/// Answer to load-chat-history: older messages, oldest first.
wire_frame_ptr render_chat_history_page(const std::vector<const std::string*>& messages, bool has_more);
/// The sequence number inside a server-assigned message id ("msg_<seq>_..."); 0 if none.
std::uint64_t seq_of_message_id(std::string_view id);
wire_frame_ptr render_peer_joined(std::string_view peer_id, std::string_view username, bool html);
wire_frame_ptr render_peer_left(std::string_view peer_id);
/// offer / answer / candidate, relayed with the sender's identity.
wire_frame_ptr render_relay(conference_op op, std::string_view from, std::string_view target,
                            std::string_view username, std::string_view raw_value, bool html);
/// room-locked, room-unlocked, chat-enabled, chat-disabled, kicked: `{}` data.
wire_frame_ptr render_empty(std::string_view event);
wire_frame_ptr render_raise_hand(std::string_view peer_id, std::string_view username, bool html);
wire_frame_ptr render_peer_event(std::string_view event, std::string_view peer_id);
wire_frame_ptr render_reaction(std::string_view peer_id, std::string_view emoji);
/// The `data` object of a chat-message; kept as-is in history and on disk.
std::string render_chat_body(std::string_view id, std::string_view username, std::string_view message,
                             std::int64_t timestamp_ms, std::string_view peer_id, bool html);
wire_frame_ptr render_chat_message(std::string_view body);
wire_frame_ptr render_mute(std::string_view target, std::string_view by);
wire_frame_ptr render_promote(std::string_view target);
wire_frame_ptr render_host_changed(std::string_view host_id);
wire_frame_ptr render_error(conference_error code, std::string_view message = {}, std::string_view event = {},
                            std::string_view reason = {});


} // namespace roomcast
