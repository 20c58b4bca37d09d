#pragma once
// The only place that turns (kind, room id) into an actor: finds, spawns
// (which resumes from SQLite), lists, and lets idle rooms passivate. Cluster
// placement plugs in here later, so nothing else caches where a room lives.
//
//   (room_atom, kind, id)      -> actor   find or spawn
//   (find_atom, kind, id)      -> actor   live or stored; error no_such_room otherwise
//   (list_atom, kind)          -> std::vector<std::string>   live room ids of `kind`
//   (list_atom, kind, stored)  -> std::vector<std::string>   live and stored ids
//   (describe_atom, kind, id)  -> std::string   the room's own describe, if live
//   (passivate_atom, kind, id) -> bool    from the room itself, before it stops
//   (shutdown_atom)            -> stopped_atom once every room stopped

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <unordered_map>
#include <vector>

#include "actors/room_kind.hpp"

namespace roomcast {

struct registry_state {
  static inline const char* name = "registry";
  std::unordered_map<std::string, room_kind> kinds;
  caf::actor persistence; ///< invalid: nothing is stored
  std::unordered_map<std::string, caf::actor> rooms; ///< by room_key(kind, id)
  bool stopping = false; ///< after shutdown no room is started again
};

/// With persistence, rooms of a kind with a retention are deleted from disk
/// when unused that long: at start and then every `sweep_period`.
caf::behavior registry(caf::stateful_actor<registry_state>* self, std::vector<room_kind> kinds,
                       caf::actor persistence, std::chrono::milliseconds sweep_period);

} // namespace roomcast
