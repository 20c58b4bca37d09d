#pragma once
// What a support conversation keeps on disk (a JSON document, version 1).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roomcast {

struct support_durable {
  std::string customer_name;
  std::uint64_t unread = 0;          ///< customer messages since staff last replied or read
  std::string last_message;          ///< the newest entry's JSON ("" when none)
  std::vector<std::string> queued;   ///< staff_reply frames not yet delivered (JSON text)

  friend bool operator==(const support_durable&, const support_durable&) = default;
};

std::string encode_support_snapshot(const support_durable& d);
std::optional<support_durable> decode_support_snapshot(const std::string& state);

} // namespace roomcast
