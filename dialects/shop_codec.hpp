#pragma once
// The shop dialect (protocols/shop.md): `{type, ...}` text frame -> typed
// command or typed error; typed event -> frame, rendered once. No sockets,
// no actors.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "wire/time_format.hpp"
#include "wire/wire_frame.hpp"

namespace roomcast {

/// Every client-facing shop error, in one catalogue. The texts of the first
/// entries are the contract's own.
enum class shop_error : std::uint8_t {
  none,
  invalid_format,      ///< "Invalid message format"
  no_token,            ///< "No token, authorization denied"
  auth_failed,         ///< "Authentication failed"
  token_required,      ///< "Token required"
  no_active_stream,    ///< "No active stream"
  not_registered,
  already_registered,
  unknown_type,
  invalid_payload,
  message_too_large,
  rate_limited,
  admin_only,
  stream_already_live,
  webrtc_not_registered,
  peer_not_found,
  peer_id_in_use,
  unknown_session,
  unavailable,
  unsupported_data,
};

/// The default text of an error (the contract's words where it has them).
std::string_view text_of(shop_error e);
/// The error's name for operators (metrics): "rate_limited", ...
std::string_view code_name(shop_error e);

inline std::string to_string(shop_error e) {
  return std::string{text_of(e)};
}

/// One operation per client message type.
enum class shop_op : std::uint8_t {
  register_customer,
  register_admin,
  ping,
  toggle_like,
  chat_message,
  customer_message,
  staff_message,
  stream_start,
  stream_stop,
  pin_products,
  webrtc_register,
  webrtc_offer,
  webrtc_answer,
  webrtc_ice_candidate,
  webrtc_broadcast_start,
  webrtc_broadcast_stop,
};

std::string_view type_name(shop_op op);

inline std::string to_string(shop_op op) {
  return std::string{type_name(op)};
}

/// stream_start's fields (REST body or WebSocket message).
struct stream_info {
  std::string title;
  std::string description;
  std::string stream_url;
  std::string quality = "720p";

  friend bool operator==(const stream_info&, const stream_info&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_info& x) {
  return f(caf::meta::type_name("stream_info"), x.title, x.description, x.stream_url, x.quality);
}

/// A validated client command. Identity never comes from here: the codec
/// drops userId/isAdmin/from a client sends; the endpoint fills the `auth_`
/// fields from a verified token only.
struct shop_command {
  shop_op op = shop_op::ping;
  std::string session_id; ///< register, staff_message
  std::string token;      ///< register (optional), register_admin (required)
  std::string username;   ///< chat_message: the display name a customer asked for (sanitized)
  std::string text;       ///< chat / customer message / staff content (sanitized)
  std::string customer_name; ///< customer_message (optional, sanitized)
  std::string peer_id;    ///< webrtc_register
  std::string to;         ///< relays: the target peer
  std::string payload;    ///< relays: offer / answer / candidate as raw JSON; pin_products: the products array
  stream_info stream;     ///< stream_start
  // Set by the endpoint after verifying `token`; never by the codec.
  std::string auth_subject;
  std::string auth_name;
  bool auth_admin = false;

  friend bool operator==(const shop_command&, const shop_command&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shop_command& x) {
  return f(caf::meta::type_name("shop_command"), x.op, x.session_id, x.token, x.username, x.text, x.customer_name,
           x.peer_id, x.to, x.payload, x.stream, x.auth_subject, x.auth_name, x.auth_admin);
}

struct shop_limits {
  std::size_t max_message_chars = 500;
  std::size_t max_username_chars = 64;
  bool escape_html = true; ///< pinned product names and stream texts are escaped once, here
};

struct shop_decode_error {
  shop_error code;
  std::string message;
};

using shop_decode_result = std::variant<shop_command, shop_decode_error>;

/// Parses and validates one text frame.
shop_decode_result decode_shop(std::string_view text, const shop_limits& limits);

/// stream_start fields from a JSON object text (the REST body); error text or empty.
std::string decode_stream_info(std::string_view json_text, const shop_limits& limits, stream_info& out);

/// A pinned-products array (JSON text of `[{productId, name, price, image,
/// displayOrder}]`, or `{pinnedProducts: [...]}`) validated and re-rendered
/// canonically into `out`; error text or empty.
std::string decode_pinned_products(std::string_view json_text, const shop_limits& limits, std::string& out);

/// sessionId / peerId shape: 1-128 of [A-Za-z0-9_.:-].
bool valid_shop_id(std::string_view id);


// -- renderers: one per server message ----------------------------------------

/// The public stream state, as the stream actor holds it.
struct stream_view {
  bool active = false;
  std::string stream_id;
  std::string title;
  std::string description;
  std::string start_time;
  std::size_t viewer_count = 0;
  const std::vector<std::string>* liked_by = nullptr;
  std::string stream_url;
  std::string quality;
  std::string pinned_json = "[]";
};

wire_frame_ptr render_registered(std::string_view session_id);
wire_frame_ptr render_admin_registered(std::string_view user_id);
/// streamData's object (also GET /api/stream's body with `withState`).
std::string render_stream_data(const stream_view& v, bool with_state);
wire_frame_ptr render_stream_started(const stream_view& v);
wire_frame_ptr render_stream_stopped(std::string_view stream_id);
wire_frame_ptr render_stream_update(std::size_t viewers, const std::vector<std::string>& liked_by);
/// One chat entry `{username, message, isAdmin, timestamp}`, kept as-is in history.
std::string render_shop_chat_body(std::string_view username, std::string_view message, bool is_admin,
                             std::string_view timestamp, bool html);
wire_frame_ptr render_shop_chat(std::string_view body);
wire_frame_ptr render_shop_chat_history(const std::vector<const std::string*>& bodies);
wire_frame_ptr render_pinned_products(std::string_view products_json);
/// A support-thread entry as stored: `{id, sender, message, customerName?, timestamp}`.
std::string render_support_entry(std::uint64_t seq, std::string_view sender, std::string_view message,
                                 std::string_view customer_name, std::string_view timestamp, bool html);
wire_frame_ptr render_customer_message(std::string_view session_id, std::string_view message,
                                       std::string_view customer_name, std::string_view timestamp, bool html);
wire_frame_ptr render_staff_reply(std::string_view message, std::string_view timestamp, bool html);
wire_frame_ptr render_webrtc_registered(std::string_view peer_id, std::string_view user_type);
/// offer / answer / ice_candidate with the sender's registered peer as `from`.
wire_frame_ptr render_webrtc_relay(shop_op op, std::string_view from, std::string_view to, std::string_view raw);
wire_frame_ptr render_broadcaster(std::string_view type, std::string_view broadcaster);
wire_frame_ptr render_new_customer(std::string_view customer_id);
wire_frame_ptr render_pong();
wire_frame_ptr render_shop_error(shop_error code, std::string_view message = {});

} // namespace roomcast
