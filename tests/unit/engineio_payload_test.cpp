#define CAF_SUITE engineio_payload

#include "gateway/engineio_payload.hpp"

#include <caf/test/unit_test.hpp>

#include <vector>

using namespace roomcast;

namespace {

std::vector<std::string> split(std::string_view body) {
  std::vector<std::string> out;
  for_each_eio_packet(body, [&](std::string_view p) {
    out.emplace_back(p);
    return true;
  });
  return out;
}

} // namespace

CAF_TEST(a polling body splits at the record separator) {
  auto packets = split("42[\"a\"]\x1e" "2\x1e" "bAQID");
  CAF_REQUIRE_EQUAL(packets.size(), 3u);
  CAF_CHECK_EQUAL(packets[0], "42[\"a\"]");
  CAF_CHECK_EQUAL(packets[2], "bAQID");
  CAF_CHECK_EQUAL(split("").size(), 1u); // one empty packet: refused by the session
}

CAF_TEST(splitting stops at the first refused packet) {
  int seen = 0;
  bool ok = for_each_eio_packet("1\x1e" "x\x1e" "3", [&](std::string_view p) {
    ++seen;
    return p != "x";
  });
  CAF_CHECK(!ok);
  CAF_CHECK_EQUAL(seen, 2);
}

CAF_TEST(base64 packets decode padded and refuse the malformed) {
  std::string out;
  CAF_CHECK(decode_eio_base64("AQID", out) && out == "\x01\x02\x03");
  CAF_CHECK(decode_eio_base64("AAEC/w==", out) && out.size() == 4u);
  CAF_CHECK(!decode_eio_base64("AQI", out));
  CAF_CHECK(!decode_eio_base64("QQ=Q", out));
}

CAF_TEST(a GET body joins text and base64 binary packets) {
  std::string body;
  append_eio_packet(body, *make_text_frame("42[\"a\"]"));
  append_eio_packet(body, *make_binary_frame(std::string("\x01\x02\x03", 3)));
  CAF_CHECK_EQUAL(body, "42[\"a\"]\x1e" "bAQID");
}
