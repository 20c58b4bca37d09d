// The shop codec (protocols/shop.md) under hostile frames and REST bodies.
// Invariants: a command re-encoded as a client would send it decodes to the
// same command (pinned products and stream fields are canonical: decoding
// their rendering gives the same rendering); ids and limits hold; identity
// never comes from the frame; every render and error is valid UTF-8 JSON.

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

#include "dialects/shop_codec.hpp"
#include "fuzz/fuzz_check.hpp"
#include "wire/text.hpp"

using namespace roomcast;
namespace json = boost::json;

namespace {

/// Equal JSON, numbers within a relative 1e-15: Boost.JSON 1.81 parses some
/// long decimals an ulp off, so a price read back from its own shortest
/// rendering may differ in the last digit (harmless: clients parse exactly).
bool near_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::abs(x - y) <= 1e-15 * std::max(std::abs(x), std::abs(y));
  }
  if (a.kind() != b.kind())
    return false;
  if (a.is_array()) {
    auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size())
      return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!near_equal(p[i], q[i]))
        return false;
    return true;
  }
  if (a.is_object()) {
    auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size())
      return false;
    for (auto& [k, v] : p)
      if (!q.contains(k) || !near_equal(v, q.at(k)))
        return false;
    return true;
  }
  return a == b;
}

bool same_products(std::string_view a, std::string_view b) {
  auto x = fuzz::parse_json(a), y = fuzz::parse_json(b);
  return x && y && near_equal(*x, *y);
}

const char* relay_field(shop_op op) {
  return op == shop_op::webrtc_offer ? "offer" : op == shop_op::webrtc_answer ? "answer" : "candidate";
}

std::string reencode(const shop_command& c) {
  json::object m;
  m["type"] = type_name(c.op);
  auto opt = [&](const char* key, const std::string& v) {
    if (!v.empty())
      m[key] = v;
  };
  switch (c.op) {
    case shop_op::register_customer:
      m["sessionId"] = c.session_id;
      opt("token", c.token);
      break;
    case shop_op::register_admin: m["token"] = c.token; break;
    case shop_op::chat_message:
      m["message"] = c.text;
      opt("username", c.username);
      break;
    case shop_op::customer_message:
      m["message"] = c.text;
      opt("customerName", c.customer_name);
      break;
    case shop_op::staff_message:
      m["sessionId"] = c.session_id;
      m["content"] = c.text;
      break;
    case shop_op::webrtc_register: m["peerId"] = c.peer_id; break;
    case shop_op::webrtc_offer:
    case shop_op::webrtc_answer:
    case shop_op::webrtc_ice_candidate:
      m["to"] = c.to;
      m[relay_field(c.op)] = json::parse(c.payload);
      break;
    case shop_op::stream_start:
      opt("title", c.stream.title);
      opt("description", c.stream.description);
      opt("streamUrl", c.stream.stream_url);
      m["quality"] = c.stream.quality;
      break;
    case shop_op::pin_products: m["pinnedProducts"] = json::parse(c.payload); break;
    default: break;
  }
  return json::serialize(m);
}

void check_command(const shop_command& c, const shop_limits& limits) {
  FUZZ_CHECK(c.auth_subject.empty() && c.auth_name.empty() && !c.auth_admin);
  for (auto* id : {&c.session_id, &c.peer_id, &c.to})
    FUZZ_CHECK(id->empty() || valid_shop_id(*id));
  FUZZ_CHECK(utf8_length(c.text) <= limits.max_message_chars);
  FUZZ_CHECK(utf8_length(c.username) <= limits.max_username_chars);
  FUZZ_CHECK(utf8_length(c.customer_name) <= limits.max_username_chars);
  if (c.op == shop_op::register_admin)
    FUZZ_CHECK(!c.token.empty());

  auto again = decode_shop(reencode(c), limits);
  auto* same = std::get_if<shop_command>(&again);
  FUZZ_CHECK(same);
  if (!c.payload.empty()) { // pinned products and relayed SDP/ICE: JSON read back
    FUZZ_CHECK(same_products(same->payload, c.payload));
    auto copy = *same;
    copy.payload = c.payload;
    FUZZ_CHECK(copy == c);
  } else {
    FUZZ_CHECK(*same == c);
  }

  switch (c.op) {
    case shop_op::chat_message:
      for (bool html : {false, true}) {
        auto body = render_shop_chat_body(c.username, c.text, false, "2024-01-01T00:00:00.000Z", html);
        auto o = fuzz::parse_frame_object(body);
        if (!html)
          FUZZ_CHECK(fuzz::member_string(o, "message") == c.text);
        fuzz::parse_frame_object(render_shop_chat(body)->payload());
      }
      break;
    case shop_op::customer_message:
      for (bool html : {false, true})
        fuzz::parse_frame_object(
          render_customer_message("s1", c.text, c.customer_name, "2024-01-01T00:00:00.000Z", html)->payload());
      break;
    case shop_op::staff_message:
      fuzz::parse_frame_object(render_staff_reply(c.text, "2024-01-01T00:00:00.000Z", true)->payload());
      break;
    case shop_op::webrtc_offer:
    case shop_op::webrtc_answer:
    case shop_op::webrtc_ice_candidate: {
      auto o = fuzz::parse_frame_object(render_webrtc_relay(c.op, "from", c.to, c.payload)->payload());
      FUZZ_CHECK(o.at(relay_field(c.op)) == json::parse(c.payload));
      break;
    }
    case shop_op::pin_products: {
      auto v = fuzz::parse_json(c.payload);
      FUZZ_CHECK(v && v->is_array());
      fuzz::parse_frame_object(render_pinned_products(c.payload)->payload());
      break;
    }
    case shop_op::stream_start: {
      stream_view v;
      v.active = true;
      v.stream_id = "s";
      v.title = c.stream.title;
      v.description = c.stream.description;
      v.stream_url = c.stream.stream_url;
      v.quality = c.stream.quality;
      fuzz::parse_frame_object(render_stream_started(v)->payload());
      break;
    }
    default: break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  shop_limits limits;
  limits.max_message_chars = 64; // small, so the limits are reached
  limits.max_username_chars = 16;
  limits.escape_html = false;    // raw, so re-decoding is an identity
  bool utf8 = fuzz::reference_utf8(text);
  auto result = decode_shop(text, limits);
  if (auto* err = std::get_if<shop_decode_error>(&result)) {
    if (utf8)
      fuzz::parse_frame_object(render_shop_error(err->code, err->message)->payload());
  } else {
    FUZZ_CHECK(utf8);
    check_command(std::get<shop_command>(result), limits);
  }
  // The REST bodies take the same validators.
  std::string pinned;
  if (decode_pinned_products(text, limits, pinned).empty()) {
    std::string again;
    FUZZ_CHECK(decode_pinned_products(pinned, limits, again).empty() && same_products(again, pinned));
    limits.escape_html = true;
    FUZZ_CHECK(decode_pinned_products(text, limits, again).empty());
    fuzz::parse_frame_object(render_pinned_products(again)->payload());
  }
  return 0;
}
