#pragma once
// What the gateway's shared parts (write batching, the session table,
// drain) need of a client transport: a WebSocket session today, an
// Engine.IO session next. None of them knows which.

#include <cstddef>
#include <cstdint>
#include <string>

namespace roomcast {

class transport_session {
public:
  virtual ~transport_session() = default;

  /// Writes what is queued; on the session's I/O thread (write_batcher).
  virtual void flush() = 0;

  /// Says goodbye in the transport's own terms (a close frame with `code`)
  /// after what is queued. Thread-safe.
  virtual void close(std::uint16_t code, std::string reason) = 0;

  /// Cuts the connection at once (the end of a drain). Thread-safe.
  virtual void shutdown() = 0;

  /// The client as its connection actor last described it (JSON), or empty.
  virtual std::string annotation() const { return {}; }

  /// Bytes queued for the client and not yet written. Thread-safe.
  virtual std::size_t backlog() const = 0;

  /// How the client is reached right now ("websocket", "socket.io/polling",
  /// ...), for operators. Thread-safe.
  virtual std::string transport() const { return "websocket"; }
};

} // namespace roomcast
