#pragma once
// Engine.IO v4 as a transport: one logical client over HTTP long-polling,
// WebSocket, or polling upgraded to WebSocket. What rides on it (Socket.IO,
// or an echo for the conformance suite) is an `eio_handler`.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/http_types.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

struct eio_options {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1000000;
  std::size_t send_queue_bytes = 4 * 1024 * 1024;
};

/// What an eio_handler may ask of its session besides sending.
class eio_session_services {
public:
  virtual ~eio_session_services() = default;
  /// Runs `f` after `delay` on the session's timer, unless it closed.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> f) = 0;
  /// The first request of the session (query, headers).
  virtual const http_request& handshake() const = 0;
};

/// The layer above Engine.IO for one session. Calls come one at a time.
class eio_handler {
public:
  virtual ~eio_handler() = default;
  /// The session is open (its open packet went out).
  virtual void on_open(client_link_ptr link, eio_session_services& services) = 0;
  /// One message packet. Returns false when it is invalid: the session closes.
  virtual bool on_message(std::string_view data, bool binary, client_link& link) = 0;
  /// The session ended. Called once; may run on any thread.
  virtual void on_close() = 0;
};

using eio_handler_factory = std::function<std::unique_ptr<eio_handler>()>;

/// An Engine.IO endpoint at `path` (e.g. "/socket.io/").
struct eio_mount {
  std::string path;
  eio_handler_factory factory;
  eio_options options;
};

} // namespace roomcast
