#pragma once
// permessage-deflate negotiation (RFC 7692 section 7.1): picks the first
// acceptable offer of a Sec-WebSocket-Extensions header and writes the answer.

#include <optional>
#include <string>
#include <string_view>

namespace roomcast {

/// What the server supports; from the settings.
struct deflate_policy {
  int client_window_bits = 15;          ///< largest window a client may use (9..15)
  bool client_context_takeover = false; ///< false: ask for client_no_context_takeover
};

/// The parameters both sides agreed on for one connection.
struct deflate_agreement {
  /// The server compresses every message on its own (server_no_context_takeover,
  /// always), with at most this window.
  int server_window_bits = 15;
  /// The client compresses with at most this window.
  int client_window_bits = 15;
  /// The client resets its compressor per message, so the inflater may too.
  bool client_no_context_takeover = true;
  /// The Sec-WebSocket-Extensions value of the 101 response.
  std::string response;
};

/// The agreement for the first acceptable permessage-deflate offer in
/// `header` (all Sec-WebSocket-Extensions values joined with ","), or none.
/// Offers with unknown, repeated or malformed parameters are declined (the
/// next one is tried). Any input is safe: it is scanned once, nothing is
/// allocated but the answer.
std::optional<deflate_agreement> negotiate_deflate(std::string_view header, const deflate_policy& policy);

} // namespace roomcast
