#pragma once
// The signaling dialect (protocols/signaling.md): text frame -> typed
// command or typed error; typed event -> frame. Every server message
// carries `timestamp` (ms). No sockets, no actors.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "wire/wire_frame.hpp"

namespace roomcast {

/// Every client-facing signaling error, in one catalogue.
enum class signaling_error : std::uint8_t {
  none,
  room_not_found,
  room_full,
  invalid_message,
  not_in_room,
  peer_not_found,
  duplicate_peer,
  rate_limited,
  unauthorized,
  unavailable, ///< roomcast extension: the room could not be reached; retry
};

/// The contract's code string, e.g. "ROOM_NOT_FOUND".
std::string_view code_of(signaling_error e);
/// The default human-readable text (the contract's `error` field).
std::string_view text_of(signaling_error e);

inline std::string to_string(signaling_error e) {
  return std::string{code_of(e)};
}

/// One operation per client message type.
enum class signaling_op : std::uint8_t {
  join_room,
  leave_room,
  offer,
  answer,
  ice_candidate,
  media_state_changed,
};

/// The contract's `type` string of `op`.
std::string_view type_name(signaling_op op);

inline std::string to_string(signaling_op op) {
  return std::string{type_name(op)};
}

struct media_state {
  bool audio = false;
  bool video = false;
  bool screen = false;

  friend bool operator==(const media_state&, const media_state&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_state& x) {
  return f(caf::meta::type_name("media_state"), x.audio, x.video, x.screen);
}

/// A validated client message. Identity fields the client may send
/// (`fromPeerId`, the `peerId` of anything but join-room) are dropped here:
/// the room takes the sender from the connection.
struct signaling_command {
  signaling_op op = signaling_op::join_room;
  std::string room_id;      ///< join-room: required; others: optional, checked against the joined room
  std::string peer_id;      ///< join-room: the peerId asked for
  std::string display_name; ///< join-room (sanitized; the peerId when absent)
  media_state media;        ///< join-room, media-state-changed
  std::string to_peer;      ///< offer, answer, ice-candidate
  std::string payload;      ///< offer / answer / candidate as raw JSON, relayed unchanged

  friend bool operator==(const signaling_command&, const signaling_command&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signaling_command& x) {
  return f(caf::meta::type_name("signaling_command"), x.op, x.room_id, x.peer_id, x.display_name, x.media,
           x.to_peer, x.payload);
}

struct signaling_limits {
  std::size_t max_display_name_chars = 64;
  std::size_t max_payload_bytes = 32 * 1024; ///< an SDP or candidate object
};

struct signaling_decode_error {
  signaling_error code = signaling_error::invalid_message;
  std::string message;
};

using signaling_decode_result = std::variant<signaling_command, signaling_decode_error>;

/// Parses and validates one text frame.
signaling_decode_result decode_signaling(std::string_view text, const signaling_limits& limits = {});

/// Room and peer ids: 1-64 of [A-Za-z0-9_-].
bool valid_signaling_id(std::string_view id);

/// Unix time in milliseconds: the `timestamp` of every server message.
std::int64_t signaling_now_ms();

/// ISO 8601 UTC with milliseconds, e.g. "2024-01-01T00:00:00.000Z".
std::string iso8601_ms(std::int64_t unix_ms);

// -- ICE servers ----------------------------------------------------------------

/// Where clients find STUN/TURN (settings [signaling]).
struct ice_config {
  std::vector<std::string> stun_urls;
  std::string turn_url; ///< comma list allowed
  std::string turn_username;
  std::string turn_credential;
  /// Set: time-limited TURN REST credentials instead of the static pair.
  std::string turn_secret;
  std::int64_t turn_ttl_seconds = 86400;
};

/// The `iceServers` array for `peer_id` at `now_s` (Unix seconds).
std::string render_ice_servers(const ice_config& cfg, std::string_view peer_id, std::int64_t now_s);

// -- renderers: one per server message -----------------------------------------

struct signaling_peer_view {
  std::string peer_id;
  std::string display_name;
  media_state media;
};

/// `{"audio":..,"video":..,"screen":..}`
std::string render_media_json(const media_state& m);

/// `html`: display names are HTML-escaped on output.
wire_frame_ptr render_room_joined(std::string_view room_id, std::string_view peer_id,
                                  const std::vector<signaling_peer_view>& others, std::string_view ice_servers_json,
                                  bool html);
wire_frame_ptr render_signaling_peer_joined(std::string_view room_id, const signaling_peer_view& p, bool html);
wire_frame_ptr render_signaling_peer_left(std::string_view room_id, std::string_view peer_id);
/// offer / answer / ice-candidate with the sender's identity from its connection.
wire_frame_ptr render_signaling_relay(signaling_op op, std::string_view room_id, std::string_view from,
                                      std::string_view to, std::string_view raw_payload);
wire_frame_ptr render_media_state_changed(std::string_view room_id, std::string_view peer_id, const media_state& m);
wire_frame_ptr render_connection_mode_changed(std::string_view room_id, std::string_view mode);
wire_frame_ptr render_room_closed(std::string_view room_id, std::string_view reason);
wire_frame_ptr render_signaling_error(signaling_error code, std::string_view message = {});

} // namespace roomcast
