#pragma once
// The contract's per-user rate limits (protocols/chatrooms.md): fixed
// windows per event type, shared by every connection of one user. The lobby
// owns one budget per online user and hands it to that user's connection
// actors, which take from it directly, so a limited event costs no message.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "dialects/chatrooms_codec.hpp"

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

/// One user's limiter and totals. Thread-safe: the user's connections run on
/// any scheduler thread; the lock is held for a few comparisons only.
class chat_budget {
public:
  using time_point = chat_window_limiter::time_point;

  explicit chat_budget(chat_rate_limits limits) : limiter_(limits) {}

  /// Takes one `op` at `now`; false (a violation) when its window is used up.
  bool allow(chat_op op, time_point now);

  unsigned remaining(chat_op op, time_point now) const;
  std::uint64_t messages() const;   ///< sendMessage events allowed
  std::uint64_t violations() const; ///< events refused

private:
  mutable std::mutex mu_;
  chat_window_limiter limiter_;
  std::uint64_t messages_ = 0;
  std::uint64_t violations_ = 0;
};

using chat_budget_ptr = std::shared_ptr<chat_budget>;

} // namespace roomcast
