#pragma once
// One actor per client socket: holds its identity, forwards its commands to
// its room, and leaves the room when the socket goes away.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>

#include "actors/client_link.hpp"

namespace roomcast {

struct connection_state {
  static inline const char* name = "connection";
  client_link_ptr link;
  std::string room_id;
  caf::actor registry;
  caf::actor room;
  std::string peer_id; ///< set once the room admitted this connection
};

/// Starts in the lobby (only `join` is accepted) and becomes `joined`.
caf::behavior connection(caf::stateful_actor<connection_state>* self, client_link_ptr link, std::string room_id,
                         caf::actor registry);

/// Spawns a connection actor (keeps the actor headers out of the gateway).
caf::actor spawn_connection(caf::actor_system& sys, client_link_ptr link, std::string room_id,
                            caf::actor registry);

} // namespace roomcast
