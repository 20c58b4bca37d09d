#pragma once
// What the shop's live stream keeps on disk (a JSON document, version 1).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roomcast {

/// What survives a restart (the snapshot).
struct shop_stream_durable {
  bool active = false;
  std::string stream_id;
  std::string title;
  std::string description;
  std::string start_time;
  std::string stream_url;
  std::string quality = "720p";
  std::string pinned = "[]"; ///< rendered pinned-products array
  std::vector<std::string> liked_by; ///< in the order the likes came
  std::uint64_t chat_from_seq = 1;   ///< the live stream's chat starts here

  friend bool operator==(const shop_stream_durable&, const shop_stream_durable&) = default;
};

std::string encode_stream_snapshot(const shop_stream_durable& d);
std::optional<shop_stream_durable> decode_stream_snapshot(const std::string& state);

} // namespace roomcast
