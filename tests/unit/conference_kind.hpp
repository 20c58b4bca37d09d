#pragma once
// The conference room kind as main registers it, for tests that need a
// registry with rooms in it.

#include <vector>

#include "actors/conference_room.hpp"
#include "actors/room_kind.hpp"

namespace roomcast::test {

inline std::vector<room_kind> conference_kinds(conference_room_config cfg) {
  room_kind k;
  k.name = "conference";
  k.spawn = [cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    auto c = cfg;
    c.life.registry = registry;
    return sys.spawn(conference_room, id, std::move(c));
  };
  return {k};
}

} // namespace roomcast::test
