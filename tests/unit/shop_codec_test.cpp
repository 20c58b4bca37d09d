#define CAF_SUITE shop_codec

#include "dialects/shop_codec.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/json/parse.hpp>

#include <deque>

using namespace roomcast;

namespace {

const shop_limits limits{20, 10, true};

shop_command ok(std::string_view text) {
  auto r = decode_shop(text, limits);
  if (auto* e = std::get_if<shop_decode_error>(&r))
    CAF_FAIL("refused: " << e->message);
  return std::get<shop_command>(r);
}

shop_decode_error refused(std::string_view text) {
  auto r = decode_shop(text, limits);
  if (!std::holds_alternative<shop_decode_error>(r))
    CAF_FAIL("accepted: " << text);
  return std::get<shop_decode_error>(r);
}

/// Parsed and kept alive: CAF's check macros hold references to operands.
const boost::json::value& json_of(const wire_frame_ptr& f) {
  static std::deque<boost::json::value> arena;
  return arena.emplace_back(boost::json::parse(f->payload()));
}

/// A copy: CAF's check macros hold references to their operands.
std::string text(const wire_frame_ptr& f) {
  return std::string{f->payload()};
}

} // namespace

CAF_TEST(bad json and non objects are an invalid message format) {
  for (auto text : {"{", "[]", "42", "\"x\"", "{\"type\":7}", "{}"})
    CAF_CHECK_EQUAL(refused(text).code, shop_error::invalid_format);
  CAF_CHECK_EQUAL(refused("{").message, "Invalid message format");
  CAF_CHECK_EQUAL(json_of(render_shop_error(shop_error::invalid_format)).at("message").as_string(),
                  "Invalid message format");
}

CAF_TEST(unknown types are named in the error) {
  auto e = refused(R"({"type":"teleport"})");
  CAF_CHECK_EQUAL(e.code, shop_error::unknown_type);
  CAF_CHECK_EQUAL(e.message, "Unknown message type: teleport");
}

CAF_TEST(an unknown type echoed in the error is cut on a character boundary) {
  std::string name = "a";
  for (int i = 0; i < 40; ++i)
    name += "\xC3\x9F"; // ß: the 64th byte is the first half of one
  auto e = refused(R"({"type":")" + name + R"("})");
  CAF_CHECK_EQUAL(e.code, shop_error::unknown_type);
  CAF_CHECK_EQUAL(e.message, "Unknown message type: " + name.substr(0, 63));
}

CAF_TEST(a pinned price too large for a double is refused) {
  std::string out;
  shop_limits limits;
  auto error = decode_pinned_products(R"([{"productId":"p","name":"n","price":1e999}])", limits, out);
  CAF_CHECK(!error.empty());
  CAF_CHECK(decode_pinned_products(R"([{"productId":"p","name":"n","price":1e300}])", limits, out).empty());
}

CAF_TEST(register takes a sessionId and an optional token) {
  auto c = ok(R"({"type":"register","sessionId":"sess-uuid-12345","token":"abc"})");
  CAF_CHECK_EQUAL(c.op, shop_op::register_customer);
  CAF_CHECK_EQUAL(c.session_id, "sess-uuid-12345");
  CAF_CHECK_EQUAL(c.token, "abc");
  CAF_CHECK(ok(R"({"type":"register","sessionId":"s1"})").token.empty());
  CAF_CHECK_EQUAL(refused(R"({"type":"register"})").code, shop_error::invalid_payload);
  CAF_CHECK_EQUAL(refused(R"({"type":"register","sessionId":"a b"})").code, shop_error::invalid_payload);
}

CAF_TEST(register_admin without a token is token required) {
  auto e = refused(R"({"type":"register_admin","userId":"admin-user-id"})");
  CAF_CHECK_EQUAL(e.code, shop_error::token_required);
  CAF_CHECK_EQUAL(e.message, "Token required");
  CAF_CHECK_EQUAL(refused(R"({"type":"register_admin","token":""})").message, "Token required");
}

CAF_TEST(identity claims in payloads never reach the command) {
  auto c = ok(R"({"type":"chat_message","username":"Bob","message":"hi","isAdmin":true,"auth_admin":true})");
  CAF_CHECK(!c.auth_admin);
  CAF_CHECK(c.auth_subject.empty());
  CAF_CHECK_EQUAL(c.username, "Bob");
  auto like = ok(R"({"type":"toggle_like","userId":"u1","sessionId":"s"})");
  CAF_CHECK(like.session_id.empty());
  auto relay = ok(R"({"type":"webrtc_offer","from":"someone","to":"p2","offer":{"type":"offer","sdp":"v=0"}})");
  CAF_CHECK(relay.peer_id.empty());
  CAF_CHECK_EQUAL(relay.to, "p2");
  CAF_CHECK_EQUAL(relay.payload, R"({"type":"offer","sdp":"v=0"})");
}

CAF_TEST(chat and support text is sanitized and limited) {
  CAF_CHECK_EQUAL(ok(R"({"type":"chat_message","message":"  hi\u0007 "})").text, "hi");
  CAF_CHECK_EQUAL(refused(R"({"type":"chat_message","message":""})").code, shop_error::invalid_payload);
  CAF_CHECK_EQUAL(refused(R"({"type":"chat_message","message":"123456789012345678901"})").code,
                  shop_error::invalid_payload);
  CAF_CHECK_EQUAL(refused(R"({"type":"chat_message","message":"ok","username":"12345678901"})").code,
                  shop_error::invalid_payload);
  CAF_CHECK(ok(R"({"type":"chat_message","message":"ok","username":""})").username.empty());
  auto s = ok(R"({"type":"staff_message","sessionId":"s1","content":"On it"})");
  CAF_CHECK_EQUAL(s.text, "On it");
  CAF_CHECK_EQUAL(refused(R"({"type":"staff_message","content":"x"})").code, shop_error::invalid_payload);
  CAF_CHECK_EQUAL(ok(R"({"type":"customer_message","message":"help","customerName":"Carol"})").customer_name,
                  "Carol");
}

CAF_TEST(relays need a target and an object payload) {
  CAF_CHECK_EQUAL(refused(R"({"type":"webrtc_answer","answer":{}})").code, shop_error::invalid_payload);
  CAF_CHECK_EQUAL(refused(R"({"type":"webrtc_ice_candidate","to":"p","candidate":5})").code,
                  shop_error::invalid_payload);
  CAF_CHECK_EQUAL(ok(R"({"type":"webrtc_ice_candidate","to":"p","candidate":{"candidate":"c"}})").op,
                  shop_op::webrtc_ice_candidate);
}

CAF_TEST(pinned products are validated and rendered canonically and escaped) {
  std::string out;
  CAF_CHECK_EQUAL(decode_pinned_products(
                    R"([{"productId":"p1","name":"<Serum>","price":49.99,"image":"/a.jpg","displayOrder":2,"x":1}])",
                    limits, out),
                  "");
  CAF_CHECK_EQUAL(out, R"([{"productId":"p1","name":"&lt;Serum&gt;","price":49.99,"image":"/a.jpg","displayOrder":2}])");
  CAF_CHECK_EQUAL(decode_pinned_products(R"({"pinnedProducts":[]})", limits, out), "");
  CAF_CHECK_EQUAL(out, "[]");
  CAF_CHECK_NOT_EQUAL(decode_pinned_products(R"([{"productId":"p1","name":"n","price":"9"}])", limits, out), "");
  CAF_CHECK_NOT_EQUAL(decode_pinned_products(R"({"a":1})", limits, out), "");
  auto c = ok(R"({"type":"pin_products","pinnedProducts":[{"productId":"p","name":"n","price":1}]})");
  CAF_CHECK_EQUAL(c.payload, R"([{"productId":"p","name":"n","price":1,"image":"","displayOrder":1}])");
}

CAF_TEST(stream start fields default the quality) {
  stream_info s;
  CAF_CHECK_EQUAL(decode_stream_info(R"({"title":"Launch","streamUrl":"http://x"})", limits, s), "");
  CAF_CHECK_EQUAL(s.title, "Launch");
  CAF_CHECK_EQUAL(s.quality, "720p");
  CAF_CHECK_NOT_EQUAL(decode_stream_info(R"({"title":5})", limits, s), "");
  CAF_CHECK_NOT_EQUAL(decode_stream_info("[]", limits, s), "");
}

CAF_TEST(renderers produce the shapes of the contract) {
  CAF_CHECK_EQUAL(text(render_registered("s1")), R"({"type":"registered","sessionId":"s1","status":"connected"})");
  CAF_CHECK_EQUAL(text(render_admin_registered("u1")),
                  R"({"type":"admin_registered","userId":"u1","status":"connected"})");
  std::vector<std::string> liked{"user123", "session456"};
  CAF_CHECK_EQUAL(text(render_stream_update(250, liked)),
                  R"({"type":"stream_update","viewerCount":250,"likes":2,"likedBy":["user123","session456"]})");
  auto body = render_shop_chat_body("<b>", "hi & bye", true, "2024-02-01T18:05:00.000Z", true);
  CAF_CHECK_EQUAL(text(render_shop_chat(body)),
                  R"({"type":"chat_message","username":"&lt;b&gt;","message":"hi &amp; bye","isAdmin":true,)"
                  R"("timestamp":"2024-02-01T18:05:00.000Z"})");
  CAF_CHECK_EQUAL(text(render_shop_chat_history({&body})), R"({"type":"chat_history","messages":[)" + body + "]}");
  CAF_CHECK_EQUAL(text(render_webrtc_relay(shop_op::webrtc_answer, "a", "b", R"({"sdp":"x"})")),
                  R"({"type":"webrtc_answer","from":"a","to":"b","answer":{"sdp":"x"}})");
  CAF_CHECK_EQUAL(text(render_broadcaster("webrtc_broadcaster_available", "p")),
                  R"({"type":"webrtc_broadcaster_available","broadcaster":"p"})");
  CAF_CHECK_EQUAL(text(render_new_customer("c")), R"({"type":"webrtc_new_customer","customerId":"c"})");
  CAF_CHECK_EQUAL(text(render_pong()), R"({"type":"pong"})");
  stream_view v;
  v.active = true;
  v.stream_id = "507f";
  v.title = "T";
  v.start_time = "2024-02-01T18:00:00.000Z";
  v.quality = "1080p";
  auto data = boost::json::parse(render_stream_data(v, false));
  auto with_state = boost::json::parse(render_stream_data(v, true));
  CAF_CHECK_EQUAL(data.at("likes").as_int64(), 0);
  CAF_CHECK(data.at("likedBy").as_array().empty());
  CAF_CHECK(!data.as_object().contains("isActive"));
  CAF_CHECK(with_state.at("isActive").as_bool());
}

CAF_TEST(timestamps are ISO 8601 with milliseconds in UTC) {
  CAF_CHECK_EQUAL(iso_time(1706810400000), "2024-02-01T18:00:00.000Z");
  CAF_CHECK_EQUAL(iso_time(1706810400123), "2024-02-01T18:00:00.123Z");
}
