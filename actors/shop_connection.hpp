#pragma once
// One actor per shop client (protocols/shop.md). Phases as behaviours:
// `unregistered` (only register / register_admin / ping), then `customer`
// (a member of the live stream and of its own support conversation) or
// `admin` (a member of the live stream and of the admin group). On
// disconnect it leaves every actor it is in.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>

#include "actors/memberships.hpp"
#include "actors/message_types.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

/// The shop's kinds of actor in the registry.
namespace shop_kinds {
inline const std::string stream = "shop_stream";   ///< one per shop: id `default_id`
inline const std::string support = "shop_support"; ///< one per customer sessionId
inline const std::string admins = "shop_admins";   ///< one per shop: id `default_id`
inline const std::string default_id = "default";
} // namespace shop_kinds

struct shop_connection_state {
  static inline const char* name = "shop_connection";
  client_link_ptr link;
  caf::actor registry;
  shop_member me;     ///< who this connection registered as
  memberships rooms;  ///< the stream and the support conversation or the admin group
  caf::actor stream;
  caf::actor second;  ///< the support conversation (customer) or the admin group (admin)
};

/// Commands arrive as shop_command, already decoded and (register /
/// register_admin) authenticated by the endpoint; (disconnect_atom) ends it.
caf::behavior shop_connection(caf::stateful_actor<shop_connection_state>* self, client_link_ptr link,
                              caf::actor registry);

} // namespace roomcast
