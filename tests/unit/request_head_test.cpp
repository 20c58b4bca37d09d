#define CAF_SUITE request_head

#include "gateway/request_head.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/beast/http/field.hpp>

using namespace roomcast;
namespace http = boost::beast::http;

namespace {

request_header upgrade(std::string_view version, std::string_view key) {
  request_header h;
  h.method(http::verb::get);
  h.target("/ws?token=a");
  h.set(http::field::upgrade, "websocket");
  h.set(http::field::sec_websocket_version, version);
  h.set(http::field::sec_websocket_key, key);
  h.set("X-Custom-Name", "Value");
  return h;
}

} // namespace

CAF_TEST(the request keeps target and path and lower-cases header names) {
  auto r = to_http_request(upgrade("13", "dGhlIHNhbXBsZSBub25jZQ=="), "10.0.0.1");
  CAF_CHECK(r.method == http_method::get);
  CAF_CHECK_EQUAL(r.target, "/ws?token=a");
  CAF_CHECK_EQUAL(r.path, "/ws");
  CAF_CHECK_EQUAL(r.header("x-custom-name"), "Value");
  CAF_CHECK_EQUAL(r.remote_address, "10.0.0.1");
}

CAF_TEST(a version 13 upgrade with a well formed key passes) {
  CAF_CHECK(!check_ws_handshake(upgrade("13", "dGhlIHNhbXBsZSBub25jZQ==")));
}

CAF_TEST(another version gets 426 naming version 13) {
  auto refusal = check_ws_handshake(upgrade("8", "dGhlIHNhbXBsZSBub25jZQ=="));
  CAF_REQUIRE(refusal);
  CAF_CHECK_EQUAL(refusal->status, 426u);
  CAF_REQUIRE_EQUAL(refusal->headers.size(), 1u);
  CAF_CHECK_EQUAL(refusal->headers[0].second, "13");
}

CAF_TEST(a malformed key gets 400) {
  auto refusal = check_ws_handshake(upgrade("13", "short"));
  CAF_REQUIRE(refusal);
  CAF_CHECK_EQUAL(refusal->status, 400u);
}
