#pragma once
// Resume tokens: proof that a client held a peerId in a room before.

#include <string>
#include <string_view>

namespace roomcast {

/// HMAC-SHA256(secret, room "\n" peer), hex, cut to 32 characters. Stable
/// across restarts as long as the secret is.
std::string make_resume_token(std::string_view secret, std::string_view room_id, std::string_view peer_id);

/// Constant-time comparison against the expected token.
bool check_resume_token(std::string_view secret, std::string_view room_id, std::string_view peer_id,
                        std::string_view token);

} // namespace roomcast
