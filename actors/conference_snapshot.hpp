#pragma once
// Conference room state as stored in SQLite (a versioned JSON document).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace roomcast {

/// What a conference room keeps across restarts. Membership is not here:
/// connections do not survive a restart, identities do (resume tokens).
struct conference_snapshot {
  static constexpr std::int32_t current_version = 2;

  std::string host_id;
  std::set<std::string> co_hosts;
  bool locked = false;
  bool chat_enabled = true;
  std::set<std::string> raised_hands;
  std::set<std::string> banned;
  std::uint64_t last_seq = 0; ///< last chat message sequence number

  friend bool operator==(const conference_snapshot&, const conference_snapshot&) = default;
};

std::string encode_snapshot(const conference_snapshot& s);

/// Decodes any version this build knows: v1 (host, lock, chat flag) and v2
/// (adds co-hosts, raised hands, bans, last_seq). nullopt: undecodable.
std::optional<conference_snapshot> decode_snapshot(std::int32_t version, std::string_view json_text);

} // namespace roomcast
