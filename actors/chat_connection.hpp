#pragma once
// One actor per chatrooms client (one Socket.IO namespace connection): holds
// the verified identity, checks membership and its user's rate limits (the
// budget the lobby shares among the user's connections), forwards commands to
// its rooms, and leaves them all when the client goes away. Commands are
// handled one at a time, in order; each crosses to one room actor at most.
//
//   (chat_command)      a decoded client event
//   (disconnect_atom)   the client is gone
//   (ping_atom)         the periodic `ping` event (WS_ENABLE_HEARTBEAT)
//   (describe_atom) -> std::string

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <string>

#include "actors/chat_budget.hpp"
#include "actors/memberships.hpp"
#include "actors/message_types.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

struct chat_connection_config {
  std::string nsp = "/chat";
  bool heartbeat = true;
  std::chrono::milliseconds heartbeat_interval{30000};
  std::size_t max_rooms = 16;
  std::string lobby_id = "main";
};

struct chat_connection_state {
  static inline const char* name = "chat_connection";
  caf::stateful_actor<chat_connection_state>* self = nullptr;
  client_link_ptr link;
  chat_user_ref user;
  caf::actor registry;
  caf::actor lobby;
  chat_budget_ptr budget; ///< the user's limits; null until the lobby answered (or if it did not)
  memberships rooms;
  chat_connection_config cfg;
  bool closed = false;
};

caf::behavior chat_connection(caf::stateful_actor<chat_connection_state>* self, client_link_ptr link,
                              chat_user_ref user, caf::actor registry, chat_connection_config cfg);

} // namespace roomcast
