#pragma once
// One actor per chat user id (kind "chatuser"): the user's presence across
// its tabs (userOnline at the first connection, userOffline once the last
// one stayed gone for a grace period, so a reload does not flicker) and the
// contract's per-user rate limits, shared by all its connections.
//
//   (enter_atom, chat_member, lobby) -> bool   a connection of this user (monitored)
//   (leave_atom)                               that connection is gone
//   (allow_atom, std::uint8_t op) -> bool      takes one event of `op` from the window
//   (describe_atom) -> std::string

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/message_types.hpp"

namespace roomcast {

/// Events per window for each limited event type (0: none allowed).
struct chat_rate_limits {
  std::chrono::milliseconds window{60000};
  unsigned messages = 30;
  unsigned joins = 10;
  unsigned typing = 60;
};

/// The contract's limits: fixed windows that reset `window` after the first
/// event counted in them. Ops without a limit are always allowed.
class chat_window_limiter {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit chat_window_limiter(chat_rate_limits limits = {}) : limits_(limits) {}

  /// Counts one `op` at `now`; false when its window is used up.
  bool allow(chat_op op, time_point now);

  /// How many `op` events are left in the current window at `now`.
  unsigned remaining(chat_op op, time_point now) const;

  const chat_rate_limits& limits() const noexcept { return limits_; }

private:
  struct window {
    time_point start{};
    unsigned used = 0;
    bool open = false;
  };
  /// The window of `op` and its limit; null for unlimited ops.
  window* slot(chat_op op, unsigned& limit);

  chat_rate_limits limits_;
  window windows_[3];
};

struct chat_user_config {
  chat_rate_limits limits;
  std::chrono::milliseconds presence_grace{1500};
  caf::actor_addr registry; ///< told before the actor stops (weak: no cycle)
};

struct chat_user_state {
  static inline const char* name = "chat_user";

  caf::stateful_actor<chat_user_state>* self = nullptr;
  std::string user_id;
  std::string username;
  chat_user_config cfg;
  chat_window_limiter limiter;
  std::vector<caf::actor> conns; ///< this user's live connections (monitored)
  caf::actor lobby;              ///< where presence is announced
  bool online = false;
  std::uint64_t offline_generation = 0;
  bool stopping = false;
  std::uint64_t total_connections = 0;
  std::uint64_t messages = 0;   ///< sendMessage events allowed
  std::uint64_t violations = 0; ///< events refused by a rate limit

  bool enter(const chat_member& m, caf::actor lobby);
  void remove(const caf::actor_addr& conn);
  bool allow(chat_op op);
  void on_grace_over(std::uint64_t generation);
  std::string describe() const;
};

/// Spawned by the registry (kind "chatuser"); stops when its last connection
/// has been gone for the grace period.
caf::behavior chat_user(caf::stateful_actor<chat_user_state>* self, std::string user_id, chat_user_config cfg);

} // namespace roomcast
