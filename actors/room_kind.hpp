#pragma once
// How the registry starts the actors of one kind of room. Each dialect
// registers its kinds at start (main), so the registry never names one.

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace roomcast {

struct room_kind {
  /// "conference", "signaling", ...: also the prefix of its storage keys.
  std::string name;
  /// Starts the actor of room `id`; `registry` is to be asked before the
  /// room passivates (hold it weakly).
  std::function<caf::actor(caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry)> spawn;
  /// Stored rooms of this kind unused this long are deleted; 0 keeps them.
  std::chrono::milliseconds retention{0};
  /// A lookup that must not create (`find`) still resumes a room stored on
  /// disk when this is set.
  bool resumable = true;
};

/// "kind:id", the key of a room in the registry and in storage.
inline std::string room_key(const std::string& kind, const std::string& id) {
  return kind + ":" + id;
}

} // namespace roomcast
