#pragma once
// The seam between the WebSocket transport and a dialect. The transport
// owns framing, the send queue, ping and close; an endpoint, mounted on an
// upgrade route, owns what the messages mean: its codec, auth, rate limits
// and which connection actor serves the client. The transport never learns
// a dialect's name.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/http_types.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

/// One client connection as its endpoint sees it. Every member runs on the
/// session's I/O thread, one at a time.
class ws_connection {
public:
  virtual ~ws_connection() = default;

  /// The upgrade is done: `link` is the client's transport (hand it to an
  /// actor; the connection itself should not keep it, or neither dies).
  virtual void start(client_link_ptr link) = 0;

  /// A complete text message. Returns true when it handed a command to an
  /// actor; the transport then counts it in flight until the actor calls
  /// `client_link::command_done()`, and stops reading while too many are.
  virtual bool on_text(std::string_view text, client_link& link) = 0;

  /// A complete binary message.
  virtual bool on_binary(std::string_view data, client_link& link) = 0;

  /// A message over the transport's size limit was skipped.
  virtual void on_too_big(std::size_t limit, client_link& link) = 0;

  /// The client is gone or is being dropped (slow consumer): leave every
  /// room now. Called at most once; nothing else is called afterwards.
  virtual void on_release() = 0;
};

/// Before the 101: a connection for this client, or an HTTP refusal.
using ws_admission = std::variant<std::unique_ptr<ws_connection>, http_response>;

/// A dialect's WebSocket behaviour at one upgrade route. Thread-safe: every
/// I/O thread calls `accept` concurrently.
class ws_endpoint {
public:
  virtual ~ws_endpoint() = default;
  /// Checks the upgrade request (authentication happens here, once per
  /// connection) and creates the connection, or refuses it.
  virtual ws_admission accept(const http_request& req) = 0;
};

} // namespace roomcast
