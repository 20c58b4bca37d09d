#pragma once
// The persistence actor: owns the SQLite store on a thread of its own and
// group-commits writes.

#include <array>
#include <cstddef>
#include <memory>

#include "caf/fwd.hpp"

#include "persistence/persistence_messages.hpp"
#include "persistence/sqlite_store.hpp"

namespace roomcast::persistence {

/// Upper bounds (ms) of the commit-latency buckets in describe's
/// `commit_ms_counts` (one more count follows, for slower commits).
inline constexpr std::array<double, 10> commit_bounds_ms{0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000};

/// Default upper bound on writes in one transaction.
constexpr std::size_t default_max_batch = 4096;

/// Spawns the persistence actor (detached: SQLite calls block its own thread
/// only). Every write reply is sent after the transaction holding that write
/// has committed; a failed commit answers each of its writes with an error.
///
/// Interface (untyped):
///   (snapshot_atom, room_key, kind, int32 version, state) -> committed_atom
///   (append_atom, room_key, stored_message)               -> committed_atom
///   (quarantine_atom, room_key, reason)                   -> committed_atom
///   (expire_atom, int64 older_than_ms)                    -> uint64 rooms
///   (flush_atom)           -> committed_atom once all earlier writes are in
///   (load_atom, room_key, uint32 history_limit)           -> room_record
///   (page_atom, room_key, uint64 before_seq, uint32 limit)
///                                              -> std::vector<stored_message>
///   (describe_atom)                                       -> std::string JSON
///
/// Group commit: the first write of a batch opens a transaction and sends the
/// actor a commit message, which queues behind everything already in the
/// mailbox; the batch therefore holds whatever arrived meanwhile, without a
/// timer. A batch reaching `max_batch` writes commits early. Reads commit the
/// open batch first so they see it.
caf::actor spawn_persistence(caf::actor_system& sys,
                             std::unique_ptr<sqlite_store> store,
                             std::size_t max_batch = default_max_batch);

} // namespace roomcast::persistence
