#pragma once
// The persistence module's table of message types: everything that crosses
// the persistence actor's boundary is declared and registered here.

#include <cstdint>
#include <string>
#include <vector>

#include "caf/atom.hpp"
#include "caf/fwd.hpp"
#include "caf/meta/type_name.hpp"

namespace roomcast::persistence {

/// One chat message as stored in the append-only `messages` table.
struct stored_message {
  /// Per-room sequence number, assigned by the room; unique per room.
  std::uint64_t seq = 0;
  std::string id;
  std::int64_t ts_ms = 0;
  /// The message's JSON as rendered by the room; opaque to persistence.
  std::string body;

  friend bool operator==(const stored_message&, const stored_message&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_message& x) {
  return f(caf::meta::type_name("stored_message"), x.seq, x.id, x.ts_ms, x.body);
}

/// Everything a room needs to resume: its snapshot (if any) and recent history.
struct room_record {
  /// True if a snapshot row exists. History and `last_seq` are filled either
  /// way, so a room without snapshot still continues its sequence numbers.
  bool found = false;
  std::string kind;
  std::int32_t version = 0;
  /// Opaque JSON written by the room actor.
  std::string state;
  std::int64_t updated_ms = 0;
  /// The last N messages, oldest first.
  std::vector<stored_message> history;
  /// Highest stored message seq of the room, 0 if none.
  std::uint64_t last_seq = 0;

  friend bool operator==(const room_record&, const room_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_record& x) {
  return f(caf::meta::type_name("room_record"), x.found, x.kind, x.version,
           x.state, x.updated_ms, x.history, x.last_seq);
}

using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using page_atom = caf::atom_constant<caf::atom("page")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using remove_atom = caf::atom_constant<caf::atom("premove")>;
using keys_atom = caf::atom_constant<caf::atom("pkeys")>;
using quarantine_atom = caf::atom_constant<caf::atom("quarantin")>;
using describe_atom = caf::atom_constant<caf::atom("describe")>;
using committed_atom = caf::atom_constant<caf::atom("committed")>;

/// Registers this module's types under portable names
/// ("roomcast.persistence.<type>"); also registers std::vector of each.
void add_persistence_message_types(caf::actor_system_config& cfg);

} // namespace roomcast::persistence
