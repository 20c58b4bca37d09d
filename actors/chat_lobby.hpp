#pragma once
// The chatrooms namespace as a whole (kind "chatlobby", one per node): every
// connection's link, for userOnline / userOffline, which go to everyone
// connected; and the namespace's connection totals for /websocket/stats.
//
//   (enter_atom, chat_member)                  a connection arrived (monitored)
//   (leave_atom)                               it is gone
//   (presence_atom, online, user_id, username) from a chat_user: tell everyone else
//   (retire_atom, messages, violations)        a stopping chat_user's totals
//   (describe_atom) -> std::string

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/message_types.hpp"

namespace roomcast {

struct chat_lobby_state {
  static inline const char* name = "chat_lobby";

  caf::stateful_actor<chat_lobby_state>* self = nullptr;
  std::string id;
  std::string nsp;
  bool broadcast_presence = true;
  std::unordered_map<caf::actor_addr, chat_member> conns;
  std::uint64_t total_connections = 0;
  std::uint64_t total_disconnections = 0;
  std::uint64_t retired_messages = 0;   ///< of chat_user actors that stopped
  std::uint64_t retired_violations = 0;

  void remove(const caf::actor_addr& conn);
  std::string describe() const;
};

/// `broadcast_presence` false: presence messages are dropped (no userOnline/userOffline).
caf::behavior chat_lobby(caf::stateful_actor<chat_lobby_state>* self, std::string id, std::string nsp,
                         bool broadcast_presence);

} // namespace roomcast
