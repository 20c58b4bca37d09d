#pragma once
// One actor per conference client: holds its identity, forwards its
// commands to its room, and leaves the room when the socket goes away.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>

#include "actors/memberships.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

struct conference_connection_state {
  static inline const char* name = "conference_connection";
  client_link_ptr link;
  std::string room_id;
  caf::actor registry;
  memberships rooms;   ///< the one room, once joined
  std::string peer_id; ///< set once the room admitted this connection
};

/// Starts in the lobby (only `join` is accepted) and becomes `joined`.
caf::behavior conference_connection(caf::stateful_actor<conference_connection_state>* self, client_link_ptr link,
                                    std::string room_id, caf::actor registry);

} // namespace roomcast
