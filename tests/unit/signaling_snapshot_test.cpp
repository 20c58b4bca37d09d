#define CAF_SUITE signaling_snapshot

#include "actors/signaling_snapshot.hpp"

#include <caf/test/unit_test.hpp>

using namespace roomcast;

CAF_TEST(a snapshot round trips) {
  signaling_settings s{"host-1", 7, "e2ee", 1700000000123};
  auto back = decode_signaling_snapshot(signaling_settings::current_version, encode_signaling_snapshot(s));
  CAF_REQUIRE(back.has_value());
  CAF_CHECK(*back == s);
}

CAF_TEST(an unknown version or broken state is refused) {
  signaling_settings s;
  CAF_CHECK(!decode_signaling_snapshot(99, encode_signaling_snapshot(s)));
  CAF_CHECK(!decode_signaling_snapshot(signaling_settings::current_version, "{not json"));
  CAF_CHECK(!decode_signaling_snapshot(signaling_settings::current_version, "[]"));
  CAF_CHECK(!decode_signaling_snapshot(signaling_settings::current_version,
                                       R"({"hostPeerId":"h","maxParticipants":-1,"encryption":"none","createdAt":1})"));
  CAF_CHECK(!decode_signaling_snapshot(signaling_settings::current_version,
                                       R"({"hostPeerId":"h","maxParticipants":3,"encryption":"rot13","createdAt":1})"));
}
