#pragma once
// What a signaling room keeps on disk: its meeting settings. Membership is
// not stored (peers reconnect after a restart).

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roomcast {

/// The settings of a meeting, from POST /api/rooms or the first join-room.
struct signaling_settings {
  static constexpr std::int32_t current_version = 1;

  std::string host_peer_id;           ///< may be empty
  std::uint32_t max_participants = 0; ///< 0: the node's default
  std::string encryption = "none";    ///< "none" | "e2ee"
  std::int64_t created_at_ms = 0;

  friend bool operator==(const signaling_settings&, const signaling_settings&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signaling_settings& x) {
  return f(caf::meta::type_name("signaling_settings"), x.host_peer_id, x.max_participants, x.encryption,
           x.created_at_ms);
}

/// JSON text of version `current_version`.
std::string encode_signaling_snapshot(const signaling_settings& s);

/// Nullopt when `state` is not a snapshot of a version this build reads.
std::optional<signaling_settings> decode_signaling_snapshot(std::int32_t version, std::string_view state);

} // namespace roomcast
