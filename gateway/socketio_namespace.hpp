#pragma once
// The seam between the Socket.IO transport and a dialect that lives on a
// Socket.IO namespace ("/chat", "/"). The transport owns Engine.IO (polling,
// WebSocket, the upgrade, ping) and Socket.IO framing (namespaces, acks,
// binary attachments); a namespace owns what events mean. Dialects render
// their frames with wire/socketio_packet.hpp and send them on the link.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/engineio.hpp"
#include "gateway/http_types.hpp"
#include "wire/client_link.hpp"

namespace boost::json {
class value;
}

namespace roomcast {

/// One client's connection to one namespace. Calls come one at a time, but
/// not always from the same thread (polling requests arrive on any I/O thread).
class sio_connection {
public:
  virtual ~sio_connection() = default;

  /// Connected: `link` is the client's Engine.IO session (shared by all its
  /// namespaces); `sid` is this namespace connection's id; `services` has the
  /// session's timer. Runs right after the CONNECT acknowledgement was queued.
  virtual void start(client_link_ptr link, std::string sid, eio_session_services& services) = 0;

  /// An EVENT: `args` is its JSON array as sent (`["name", ...]`); `ack` is
  /// set when the client waits for an acknowledgement. Returns true when it
  /// handed a command to an actor.
  virtual bool on_event(std::string_view args, std::optional<std::uint64_t> ack, client_link& link) = 0;

  /// The same EVENT with its arguments as the transport parsed them to
  /// validate the packet (`parsed`, valid during the call only, and `args`,
  /// the text). A namespace that reads the arguments overrides this so an
  /// event is parsed once. Default: on_event(args, ...).
  virtual bool on_parsed_event(const boost::json::value& parsed, std::string_view args,
                               std::optional<std::uint64_t> ack, client_link& link) {
    return on_event(args, ack, link);
  }

  /// An ACK from the client for an event we sent with an id.
  virtual void on_ack(std::uint64_t id, std::string_view args, client_link& link) {}

  /// A BINARY_EVENT with its attachments (placeholders in `args`).
  virtual void on_binary_event(std::string_view args, const std::vector<std::string>& attachments,
                               std::optional<std::uint64_t> ack, client_link& link) = 0;

  /// The client disconnected from the namespace, or its session ended.
  /// Called at most once; may run on any thread.
  virtual void on_release() = 0;
};

/// A refused CONNECT: sent as CONNECT_ERROR `{message, data?}`.
struct sio_refusal {
  std::string message;
  std::string data_json; ///< empty: no `data`
};

using sio_admission = std::variant<std::unique_ptr<sio_connection>, sio_refusal>;

/// A dialect's behaviour at one namespace. Thread-safe.
class sio_namespace {
public:
  virtual ~sio_namespace() = default;
  /// A CONNECT to this namespace: `handshake` is the Engine.IO session's
  /// first request (headers, query: e.g. a Bearer token), `auth` the
  /// CONNECT payload's JSON (empty when none). Authentication happens here.
  virtual sio_admission connect(const http_request& handshake, std::string_view auth) = 0;
};

} // namespace roomcast
