#pragma once
// A room's recent messages: complete on disk (append-only), the last N in
// memory, each rendered once. Appending is durable: frames the room emits
// after `append` wait in its outbox until the message is committed.

#include <caf/event_based_actor.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "actors/durable_lifecycle.hpp"
#include "actors/outbox.hpp"

namespace roomcast {

struct history_entry {
  std::uint64_t seq;
  std::string body; ///< the message's JSON, as rendered once
};

class bounded_history {
public:
  explicit bounded_history(std::size_t limit = 100) : limit_(limit) {}

  void set_limit(std::size_t limit) { limit_ = limit; }
  std::size_t limit() const noexcept { return limit_; }
  const std::deque<history_entry>& entries() const noexcept { return entries_; }
  std::size_t size() const noexcept { return entries_.size(); }
  std::uint64_t last_seq() const noexcept { return last_seq_; }
  /// The sequence number the next message gets.
  std::uint64_t next_seq() { return ++last_seq_; }
  /// Never hand out a number at or below `seq` (a restored counter).
  void advance_to(std::uint64_t seq) { last_seq_ = std::max(last_seq_, seq); }

  /// Restores what storage held (oldest first).
  void restore(std::vector<persistence::stored_message>& stored, std::uint64_t stored_last_seq);

  /// Keeps the message in memory and writes it to storage; returns the
  /// outbox write it belongs to (0 without storage): frames emitted with it
  /// as owner are dropped if the write fails, and `on_fail` runs.
  std::uint64_t append(caf::event_based_actor* self, durable_lifecycle& life, outbox& out, std::uint64_t seq,
                       std::string id, std::int64_t ts_ms, std::string body, std::function<void()> on_fail);

  /// Pointers to the bodies, oldest first (for a history frame).
  std::vector<const std::string*> bodies() const;

private:
  std::deque<history_entry> entries_;
  std::size_t limit_;
  std::uint64_t last_seq_ = 0;
};

} // namespace roomcast
