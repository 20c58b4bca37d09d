#pragma once
// The signaling dialect (protocols/signaling.md) on the node: its room
// kind "signaling", its upgrade route `/ws` and its REST routes `/api/rooms`.

#include "endpoints/dialect.hpp"

namespace roomcast {

dialect signaling_dialect(const dialect_env& env);

} // namespace roomcast
