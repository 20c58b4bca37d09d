#pragma once
// What a chat room (chatrooms dialect) keeps on disk: a JSON document,
// `{"createdAt": ms, "members": [userId, ...]}`.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace roomcast {

struct chat_room_durable {
  std::int64_t created_ms = 0;
  std::set<std::string> known_users; ///< every user who ever joined (may read history)

  friend bool operator==(const chat_room_durable&, const chat_room_durable&) = default;
};

std::string encode_chat_room_snapshot(const chat_room_durable& d);

/// Nullopt when `state` is not such a document (the room quarantines it).
std::optional<chat_room_durable> decode_chat_room_snapshot(std::string_view state);

} // namespace roomcast
