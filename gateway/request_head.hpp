#pragma once
// The pure part of reading an HTTP request: Beast's parsed header turned into
// the plain http_request routes see, and the RFC 6455 checks an upgrade
// passes before its endpoint is asked. No socket, so it is fuzzable alone.

#include <boost/beast/http/message.hpp>

#include <optional>
#include <string>

#include "gateway/http_types.hpp"

namespace roomcast {

using request_header = boost::beast::http::request_header<>;

http_method method_of(boost::beast::http::verb v);

/// Method, target, path (the target before '?') and headers (names in lower
/// case) of `req`; no body, no route captures.
http_request to_http_request(const request_header& req, std::string remote_address);

/// nullopt when the upgrade request may be answered with 101 (version 13, a
/// well-formed Sec-WebSocket-Key), else the refusal to send.
std::optional<http_response> check_ws_handshake(const request_header& req);

} // namespace roomcast
