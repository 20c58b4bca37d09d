#pragma once
// The conference dialect (protocols/conference.md) on the node: its room
// kind and its upgrade route `/room/:roomId/websocket`.

#include "endpoints/dialect.hpp"

namespace roomcast {

dialect conference_dialect(const dialect_env& env);

} // namespace roomcast
