#pragma once
// RFC 6455 opening handshake, done by hand so sessions own the raw socket.

#include <string>
#include <string_view>

namespace roomcast {

/// The 101 response for a valid Sec-WebSocket-Key; `extensions`, if not
/// empty, is the Sec-WebSocket-Extensions value agreed on.
std::string upgrade_response(std::string_view sec_websocket_key, std::string_view extensions = {});

/// A key is 16 bytes, base64: 24 characters ending in "==".
bool valid_websocket_key(std::string_view key);

} // namespace roomcast
