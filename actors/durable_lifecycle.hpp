#pragma once
// The life of a room that outlives its process: load before anything is
// handled, write the snapshot now (a barrier for what clients see) or
// debounced, refresh it while in use, passivate when empty and idle, write
// it once more at shutdown. Every room kind holds one and routes its
// lifecycle messages here; the room only says how to encode its state.

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "actors/message_types.hpp"
#include "actors/outbox.hpp"
#include "persistence/persistence_messages.hpp"

namespace roomcast {

struct lifecycle_config {
  caf::actor persistence;   ///< invalid: the room lives in memory only
  caf::actor_addr registry; ///< asked before the room passivates (weak: no cycle)
  std::chrono::milliseconds idle_timeout{300000};
  std::chrono::milliseconds snapshot_debounce{200};
  /// A live room rewrites its snapshot at least this often, so the retention
  /// sweep (which goes by snapshot age) never takes a room in use.
  std::chrono::milliseconds refresh_interval{std::chrono::hours(24)};
};

class durable_lifecycle {
public:
  /// The snapshot to store: schema version and opaque state.
  using encoder = std::function<std::pair<std::int32_t, std::string>()>;
  using loader = std::function<void(persistence::room_record&)>;

  void init(caf::event_based_actor* self, std::string kind, std::string id, lifecycle_config cfg, outbox& out,
            encoder encode);

  bool stored() const noexcept { return static_cast<bool>(cfg_.persistence); }
  const std::string& kind() const noexcept { return kind_; }
  const std::string& id() const noexcept { return id_; }
  /// "kind:id": the room's key in storage.
  const std::string& key() const noexcept { return key_; }
  const caf::actor& persistence() const noexcept { return cfg_.persistence; }
  std::int64_t last_snapshot_ms() const noexcept { return last_snapshot_ms_; }

  /// Loads the stored record before the actor handles anything else; a
  /// failed load stops the actor (starting empty would let state go back).
  void load(std::uint32_t history_limit, loader on_loaded);

  /// Writes the snapshot now; frames emitted afterwards wait for its commit.
  void persist_now();
  /// The same, and `done(ok)` once the write committed (or failed): for a
  /// caller outside the room (a REST reply) that must not answer earlier.
  void persist_now(std::function<void(bool ok)> done);
  /// Coalesces changes that need no barrier for the debounce period.
  void persist_later();
  /// Moves an undecodable snapshot aside; the room starts empty.
  void quarantine(std::string reason);
  /// Deletes the room from storage for good (it was closed).
  void erase();
  /// The same, and `done(ok)` once the delete committed (or failed).
  void erase(std::function<void(bool ok)> done);

  /// A member arrived: a pending passivation is off, refreshing is on.
  void touch();
  /// The room became empty: passivate after the idle timeout.
  void maybe_idle(bool empty);

  // -- the lifecycle messages, routed here by the room's behavior ----------
  void on_persist();                                   ///< persist_atom
  void on_refresh(bool has_members);                   ///< refresh_atom
  void on_idle(std::uint64_t generation, bool empty);  ///< idle_atom
  /// shutdown_atom: the final snapshot, then the actor quits.
  caf::result<stopped_atom> shutdown();
  /// Writes the final snapshot (unless told not to), leaves the
  /// registry and stops.
  void passivate(bool write_snapshot = true);

private:
  template <class Timeout>
  auto request_snapshot(Timeout timeout);
  void arm_refresh();

  caf::event_based_actor* self_ = nullptr;
  std::string kind_, id_, key_;
  lifecycle_config cfg_;
  outbox* out_ = nullptr;
  encoder encode_;
  std::uint64_t idle_generation_ = 0;
  bool snapshot_scheduled_ = false;
  bool refresh_armed_ = false;
  std::int64_t last_snapshot_ms_ = 0;
};

} // namespace roomcast
