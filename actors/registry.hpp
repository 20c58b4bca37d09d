#pragma once
// The only place that turns a room id into an actor: finds, spawns (which
// resumes from SQLite), and lets idle rooms passivate.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <unordered_map>

#include "actors/conference_room.hpp"

namespace roomcast {

struct registry_state {
  static inline const char* name = "registry";
  conference_room_config room_cfg;
  std::chrono::milliseconds retention{0}; ///< 0: keep rooms on disk forever
  std::unordered_map<std::string, caf::actor> rooms;
  bool stopping = false; ///< after shutdown no room is started again
};

/// `room_cfg.registry` is filled in by the registry itself. With persistence
/// and a non-zero retention, rooms unused that long are deleted from disk at start
/// and then every `sweep_period`.
caf::behavior registry(caf::stateful_actor<registry_state>* self, conference_room_config room_cfg,
                       std::chrono::milliseconds retention, std::chrono::milliseconds sweep_period);

} // namespace roomcast
