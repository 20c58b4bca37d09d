#pragma once
// The shop dialect (protocols/shop.md): WebSocket at `/` and `/shop`, REST
// under /api/stream and /api/support, and its kinds of actor.

#include "endpoints/dialect.hpp"

namespace roomcast {

dialect shop_dialect(const dialect_env& env);

} // namespace roomcast
