#pragma once
// HTTP on a fresh connection: /healthz, the route table's handlers, and the
// upgrade to a WebSocket session for the table's upgrade routes. Over plain
// TCP, or over TLS after a handshake bounded by server.request_timeout_ms.

#include <boost/asio/ip/tcp.hpp>

#include "gateway/connection_slot.hpp"
#include "gateway/gateway_context.hpp"
#include "gateway/tls_context.hpp"

namespace roomcast {

/// Starts serving `socket` on its executor's thread. `slot`: the
/// connection's place under the limits; held until the socket closes, or
/// handed on to the WebSocket session at an upgrade. `tls`: null for plain
/// TCP; else the context the connection's TLS is made with (kept for its
/// lifetime, so a reload does not touch open connections).
void start_http_session(boost::asio::ip::tcp::socket&& socket, gateway_context& ctx, connection_slot slot,
                        tls_context_ptr tls = nullptr);

} // namespace roomcast
