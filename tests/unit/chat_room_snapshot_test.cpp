#define CAF_SUITE chat_room_snapshot

#include "actors/chat_room_snapshot.hpp"

#include <caf/test/unit_test.hpp>

using namespace roomcast;

CAF_TEST(a chat room snapshot survives encode and decode) {
  chat_room_durable d{1700000000000, {"u1", "u2"}};
  auto back = decode_chat_room_snapshot(encode_chat_room_snapshot(d));
  CAF_REQUIRE(back);
  CAF_CHECK(*back == d);
}

CAF_TEST(a chat room snapshot of another shape is refused) {
  CAF_CHECK(!decode_chat_room_snapshot("[]"));
  CAF_CHECK(!decode_chat_room_snapshot(R"({"createdAt":1.5,"members":[]})"));
  CAF_CHECK(!decode_chat_room_snapshot(R"({"createdAt":1,"members":{}})"));
  auto d = decode_chat_room_snapshot(R"({"createdAt":1,"members":["a",2,"a"]})");
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->known_users.size(), 1u); // non-strings skipped, duplicates once
}
