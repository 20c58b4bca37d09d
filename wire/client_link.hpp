#pragma once
// The only thing an actor knows about a client's transport.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "wire/wire_frame.hpp"

namespace roomcast {

/// A connection actor's handle on its transport (a WebSocket session today,
/// an Engine.IO session later). All members are thread-safe; none blocks.
class client_link {
public:
  virtual ~client_link() = default;

  /// Queues a shared frame for writing. Returns false when the link is
  /// closed or its send queue is over its byte limit; in the latter case the
  /// link closes itself with 1008 (slow consumer).
  virtual bool send(wire_frame_ptr frame) = 0;

  /// Sends a close frame after what is queued, then shuts the socket.
  virtual void close(std::uint16_t code, std::string reason) = 0;

  /// Bytes queued and not yet written.
  virtual std::size_t backlog() const = 0;

  /// The connection actor finished one inbound command: lets the transport
  /// resume reading if it paused because too many were in flight.
  virtual void command_done() = 0;

  /// What the connection actor says this client is (its describe JSON:
  /// identity, phase, rooms), kept by the transport for operators. The
  /// transport never reads it. Default: dropped.
  virtual void annotate(std::string json) {}
};

using client_link_ptr = std::shared_ptr<client_link>;

} // namespace roomcast
