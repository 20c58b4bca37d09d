#define CAF_SUITE support_snapshot

#include "actors/support_snapshot.hpp"

#include <caf/test/unit_test.hpp>

using namespace roomcast;

CAF_TEST(a support snapshot survives encode and decode) {
  support_durable d;
  d.customer_name = "Zoë";
  d.unread = 3;
  d.last_message = R"({"m":1})";
  d.queued = {R"({"type":"staff_reply"})", "second"};
  auto back = decode_support_snapshot(encode_support_snapshot(d));
  CAF_REQUIRE(back);
  CAF_CHECK(*back == d);
}

CAF_TEST(a corrupt unread count is refused rather than thrown) {
  for (auto unread : {"-1", "1.5", "1e30", "\"3\""}) {
    std::string state = R"({"customerName":"a","unread":)";
    state += unread;
    state += R"(,"lastMessage":"","queued":[]})";
    CAF_CHECK(!decode_support_snapshot(state));
  }
  CAF_CHECK(decode_support_snapshot(R"({"customerName":"a","unread":2.0,"lastMessage":"","queued":[]})"));
}
