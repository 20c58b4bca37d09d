#pragma once
// The shop's connected admins (kind "shop_admins", one per node): support
// conversations hand it the customer messages they stored, and it gives
// each to every admin connection. Holds no state worth storing; never
// passivates (support conversations find it through the registry).

#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <unordered_map>

#include "actors/member_links.hpp"
#include "actors/message_types.hpp"

namespace roomcast {

struct admin_group_state {
  static inline const char* name = "admin_group";
  std::string id;
  std::unordered_map<caf::actor_addr, client_link_ptr> admins;
  member_links links;
};

///   (enter_atom, shop_member)        an admin connection joins (monitored)
///   (leave_atom)                     it leaves
///   (frame_atom, wire_frame_ptr)     delivered to every admin
///   (shutdown_atom) -> stopped_atom
caf::behavior admin_group(caf::stateful_actor<admin_group_state>* self, std::string id);

/// A client_link that hands frames to the admin group, so a support
/// conversation can hold them in its outbox behind a write like any member's.
client_link_ptr make_admin_group_link(caf::actor admins);

} // namespace roomcast
