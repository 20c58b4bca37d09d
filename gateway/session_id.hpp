#pragma once
// Unguessable ids for Engine.IO sessions and Socket.IO namespace connections.

#include <string>

namespace roomcast {

/// 20 random characters of the URL-safe base64 alphabet (120 bits).
std::string new_session_id();

} // namespace roomcast
