#define CAF_SUITE shop_stream_snapshot

#include "actors/shop_stream_snapshot.hpp"

#include <caf/test/unit_test.hpp>

using namespace roomcast;

CAF_TEST(a stream snapshot survives encode and decode) {
  shop_stream_durable d;
  d.active = true;
  d.stream_id = "s1";
  d.title = "Launch";
  d.pinned = R"([{"productId":"p"}])";
  d.liked_by = {"b", "a"};
  d.chat_from_seq = 7;
  auto back = decode_stream_snapshot(encode_stream_snapshot(d));
  CAF_REQUIRE(back);
  CAF_CHECK(*back == d);
}

CAF_TEST(a corrupt chat seq is refused rather than thrown) {
  for (auto seq : {"-1", "0.5", "1e30"}) {
    std::string state = R"({"isActive":false,"likedBy":[],"chatFromSeq":)";
    state += seq;
    state += "}";
    CAF_CHECK(!decode_stream_snapshot(state));
  }
}
