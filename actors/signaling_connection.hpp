#pragma once
// One actor per signaling client: finds rooms through the registry, joins
// one at a time, forwards its commands there, and leaves when the socket
// goes away (a client dropped by the heartbeat leaves the same way).

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>

#include "actors/memberships.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

struct signaling_connection_config {
  /// join-room to an unknown room creates it; false answers ROOM_NOT_FOUND.
  bool auto_create_rooms = true;
};

struct signaling_connection_state {
  static inline const char* name = "signaling_connection";
  client_link_ptr link;
  caf::actor registry;
  signaling_connection_config cfg;
  memberships rooms;   ///< the one room, once joined
  std::string room_id; ///< set once a room admitted this connection
  std::string peer_id; ///< likewise
};

/// Starts in the lobby (join-room only) and becomes `joined`; a join-room
/// while joined leaves the current room first.
caf::behavior signaling_connection(caf::stateful_actor<signaling_connection_state>* self, client_link_ptr link,
                                   caf::actor registry, signaling_connection_config cfg);

} // namespace roomcast
