#pragma once
// The chatrooms dialect (protocols/chatrooms.md) on the node: its kinds
// (chatroom, chatuser, chatlobby), its Socket.IO namespace (`/chat`,
// WS_NAMESPACE) and its HTTP routes: GET /api/rooms/:roomId/messages,
// GET /websocket/health, GET /websocket/stats.

#include "endpoints/dialect.hpp"

namespace roomcast {

dialect chatrooms_dialect(const dialect_env& env);

} // namespace roomcast
