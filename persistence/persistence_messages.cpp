#include "persistence/persistence_messages.hpp"

#include "caf/actor_system_config.hpp"

namespace roomcast::persistence {

void add_persistence_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<stored_message>("roomcast.persistence.stored_message");
  cfg.add_message_type<room_record>("roomcast.persistence.room_record");
}

} // namespace roomcast::persistence
