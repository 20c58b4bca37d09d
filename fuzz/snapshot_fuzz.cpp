// The decoders of durable state (the JSON snapshots rooms keep in SQLite) fed
// corrupt or foreign documents, as after a bad disk or a downgrade. A decoder
// may refuse (the room quarantines the row) but never throws or crashes, and
// what it accepts encodes to a document that decodes to the same state.

#include "actors/chat_room_snapshot.hpp"
#include "actors/conference_snapshot.hpp"
#include "actors/shop_stream_snapshot.hpp"
#include "actors/signaling_snapshot.hpp"
#include "actors/support_snapshot.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace roomcast;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  auto which = data[0] % 5;
  std::int32_t version = data[0] / 5 % 4; // 0 and 3: versions no build wrote
  std::string state{reinterpret_cast<const char*>(data + 1), size - 1};
  switch (which) {
    case 0:
      if (auto s = decode_snapshot(version, state)) {
        auto again = decode_snapshot(conference_snapshot::current_version, encode_snapshot(*s));
        FUZZ_CHECK(again && *again == *s);
      }
      break;
    case 1:
      if (auto s = decode_signaling_snapshot(version, state)) {
        auto again = decode_signaling_snapshot(signaling_settings::current_version, encode_signaling_snapshot(*s));
        FUZZ_CHECK(again && *again == *s);
      }
      break;
    case 2:
      if (auto s = decode_support_snapshot(state)) {
        auto again = decode_support_snapshot(encode_support_snapshot(*s));
        FUZZ_CHECK(again && *again == *s);
      }
      break;
    case 3:
      if (auto s = decode_stream_snapshot(state)) {
        auto again = decode_stream_snapshot(encode_stream_snapshot(*s));
        FUZZ_CHECK(again && *again == *s);
      }
      break;
    default:
      if (auto s = decode_chat_room_snapshot(state)) {
        auto again = decode_chat_room_snapshot(encode_chat_room_snapshot(*s));
        FUZZ_CHECK(again && *again == *s);
      }
      break;
  }
  return 0;
}
