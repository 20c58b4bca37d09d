#include "actors/message_types.hpp"

#include <caf/actor_system_config.hpp>

namespace roomcast {

void add_actor_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<conference_command>("roomcast.conference_command");
  cfg.add_message_type<join_reply>("roomcast.join_reply");
}

} // namespace roomcast
