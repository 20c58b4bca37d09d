#pragma once
// The chatrooms namespace as a whole (kind "chatlobby", one per node): every
// connection's link, and per online user its presence and its rate-limit
// budget. userOnline goes to everyone else at a user's first connection;
// userOffline once its last one stayed gone for a grace period, so a reload
// or a second tab does not flicker. Also the namespace's totals for
// /websocket/stats.
//
//   (enter_atom, chat_member) -> chat_budget_ptr   a connection arrived (monitored);
//                                                  the budget of its user
//   (leave_atom)                                   it is gone
//   (presence_atom, user_id, generation)           the grace period of a user ended
//   (describe_atom) -> std::string

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/chat_budget.hpp"
#include "actors/message_types.hpp"

namespace roomcast {

struct chat_lobby_config {
  std::string nsp = "/chat";
  bool broadcast_presence = true; ///< false: no userOnline / userOffline
  chat_rate_limits limits;
  std::chrono::milliseconds presence_grace{1500};
};

/// One online user: present from its first connection until the grace
/// period after its last one.
struct chat_presence {
  std::string username;
  std::uint32_t conns = 0;
  std::uint64_t generation = 0; ///< the pending offline timer that still counts
  chat_budget_ptr budget;
};

struct chat_lobby_state {
  static inline const char* name = "chat_lobby";

  caf::stateful_actor<chat_lobby_state>* self = nullptr;
  std::string id;
  chat_lobby_config cfg;
  std::unordered_map<caf::actor_addr, chat_member> conns;
  std::unordered_map<std::string, chat_presence> users; ///< online users by id
  std::uint64_t total_connections = 0;
  std::uint64_t total_disconnections = 0;
  std::uint64_t retired_messages = 0; ///< of users gone offline
  std::uint64_t retired_violations = 0;

  chat_budget_ptr enter(chat_member& m);
  void remove(const caf::actor_addr& conn);
  void on_grace_over(const std::string& user_id, std::uint64_t generation);
  /// Tells every connection but `user_id`'s own that it came or went.
  void announce(bool online, const std::string& user_id, const std::string& username);
  std::string describe() const;
};

caf::behavior chat_lobby(caf::stateful_actor<chat_lobby_state>* self, std::string id, chat_lobby_config cfg);

} // namespace roomcast

// The budget is shared in memory by a user's connections: it never leaves the node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(roomcast::chat_budget_ptr)
