#pragma once
// One customer's support thread (protocols/shop.md, "Customer Support
// Chat"), keyed by the customer's sessionId: every message on disk before
// anyone sees it; a customer's messages go to every connected admin; staff
// replies go to every connection of the customer, or wait in a durable
// queue until the customer's next `register` (the contract's "message
// queuing for offline users").

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>
#include <caf/typed_response_promise.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/bounded_history.hpp"
#include "actors/durable_lifecycle.hpp"
#include "actors/member_links.hpp"
#include "actors/message_types.hpp"
#include "actors/outbox.hpp"
#include "actors/support_snapshot.hpp"

namespace roomcast {

struct support_conversation_config {
  std::size_t history_limit = 100; ///< messages kept in memory (all stay on disk)
  bool escape_html = true;
  /// Finds the admin group: (room_atom, admin_kind, admin_id) on the registry.
  std::string admin_kind = "shop_admins";
  std::string admin_id = "default";
  lifecycle_config life; ///< life.registry is also how the admin group is found
};

struct support_conversation_state {
  static inline const char* name = "support_conversation";

  caf::stateful_actor<support_conversation_state>* self = nullptr;
  std::string session_id;
  support_conversation_config cfg;
  support_durable durable;
  std::unordered_map<caf::actor_addr, client_link_ptr> customers; ///< this customer's connections
  member_links links;
  bounded_history history;
  durable_lifecycle life;
  outbox out;
  bool stopping = false;

  void enter(shop_member who);
  void leave(const caf::actor_addr& conn);
  void customer_message(const shop_command& cmd);
  shop_reply staff_message(const shop_command& cmd);
  void messages(std::uint32_t page, std::uint32_t limit, caf::typed_response_promise<shop_reply> rp);
  std::string summary() const;
  std::string describe() const;
  void on_loaded(persistence::room_record& rec);
};

/// Spawned by the registry (kind "shop_support", id = the customer's sessionId).
caf::behavior support_conversation(caf::stateful_actor<support_conversation_state>* self, std::string session_id,
                                   support_conversation_config cfg);

} // namespace roomcast
