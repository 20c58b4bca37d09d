#pragma once
// The gateway as main() sees it: I/O threads, the listener, and a way to
// drain. Keeps Asio out of the composition root.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

#include "config/settings.hpp"
#include "gateway/connection_table.hpp"
#include "gateway/router.hpp"

namespace roomcast {

class server {
public:
  /// `routes`: every dialect's HTTP and upgrade routes, registered before.
  /// `connections`: the table of open connections to fill (e.g. one the
  /// admin console reads); null: the server keeps its own.
  server(const settings& cfg, std::shared_ptr<const router> routes,
         std::shared_ptr<connection_table> connections = nullptr);
  ~server();

  /// Binds and starts the I/O threads. Returns an error text or empty;
  /// `port()` then tells the bound port. With server.tls_cert and
  /// server.tls_key set, the port speaks TLS only; a file that cannot be
  /// used is an error here.
  std::string start();

  /// Whether the listener speaks TLS.
  bool tls() const;
  /// Loads the TLS certificate and key again (e.g. at SIGHUP): new
  /// connections get the new ones, open connections keep theirs. On an
  /// error the old ones stay and the error text is returned; empty on success.
  std::string reload_tls();
  std::uint16_t port() const;
  std::string host() const;

  /// Stops accepting; /healthz reports draining.
  void stop_accepting();
  /// Waits until every WebSocket session closed, at most `timeout`.
  void wait_sessions_closed(std::chrono::milliseconds timeout);
  /// Sends every WebSocket still open a close frame (e.g. 1001 at shutdown).
  void close_sessions(std::uint16_t code, const std::string& reason);
  /// Closes every remaining WebSocket at once; their actors are told.
  void terminate_sessions();
  /// Stops the I/O threads; pending sessions are destroyed.
  void stop();

  std::size_t open_sessions() const;

  /// Applies the connection limits of `now` (server.max_connections,
  /// max_connections_per_ip, max_pending_http) to the next accepts; open
  /// connections stay. Thread-safe.
  void apply_limits(const settings& now);

private:
  /// Engine.IO mounts and, with namespaces registered, Socket.IO: their routes.
  void mount_engineio(const std::vector<boost::asio::io_context*>& contexts);

  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace roomcast
