#include "dialects/shop_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <ctime>
#include <optional>
#include <unordered_map>

#include "wire/error_tally.hpp"
#include "wire/json_writer.hpp"
#include "wire/json_finite.hpp"
#include "wire/text.hpp"

namespace json = boost::json;

namespace roomcast {

namespace {

constexpr std::array<std::string_view, 20> error_texts{
  "",
  "Invalid message format",
  "No token, authorization denied",
  "Authentication failed",
  "Token required",
  "No active stream",
  "Not registered: send register or register_admin first",
  "This connection is already registered",
  "Unknown message type",
  "Invalid or missing field",
  "Message exceeds the size limit",
  "Too many messages; slow down",
  "Admin access required",
  "A stream is already live",
  "Send webrtc_register first",
  "No such peer",
  "peerId is already registered by another connection",
  "No such customer session",
  "Temporarily unavailable; try again",
  "Binary messages are not supported",
};

constexpr std::array<std::string_view, 16> type_names{
  "register", "register_admin", "ping", "toggle_like", "chat_message", "customer_message", "staff_message",
  "stream_start", "stream_stop", "pin_products", "webrtc_register", "webrtc_offer", "webrtc_answer",
  "webrtc_ice_candidate", "webrtc_broadcast_start", "webrtc_broadcast_stop",
};

constexpr std::size_t max_token_bytes = 8192;
constexpr std::size_t max_field_chars = 1000;
constexpr std::size_t max_products = 100;

const std::unordered_map<std::string_view, shop_op>& ops_by_name() {
  static const auto table = [] {
    std::unordered_map<std::string_view, shop_op> t;
    for (std::size_t i = 0; i < type_names.size(); ++i)
      t.emplace(type_names[i], static_cast<shop_op>(i));
    return t;
  }();
  return table;
}

std::string_view sv(const json::string& s) {
  return {s.data(), s.size()};
}

/// Reads the fields of one message into a command; `err` says what is wrong.
struct decoder {
  const json::object& obj;
  const shop_limits& limits;
  shop_command cmd;
  std::string err;

  bool fail(std::string message) {
    err = std::move(message);
    return false;
  }

  const json::value* field(std::string_view name) {
    auto* v = obj.if_contains(name);
    return v && !v->is_null() ? v : nullptr;
  }

  bool id(std::string_view name, std::string& out, bool required = true) {
    auto* v = field(name);
    if (!v)
      return required ? fail(std::string{name} + " is required") : true;
    if (!v->is_string() || !valid_shop_id(sv(v->get_string())))
      return fail(std::string{name} + " must be 1-128 of [A-Za-z0-9_.:-]");
    out = sv(v->get_string());
    return true;
  }

  bool text(std::string_view name, std::size_t max, bool multiline, std::string& out, bool required = true) {
    auto* v = field(name);
    if (!v)
      return required ? fail(std::string{name} + " is required") : true;
    if (!v->is_string())
      return fail(std::string{name} + " must be a string");
    if (!sanitize_text(sv(v->get_string()), max, multiline, out)) {
      if (!required && out.empty() && utf8_length(sv(v->get_string())) <= max)
        return true; // an optional field left blank
      return fail(std::string{name} + " must be 1-" + std::to_string(max) + " characters");
    }
    return true;
  }

  bool token(bool required) {
    auto* v = field("token");
    if (!v)
      return required ? fail(std::string{text_of(shop_error::token_required)}) : true;
    if (!v->is_string() || v->get_string().size() > max_token_bytes)
      return fail("token must be a string");
    cmd.token = sv(v->get_string());
    if (required && cmd.token.empty())
      return fail(std::string{text_of(shop_error::token_required)});
    return true;
  }

  bool relay(std::string_view name) {
    if (!id("to", cmd.to))
      return false;
    auto* v = field(name);
    if (!v || !(v->is_object() || v->is_string()) || !finite_json(*v))
      return fail(std::string{name} + " is required (object)");
    cmd.payload = json::serialize(*v);
    return true;
  }

  bool run() {
    switch (cmd.op) {
      case shop_op::register_customer: return id("sessionId", cmd.session_id) && token(false);
      case shop_op::register_admin: return token(true);
      case shop_op::chat_message:
        return text("message", limits.max_message_chars, true, cmd.text)
               && text("username", limits.max_username_chars, false, cmd.username, false);
      case shop_op::customer_message:
        return text("message", limits.max_message_chars, true, cmd.text)
               && text("customerName", limits.max_username_chars, false, cmd.customer_name, false);
      case shop_op::staff_message:
        return id("sessionId", cmd.session_id) && text("content", limits.max_message_chars, true, cmd.text);
      case shop_op::webrtc_register: return id("peerId", cmd.peer_id);
      case shop_op::webrtc_offer: return relay("offer");
      case shop_op::webrtc_answer: return relay("answer");
      case shop_op::webrtc_ice_candidate: return relay("candidate");
      case shop_op::stream_start: {
        auto e = decode_stream_info(json::serialize(obj), limits, cmd.stream);
        return e.empty() || fail(std::move(e));
      }
      case shop_op::pin_products: {
        auto* v = obj.if_contains("pinnedProducts");
        if (!v)
          v = obj.if_contains("products");
        if (!v)
          return fail("pinnedProducts is required");
        auto e = decode_pinned_products(json::serialize(*v), limits, cmd.payload);
        return e.empty() || fail(std::move(e));
      }
      default: return true; // ping, toggle_like, stream_stop, broadcast start/stop: identity is the connection's
    }
  }
};

std::optional<json::value> parse_json(std::string_view text) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  auto doc = json::parse(text, ec, {}, opts);
  if (ec)
    return std::nullopt;
  return doc;
}

} // namespace

std::string_view text_of(shop_error e) {
  return error_texts[static_cast<std::size_t>(e)];
}

std::string_view code_name(shop_error e) {
  static constexpr std::string_view names[] = {
    "none", "invalid_format", "no_token", "auth_failed", "token_required", "no_active_stream", "not_registered",
    "already_registered", "unknown_type", "invalid_payload", "message_too_large", "rate_limited", "admin_only",
    "stream_already_live", "webrtc_not_registered", "peer_not_found", "peer_id_in_use", "unknown_session",
    "unavailable", "unsupported_data"};
  static_assert(std::size(names) == static_cast<std::size_t>(shop_error::unsupported_data) + 1);
  auto i = static_cast<std::size_t>(e);
  return i < std::size(names) ? names[i] : "unknown";
}

std::string_view type_name(shop_op op) {
  return type_names[static_cast<std::size_t>(op)];
}

bool valid_shop_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.' || c == ':'))
      return false;
  return true;
}

shop_decode_result decode_shop(std::string_view text, const shop_limits& limits) {
  auto doc = parse_json(text);
  if (!doc || !doc->is_object())
    return shop_decode_error{shop_error::invalid_format, std::string{text_of(shop_error::invalid_format)}};
  auto& obj = doc->get_object();
  auto* type = obj.if_contains("type");
  if (!type || !type->is_string())
    return shop_decode_error{shop_error::invalid_format, "Invalid message format: type is required"};
  auto i = ops_by_name().find(sv(type->get_string()));
  if (i == ops_by_name().end()) {
    auto name = utf8_prefix(sv(type->get_string()), 64);
    return shop_decode_error{shop_error::unknown_type, "Unknown message type: " + std::string{name}};
  }
  decoder d{obj, limits, {}, {}};
  d.cmd.op = i->second;
  if (!d.run()) {
    auto code = d.err == text_of(shop_error::token_required) ? shop_error::token_required
                                                               : shop_error::invalid_payload;
    return shop_decode_error{code, std::move(d.err)};
  }
  return std::move(d.cmd);
}

std::string decode_stream_info(std::string_view json_text, const shop_limits& limits, stream_info& out) {
  auto doc = parse_json(json_text);
  if (!doc || !doc->is_object())
    return "the body must be a JSON object";
  decoder d{doc->get_object(), limits, {}, {}};
  stream_info s;
  if (!d.text("title", 200, false, s.title, false) || !d.text("description", max_field_chars, true, s.description, false)
      || !d.text("streamUrl", max_field_chars, false, s.stream_url, false)
      || !d.text("quality", 32, false, s.quality, false))
    return d.err;
  if (s.quality.empty())
    s.quality = "720p";
  out = std::move(s);
  return {};
}

std::string decode_pinned_products(std::string_view json_text, const shop_limits& limits, std::string& out) {
  auto doc = parse_json(json_text);
  if (doc && doc->is_object())
    if (auto* p = doc->get_object().if_contains("pinnedProducts"))
      doc = *p;
  if (!doc || !doc->is_array())
    return "pinnedProducts must be an array of {productId, name, price, image, displayOrder}";
  auto& arr = doc->get_array();
  if (arr.size() > max_products)
    return "at most " + std::to_string(max_products) + " pinned products";
  std::string r = "[";
  for (std::size_t n = 0; n < arr.size(); ++n) {
    if (!arr[n].is_object())
      return "pinnedProducts[" + std::to_string(n) + "] must be an object";
    decoder d{arr[n].get_object(), limits, {}, {}};
    std::string product_id, name, image;
    if (!d.text("productId", 128, false, product_id) || !d.text("name", 200, false, name)
        || !d.text("image", max_field_chars, false, image, false))
      return "pinnedProducts[" + std::to_string(n) + "]: " + d.err;
    auto* price = d.field("price");
    // 1e999 parses as infinity, which has no JSON form: refused like a negative.
    if (!price || !price->is_number() || price->to_number<double>() < 0 || !std::isfinite(price->to_number<double>()))
      return "pinnedProducts[" + std::to_string(n) + "]: price must be a number >= 0";
    std::int64_t order = static_cast<std::int64_t>(n + 1);
    if (auto* o = d.field("displayOrder")) {
      if (!o->is_int64())
        return "pinnedProducts[" + std::to_string(n) + "]: displayOrder must be an integer";
      order = o->get_int64();
    }
    json_writer w;
    w.text("productId", product_id, limits.escape_html).text("name", name, limits.escape_html);
    // The shortest form that reads back the same (49.99, not 49.990000000000002).
    char price_text[32];
    auto [end, ec] = std::to_chars(price_text, price_text + sizeof price_text, price->to_number<double>());
    w.raw("price", std::string_view(price_text, static_cast<std::size_t>(end - price_text)));
    w.text("image", image, limits.escape_html).num("displayOrder", order);
    if (n)
      r += ',';
    r += w.done();
  }
  out = r + "]";
  return {};
}

// -- renderers ----------------------------------------------------------------

namespace {

wire_frame_ptr frame(json_writer& w) {
  return make_text_frame(w.done());
}

json_writer typed(std::string_view type) {
  json_writer w;
  w.str("type", type);
  return w;
}

} // namespace

wire_frame_ptr render_registered(std::string_view session_id) {
  auto w = typed("registered");
  w.str("sessionId", session_id).str("status", "connected");
  return frame(w);
}

wire_frame_ptr render_admin_registered(std::string_view user_id) {
  auto w = typed("admin_registered");
  w.str("userId", user_id).str("status", "connected");
  return frame(w);
}

std::string render_stream_data(const stream_view& v, bool with_state) {
  json_writer w;
  if (with_state)
    w.boolean("isActive", v.active);
  if (v.stream_id.empty())
    w.null("streamId");
  else
    w.str("streamId", v.stream_id);
  w.str("title", v.title).str("description", v.description);
  if (v.start_time.empty())
    w.null("startTime");
  else
    w.str("startTime", v.start_time);
  w.unum("viewerCount", v.viewer_count);
  static const std::vector<std::string> none;
  auto& liked = v.liked_by ? *v.liked_by : none;
  w.unum("likes", liked.size()).strings("likedBy", liked);
  w.str("streamUrl", v.stream_url).str("quality", v.quality);
  w.raw("pinnedProducts", v.pinned_json);
  return w.done();
}

wire_frame_ptr render_stream_started(const stream_view& v) {
  auto w = typed("stream_started");
  w.raw("streamData", render_stream_data(v, false));
  return frame(w);
}

wire_frame_ptr render_stream_stopped(std::string_view stream_id) {
  auto w = typed("stream_stopped");
  w.str("streamId", stream_id);
  return frame(w);
}

wire_frame_ptr render_stream_update(std::size_t viewers, const std::vector<std::string>& liked_by) {
  auto w = typed("stream_update");
  w.unum("viewerCount", viewers).unum("likes", liked_by.size()).strings("likedBy", liked_by);
  return frame(w);
}

std::string render_shop_chat_body(std::string_view username, std::string_view message, bool is_admin,
                             std::string_view timestamp, bool html) {
  json_writer w;
  w.text("username", username, html).text("message", message, html).boolean("isAdmin", is_admin);
  w.str("timestamp", timestamp);
  return w.done();
}

wire_frame_ptr render_shop_chat(std::string_view body) {
  // The body is an object: the frame is the same object with `type` first.
  std::string out = R"({"type":"chat_message",)";
  out.append(body.substr(1));
  return make_text_frame(out);
}

wire_frame_ptr render_shop_chat_history(const std::vector<const std::string*>& bodies) {
  auto w = typed("chat_history");
  w.array("messages");
  for (auto* b : bodies)
    w.element_raw(*b);
  w.end_array();
  return frame(w);
}

wire_frame_ptr render_pinned_products(std::string_view products_json) {
  auto w = typed("pinned_products_updated");
  w.raw("pinnedProducts", products_json);
  return frame(w);
}

std::string render_support_entry(std::uint64_t seq, std::string_view sender, std::string_view message,
                                 std::string_view customer_name, std::string_view timestamp, bool html) {
  json_writer w;
  w.unum("id", seq).str("sender", sender).text("message", message, html);
  if (!customer_name.empty())
    w.text("customerName", customer_name, html);
  w.str("timestamp", timestamp);
  return w.done();
}

wire_frame_ptr render_customer_message(std::string_view session_id, std::string_view message,
                                       std::string_view customer_name, std::string_view timestamp, bool html) {
  auto w = typed("customer_message");
  w.str("sessionId", session_id).text("message", message, html).text("customerName", customer_name, html);
  w.str("timestamp", timestamp);
  return frame(w);
}

wire_frame_ptr render_staff_reply(std::string_view message, std::string_view timestamp, bool html) {
  auto w = typed("staff_reply");
  w.text("message", message, html).str("timestamp", timestamp);
  return frame(w);
}

wire_frame_ptr render_webrtc_registered(std::string_view peer_id, std::string_view user_type) {
  auto w = typed("webrtc_registered");
  w.str("peerId", peer_id).str("userType", user_type);
  return frame(w);
}

wire_frame_ptr render_webrtc_relay(shop_op op, std::string_view from, std::string_view to, std::string_view raw) {
  auto w = typed(type_name(op));
  w.str("from", from).str("to", to);
  w.raw(op == shop_op::webrtc_offer ? "offer" : op == shop_op::webrtc_answer ? "answer" : "candidate", raw);
  return frame(w);
}

wire_frame_ptr render_broadcaster(std::string_view type, std::string_view broadcaster) {
  auto w = typed(type);
  w.str("broadcaster", broadcaster);
  return frame(w);
}

wire_frame_ptr render_new_customer(std::string_view customer_id) {
  auto w = typed("webrtc_new_customer");
  w.str("customerId", customer_id);
  return frame(w);
}

wire_frame_ptr render_pong() {
  static const auto pong = make_text_frame(R"({"type":"pong"})");
  return pong;
}

wire_frame_ptr render_shop_error(shop_error code, std::string_view message) {
  tally_client_error("shop", code_name(code));
  auto w = typed("error");
  w.str("message", message.empty() ? text_of(code) : message);
  return frame(w);
}

} // namespace roomcast
