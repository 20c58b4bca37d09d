#include "dialects/conference_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <unordered_map>

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

constexpr std::array<error_entry, 17> errors{{
  {"", ""},
  {"ROOM_FULL", "The room is full"},
  {"ROOM_LOCKED", "The room is locked"},
  {"INVALID_ROOM", "Room ids are 1-64 characters: letters, digits, '-' and '_'"},
  {"UNAUTHORIZED", "Not allowed"},
  {"INVALID_JSON", "Messages must be JSON objects: {\"event\": string, \"data\": object}"},
  {"UNKNOWN_EVENT", "Unknown event"},
  {"INVALID_PAYLOAD", "Invalid or missing field"},
  {"MESSAGE_TOO_LARGE", "Message exceeds the size limit"},
  {"NOT_JOINED", "Send 'join' first"},
  {"ALREADY_JOINED", "This connection already joined a room"},
  {"RATE_LIMITED", "Too many messages; slow down"},
  {"CHAT_DISABLED", "Chat is disabled in this room"},
  {"PEER_NOT_FOUND", "No such participant in this room"},
  {"INVALID_EMOJI", "Reactions are one of 👍 ❤️ 😂 🎉 👏 🤔"},
  {"UNSUPPORTED_DATA", "Binary messages are not supported"},
  {"UNAVAILABLE", "The room is unavailable; try again"},
}};

constexpr std::array<std::string_view, 18> event_names{
  "join", "offer", "answer", "candidate", "room-locked", "room-unlocked", "chat-enabled",
  "chat-disabled", "kicked", "raise-hand", "lower-hand", "reaction", "chat-message",
  "screen-share-start", "screen-share-stop", "mute-participant", "promote-co-host", "load-chat-history",
};

constexpr std::uint32_t max_history_page = 100;

const std::array<std::string_view, 6> reactions{
  "\xF0\x9F\x91\x8D",         // 👍
  "\xE2\x9D\xA4\xEF\xB8\x8F", // ❤️
  "\xF0\x9F\x98\x82",         // 😂
  "\xF0\x9F\x8E\x89",         // 🎉
  "\xF0\x9F\x91\x8F",         // 👏
  "\xF0\x9F\xA4\x94",         // 🤔
};

} // namespace

std::string_view code_of(conference_error e) {
  return errors[static_cast<std::size_t>(e)].code;
}

std::string_view text_of(conference_error e) {
  return errors[static_cast<std::size_t>(e)].text;
}

std::string_view event_name(conference_op op) {
  return event_names[static_cast<std::size_t>(op)];
}

std::optional<std::string> sanitize_username(std::string_view name, const codec_limits& limits);

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

// -- decoding -----------------------------------------------------------------

namespace {

bool sanitize(std::string_view in, std::size_t max_chars, bool multiline, std::string& out) {
  return sanitize_text(in, max_chars, multiline, out);
}

struct decoder {
  const json::object& data;
  const codec_limits& limits;
  conference_command cmd;
  decode_error err{conference_error::none, {}, {}};

  bool fail(std::string message) {
    err.code = conference_error::invalid_payload;
    err.message = std::move(message);
    return false;
  }

  /// A required id-shaped string field.
  bool id_field(std::string_view name, std::string& out) {
    auto* v = data.if_contains(name);
    if (!v || !v->is_string())
      return fail(std::string{name} + " is required");
    auto s = v->get_string();
    if (!valid_id(s))
      return fail(std::string{name} + " must be 1-64 of [A-Za-z0-9_-]");
    out.assign(s.data(), s.size());
    return true;
  }

  /// sdp / candidate: a string or object relayed unchanged, as raw JSON.
  bool relay_field(std::string_view name) {
    auto* v = data.if_contains(name);
    if (!v || !(v->is_string() || v->is_object()) || !finite_json(*v))
      return fail(std::string{name} + " is required (string or object)");
    cmd.text = json::serialize(*v);
    return true;
  }

  bool join() {
    if (auto* v = data.if_contains("peerId"); v && !v->is_null()) {
      if (!v->is_string() || !valid_id(v->get_string()))
        return fail("peerId must be 1-64 of [A-Za-z0-9_-]");
      cmd.peer_id = v->get_string();
    }
    auto* u = data.if_contains("username");
    if (!u || !u->is_string())
      return fail("username is required");
    if (!sanitize(u->get_string(), limits.max_username_chars, false, cmd.username))
      return fail("username must be 1-" + std::to_string(limits.max_username_chars) + " characters");
    if (auto* t = data.if_contains("resumeToken"); t && !t->is_null()) {
      if (!t->is_string() || t->get_string().size() > 256)
        return fail("resumeToken must be a string");
      cmd.token = t->get_string();
    }
    if (auto* t = data.if_contains("token"); t && !t->is_null()) {
      if (!t->is_string() || t->get_string().size() > 8192)
        return fail("token must be a string");
      cmd.auth_token = t->get_string();
    }
    return true;
  }

  bool relay() {
    if (!id_field("targetPeerId", cmd.target))
      return false;
    return relay_field(cmd.op == conference_op::candidate ? "candidate" : "sdp");
  }

  bool reaction() {
    auto* v = data.if_contains("emoji");
    if (!v || !v->is_string())
      return fail("emoji is required");
    std::string_view e{v->get_string().data(), v->get_string().size()};
    if (e == "\xE2\x9D\xA4")
      e = reactions[1]; // a heart without the emoji variation selector
    for (auto r : reactions)
      if (e == r) {
        cmd.text = r;
        return true;
      }
    err.code = conference_error::invalid_emoji;
    return false;
  }

  /// load-chat-history {before?: message id, limit?: 1-100}
  bool history_page() {
    if (auto* b = data.if_contains("before"); b && !b->is_null()) {
      if (!b->is_string())
        return fail("before must be a message id");
      cmd.before_seq = seq_of_message_id({b->get_string().data(), b->get_string().size()});
      if (cmd.before_seq == 0)
        return fail("before must be a message id from this room");
    }
    cmd.limit = 50;
    if (auto* l = data.if_contains("limit"); l && !l->is_null()) {
      if (!l->is_int64() || l->get_int64() < 1 || l->get_int64() > max_history_page)
        return fail("limit must be 1-" + std::to_string(max_history_page));
      cmd.limit = static_cast<std::uint32_t>(l->get_int64());
    }
    return true;
  }

  bool chat() {
    auto* v = data.if_contains("message");
    if (!v || !v->is_string())
      return fail("message is required");
    if (!sanitize(v->get_string(), limits.max_message_chars, true, cmd.text))
      return fail("message must be 1-" + std::to_string(limits.max_message_chars) + " characters");
    return true;
  }

  bool run() {
    switch (cmd.op) {
      case conference_op::join: return join();
      case conference_op::offer:
      case conference_op::answer:
      case conference_op::candidate: return relay();
      case conference_op::kick:
      case conference_op::mute_participant:
      case conference_op::promote_co_host: return id_field("targetPeerId", cmd.target);
      case conference_op::reaction: return reaction();
      case conference_op::chat_message: return chat();
      case conference_op::load_history: return history_page();
      default: return true; // no fields; sender identity comes from the connection
    }
  }
};

} // namespace

std::optional<std::string> sanitize_username(std::string_view name, const codec_limits& limits) {
  std::string out;
  if (!sanitize(name, limits.max_username_chars, false, out))
    return std::nullopt;
  return out;
}

namespace {

const std::unordered_map<std::string_view, conference_op>& ops_by_name() {
  static const auto table = [] {
    std::unordered_map<std::string_view, conference_op> t;
    for (std::size_t i = 0; i < event_names.size(); ++i)
      t.emplace(event_names[i], static_cast<conference_op>(i));
    return t;
  }();
  return table;
}

} // namespace

decode_result decode_conference(std::string_view text, const codec_limits& limits) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto doc = json::parse(text, ec, {}, opts);
  if (ec || !doc.is_object())
    return decode_error{conference_error::invalid_json, std::string{text_of(conference_error::invalid_json)}, {}};
  auto& obj = doc.get_object();
  auto* ev = obj.if_contains("event");
  if (!ev || !ev->is_string())
    return decode_error{conference_error::invalid_json, "'event' must be a string", {}};
  std::string_view name{ev->get_string().data(), ev->get_string().size()};
  auto op = ops_by_name().find(name);
  if (op == ops_by_name().end()) {
    // Echo at most 64 bytes, never cutting a UTF-8 sequence in half.
    auto cut = std::min<std::size_t>(name.size(), 64);
    while (cut < name.size() && cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
      --cut;
    std::string shown{name.substr(0, cut)};
    return decode_error{conference_error::unknown_event, "Unknown event '" + shown + "'", shown};
  }
  static const json::object empty;
  const json::object* data = &empty;
  if (auto* d = obj.if_contains("data"); d && !d->is_null()) {
    if (!d->is_object())
      return decode_error{conference_error::invalid_payload, "'data' must be an object", std::string{name}};
    data = &d->get_object();
  }
  decoder dec{*data, limits, {}, {}};
  dec.cmd.op = op->second;
  if (!dec.run()) {
    dec.err.event = std::string{name};
    if (dec.err.message.empty())
      dec.err.message = text_of(dec.err.code);
    return std::move(dec.err);
  }
  return std::move(dec.cmd);
}

// -- rendering ----------------------------------------------------------------

namespace {

/// Builds `{"event":E,"data":{...}}` field by field.
class event_writer {
public:
  explicit event_writer(std::string_view event) { w_.str("event", event).object("data"); }
  event_writer& str(std::string_view key, std::string_view v) { w_.str(key, v); return *this; }
  /// User-supplied text: HTML-escaped unless the room delivers raw text.
  event_writer& text(std::string_view key, std::string_view v, bool html) { w_.text(key, v, html); return *this; }
  event_writer& raw(std::string_view key, std::string_view json_text) { w_.raw(key, json_text); return *this; }
  event_writer& boolean(std::string_view key, bool v) { w_.boolean(key, v); return *this; }
  event_writer& strings(std::string_view key, const std::vector<std::string>& v) { w_.strings(key, v); return *this; }
  json_writer& writer() { return w_; }
  wire_frame_ptr done() {
    w_.end_object();
    return make_text_frame(w_.done());
  }

private:
  json_writer w_;
};

} // namespace

wire_frame_ptr render_peers(const peers_view& v, bool html) {
  event_writer w{"peers"};
  w.str("yourId", v.your_id).strings("peers", v.peers).boolean("isHost", v.is_host).str("hostId", v.host_id);
  w.boolean("roomLocked", v.room_locked).boolean("chatEnabled", v.chat_enabled);
  auto& j = w.writer();
  j.array("participants");
  for (auto& p : v.participants) {
    j.begin_element_object().str("peerId", p.peer_id).text("username", p.username, html);
    j.boolean("isHost", p.is_host).boolean("isCoHost", p.is_co_host).boolean("handRaised", p.hand_raised);
    j.boolean("screenSharing", p.screen_sharing).end_object();
  }
  j.end_array();
  w.strings("raisedHands", v.raised_hands).strings("coHostIds", v.co_host_ids).str("resumeToken", v.resume_token);
  return w.done();
}

namespace {

/// `"messages":[...]` from chat-message bodies rendered earlier, as they are.
void write_messages(event_writer& w, const std::vector<const std::string*>& messages) {
  auto& j = w.writer();
  j.array("messages");
  for (auto* m : messages)
    j.element_raw(*m);
  j.end_array();
}

} // namespace

wire_frame_ptr render_chat_history(const std::vector<const std::string*>& messages) {
  event_writer w{"chat-history"};
  write_messages(w, messages);
  return w.done();
}

wire_frame_ptr render_chat_history_page(const std::vector<const std::string*>& messages, bool has_more) {
  event_writer w{"chat-history-page"};
  write_messages(w, messages);
  w.boolean("hasMore", has_more);
  return w.done();
}

std::uint64_t seq_of_message_id(std::string_view id) {
  if (id.substr(0, 4) != "msg_")
    return 0;
  id.remove_prefix(4);
  std::uint64_t seq = 0;
  std::size_t digits = 0;
  for (char c : id) {
    if (c < '0' || c > '9')
      break;
    if (++digits > 18)
      return 0;
    seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return digits > 0 && digits < id.size() && id[digits] == '_' ? seq : 0;
}

wire_frame_ptr render_peer_joined(std::string_view peer_id, std::string_view username, bool html) {
  return event_writer{"peer-joined"}.str("peerId", peer_id).text("username", username, html).done();
}

wire_frame_ptr render_peer_left(std::string_view peer_id) {
  return render_peer_event("peer-left", peer_id);
}

wire_frame_ptr render_relay(conference_op op, std::string_view from, std::string_view target,
                            std::string_view username, std::string_view raw_value, bool html) {
  event_writer w{event_name(op)};
  w.str("peerId", from).str("targetPeerId", target);
  if (!username.empty())
    w.text("username", username, html);
  w.raw(op == conference_op::candidate ? "candidate" : "sdp", raw_value);
  return w.done();
}

wire_frame_ptr render_empty(std::string_view event) {
  return event_writer{event}.done();
}

wire_frame_ptr render_raise_hand(std::string_view peer_id, std::string_view username, bool html) {
  return event_writer{"raise-hand"}.str("peerId", peer_id).text("username", username, html).done();
}

wire_frame_ptr render_peer_event(std::string_view event, std::string_view peer_id) {
  return event_writer{event}.str("peerId", peer_id).done();
}

wire_frame_ptr render_reaction(std::string_view peer_id, std::string_view emoji) {
  return event_writer{"reaction"}.str("peerId", peer_id).str("emoji", emoji).done();
}

std::string render_chat_body(std::string_view id, std::string_view username, std::string_view message,
                             std::int64_t timestamp_ms, std::string_view peer_id, bool html) {
  json_writer w;
  w.str("id", id).text("username", username, html).text("message", message, html).num("timestamp", timestamp_ms);
  return w.str("peerId", peer_id).done();
}

wire_frame_ptr render_chat_message(std::string_view body) {
  std::string out;
  out.reserve(40 + body.size());
  out += "{\"event\":\"chat-message\",\"data\":";
  out += body;
  out.push_back('}');
  return make_text_frame(out);
}

wire_frame_ptr render_mute(std::string_view target, std::string_view by) {
  return event_writer{"mute-participant"}.str("targetPeerId", target).str("peerId", by).done();
}

wire_frame_ptr render_promote(std::string_view target) {
  return event_writer{"promote-co-host"}.str("targetPeerId", target).done();
}

wire_frame_ptr render_host_changed(std::string_view host_id) {
  return event_writer{"host-changed"}.str("hostId", host_id).done();
}

wire_frame_ptr render_error(conference_error code, std::string_view message, std::string_view event,
                            std::string_view reason) {
  tally_client_error("conference", code_of(code));
  event_writer w{"error"};
  w.str("code", code_of(code)).str("message", message.empty() ? text_of(code) : message);
  if (!event.empty())
    w.str("event", event);
  if (!reason.empty())
    w.str("reason", reason);
  return w.done();
}

} // namespace roomcast
