#include "dialects/signaling_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <ctime>
#include <unordered_map>

#include "auth/turn_credentials.hpp"
#include "wire/time_format.hpp"
#include "wire/error_tally.hpp"
#include "wire/json_writer.hpp"
#include "wire/json_finite.hpp"
#include "wire/text.hpp"

namespace json = boost::json;

namespace roomcast {

// -- error catalogue ----------------------------------------------------------

namespace {

struct error_entry {
  std::string_view code;
  std::string_view text;
};

constexpr std::array<error_entry, 10> errors{{
  {"", ""},
  {"ROOM_NOT_FOUND", "Room not found"},
  {"ROOM_FULL", "Room is full"},
  {"INVALID_MESSAGE", "Invalid message"},
  {"NOT_IN_ROOM", "Join a room first"},
  {"PEER_NOT_FOUND", "Peer not found in this room"},
  {"DUPLICATE_PEER", "This peerId is already in the room"},
  {"RATE_LIMITED", "Too many messages; slow down"},
  {"UNAUTHORIZED", "Not authorized"},
  {"UNAVAILABLE", "The room is unavailable; try again"},
}};

constexpr std::array<std::string_view, 6> type_names{
  "join-room", "leave-room", "offer", "answer", "ice-candidate", "media-state-changed",
};

const std::unordered_map<std::string_view, signaling_op>& ops_by_name() {
  static const auto table = [] {
    std::unordered_map<std::string_view, signaling_op> t;
    for (std::size_t i = 0; i < type_names.size(); ++i)
      t.emplace(type_names[i], static_cast<signaling_op>(i));
    return t;
  }();
  return table;
}

} // namespace

std::string_view code_of(signaling_error e) {
  return errors[static_cast<std::size_t>(e)].code;
}

std::string_view text_of(signaling_error e) {
  return errors[static_cast<std::size_t>(e)].text;
}

std::string_view type_name(signaling_op op) {
  return type_names[static_cast<std::size_t>(op)];
}

bool valid_signaling_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

std::int64_t signaling_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string iso8601_ms(std::int64_t unix_ms) {
  return iso_time(unix_ms);
}

// -- decoding -----------------------------------------------------------------

namespace {

struct decoder {
  const json::object& msg;
  const signaling_limits& limits;
  signaling_command cmd;
  std::string error;

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  /// A required (or optional) id-shaped string field.
  bool id_field(std::string_view name, std::string& out, bool required) {
    auto* v = msg.if_contains(name);
    if (!v || v->is_null())
      return required ? fail(std::string{name} + " is required") : true;
    if (!v->is_string() || !valid_signaling_id(v->get_string()))
      return fail(std::string{name} + " must be 1-64 of [A-Za-z0-9_-]");
    out.assign(v->get_string().data(), v->get_string().size());
    return true;
  }

  bool media_field(bool required) {
    auto* v = msg.if_contains("mediaState");
    if (!v || v->is_null())
      return required ? fail("mediaState is required") : true;
    if (!v->is_object())
      return fail("mediaState must be an object {audio, video, screen}");
    auto& o = v->get_object();
    auto flag = [&](std::string_view key, bool& out) {
      auto* f = o.if_contains(key);
      if (!f || f->is_null())
        return true;
      if (!f->is_bool())
        return fail("mediaState." + std::string{key} + " must be a boolean");
      out = f->get_bool();
      return true;
    };
    return flag("audio", cmd.media.audio) && flag("video", cmd.media.video) && flag("screen", cmd.media.screen);
  }

  bool join() {
    if (!id_field("roomId", cmd.room_id, true) || !id_field("peerId", cmd.peer_id, true))
      return false;
    if (auto* v = msg.if_contains("displayName"); v && !v->is_null()) {
      if (!v->is_string())
        return fail("displayName must be a string");
      if (!sanitize_text(v->get_string(), limits.max_display_name_chars, false, cmd.display_name))
        return fail("displayName must be 1-" + std::to_string(limits.max_display_name_chars) + " characters");
    } else {
      cmd.display_name = cmd.peer_id;
    }
    return media_field(false);
  }

  /// offer / answer / candidate: an object relayed unchanged, as raw JSON.
  bool relay(std::string_view field) {
    if (!id_field("roomId", cmd.room_id, false) || !id_field("toPeerId", cmd.to_peer, true))
      return false;
    auto* v = msg.if_contains(field);
    if (!v || !v->is_object() || !finite_json(*v))
      return fail(std::string{field} + " is required (an object)");
    cmd.payload = json::serialize(*v);
    if (cmd.payload.size() > limits.max_payload_bytes)
      return fail(std::string{field} + " exceeds " + std::to_string(limits.max_payload_bytes) + " bytes");
    return true;
  }

  bool run() {
    switch (cmd.op) {
      case signaling_op::join_room: return join();
      case signaling_op::leave_room: return id_field("roomId", cmd.room_id, false);
      case signaling_op::offer: return relay("offer");
      case signaling_op::answer: return relay("answer");
      case signaling_op::ice_candidate: return relay("candidate");
      case signaling_op::media_state_changed: return id_field("roomId", cmd.room_id, false) && media_field(true);
    }
    return false;
  }
};

} // namespace

signaling_decode_result decode_signaling(std::string_view text, const signaling_limits& limits) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto doc = json::parse(text, ec, {}, opts);
  if (ec || !doc.is_object())
    return signaling_decode_error{signaling_error::invalid_message, "Invalid JSON: messages are JSON objects"};
  auto& obj = doc.get_object();
  auto* t = obj.if_contains("type");
  if (!t || !t->is_string())
    return signaling_decode_error{signaling_error::invalid_message, "'type' must be a string"};
  std::string_view name{t->get_string().data(), t->get_string().size()};
  auto op = ops_by_name().find(name);
  if (op == ops_by_name().end()) {
    // Echo at most 64 bytes, never cutting a UTF-8 sequence in half.
    auto cut = std::min<std::size_t>(name.size(), 64);
    while (cut < name.size() && cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
      --cut;
    std::string shown;
    append_json_string(shown, name.substr(0, cut));
    return signaling_decode_error{signaling_error::invalid_message, "Unknown message type " + shown};
  }
  decoder dec{obj, limits, {}, {}};
  dec.cmd.op = op->second;
  if (!dec.run())
    return signaling_decode_error{signaling_error::invalid_message, std::string{name} + ": " + dec.error};
  return std::move(dec.cmd);
}

// -- ICE servers ----------------------------------------------------------------

std::string render_ice_servers(const ice_config& cfg, std::string_view peer_id, std::int64_t now_s) {
  std::string out = "[";
  if (!cfg.stun_urls.empty()) {
    json_writer w;
    w.strings("urls", cfg.stun_urls);
    out += w.done();
  }
  if (!cfg.turn_url.empty()) {
    std::vector<std::string> urls;
    std::size_t start = 0;
    while (start <= cfg.turn_url.size()) {
      auto end = std::min(cfg.turn_url.find(',', start), cfg.turn_url.size());
      auto item = cfg.turn_url.substr(start, end - start);
      auto b = item.find_first_not_of(' ');
      if (b != std::string::npos)
        urls.push_back(item.substr(b, item.find_last_not_of(' ') - b + 1));
      start = end + 1;
    }
    json_writer w;
    w.strings("urls", urls);
    if (!cfg.turn_secret.empty()) {
      auto c = make_turn_credential(cfg.turn_secret, peer_id, cfg.turn_ttl_seconds, now_s);
      w.str("username", c.username).str("credential", c.credential).str("credentialType", "password");
    } else if (!cfg.turn_username.empty() || !cfg.turn_credential.empty()) {
      w.str("username", cfg.turn_username).str("credential", cfg.turn_credential).str("credentialType", "password");
    }
    if (out.size() > 1)
      out.push_back(',');
    out += w.done();
  }
  out.push_back(']');
  return out;
}

// -- rendering ----------------------------------------------------------------

namespace {

/// Builds `{"type":T, ..., "timestamp":ms}` field by field.
class message_writer {
public:
  explicit message_writer(std::string_view type) { w_.str("type", type); }
  message_writer& str(std::string_view key, std::string_view v) { w_.str(key, v); return *this; }
  message_writer& text(std::string_view key, std::string_view v, bool html) { w_.text(key, v, html); return *this; }
  message_writer& raw(std::string_view key, std::string_view json_text) { w_.raw(key, json_text); return *this; }
  json_writer& writer() { return w_; }
  wire_frame_ptr done() {
    w_.num("timestamp", signaling_now_ms());
    return make_text_frame(w_.done());
  }

private:
  json_writer w_;
};

} // namespace

std::string render_media_json(const media_state& m) {
  json_writer w;
  w.boolean("audio", m.audio).boolean("video", m.video).boolean("screen", m.screen);
  return w.done();
}

wire_frame_ptr render_room_joined(std::string_view room_id, std::string_view peer_id,
                                  const std::vector<signaling_peer_view>& others, std::string_view ice_servers_json,
                                  bool html) {
  message_writer m{"room-joined"};
  m.str("roomId", room_id).str("peerId", peer_id);
  auto& w = m.writer();
  w.array("peers");
  for (auto& p : others) {
    w.begin_element_object().str("peerId", p.peer_id).text("displayName", p.display_name, html);
    w.raw("mediaState", render_media_json(p.media)).end_object();
  }
  w.end_array();
  m.raw("iceServers", ice_servers_json);
  return m.done();
}

wire_frame_ptr render_signaling_peer_joined(std::string_view room_id, const signaling_peer_view& p, bool html) {
  return message_writer{"peer-joined"}
    .str("roomId", room_id)
    .str("peerId", p.peer_id)
    .text("displayName", p.display_name, html)
    .raw("mediaState", render_media_json(p.media))
    .done();
}

wire_frame_ptr render_signaling_peer_left(std::string_view room_id, std::string_view peer_id) {
  return message_writer{"peer-left"}.str("roomId", room_id).str("peerId", peer_id).done();
}

wire_frame_ptr render_signaling_relay(signaling_op op, std::string_view room_id, std::string_view from,
                                      std::string_view to, std::string_view raw_payload) {
  std::string_view field = op == signaling_op::ice_candidate ? "candidate" : type_name(op);
  return message_writer{type_name(op)}
    .str("roomId", room_id)
    .str("fromPeerId", from)
    .str("toPeerId", to)
    .raw(field, raw_payload)
    .done();
}

wire_frame_ptr render_media_state_changed(std::string_view room_id, std::string_view peer_id, const media_state& m) {
  return message_writer{"media-state-changed"}
    .str("roomId", room_id)
    .str("peerId", peer_id)
    .raw("mediaState", render_media_json(m))
    .done();
}

wire_frame_ptr render_connection_mode_changed(std::string_view room_id, std::string_view mode) {
  return message_writer{"connection-mode-changed"}.str("roomId", room_id).str("mode", mode).done();
}

wire_frame_ptr render_room_closed(std::string_view room_id, std::string_view reason) {
  return message_writer{"room-closed"}.str("roomId", room_id).str("reason", reason).done();
}

wire_frame_ptr render_signaling_error(signaling_error code, std::string_view message) {
  tally_client_error("signaling", code_of(code));
  return message_writer{"error"}
    .str("error", message.empty() ? text_of(code) : message)
    .str("code", code_of(code))
    .done();
}

} // namespace roomcast
