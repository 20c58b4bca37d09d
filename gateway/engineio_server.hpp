#pragma once
// Serves one Engine.IO mount: the session table, the polling routes (GET,
// POST) and the WebSocket upgrade route at the mount's path.

#include <boost/asio/io_context.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/engineio.hpp"
#include "gateway/gateway_context.hpp"
#include "gateway/router.hpp"

namespace roomcast {

class engineio_session;

class engineio_server : public std::enable_shared_from_this<engineio_server> {
public:
  /// Sessions are dealt to `lanes` (their timers run there).
  engineio_server(eio_mount mount, std::vector<boost::asio::io_context*> lanes, gateway_context& ctx);

  /// Adds the mount's HTTP and upgrade routes to `routes`.
  void mount(router& routes);

  std::shared_ptr<engineio_session> find(const std::string& sid);
  /// A new session, registered; `handshake` is its first request.
  std::shared_ptr<engineio_session> create(const http_request& handshake);
  std::size_t sessions() const;
  const eio_options& options() const noexcept { return mount_.options; }

private:
  void forget(const std::string& sid);

  eio_mount mount_;
  std::vector<boost::asio::io_context*> lanes_;
  gateway_context& ctx_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<engineio_session>> sessions_;
  std::size_t next_lane_ = 0;
};

/// Checks EIO=4 and the transport; an Engine.IO JSON error when wrong.
std::optional<http_response> check_engineio_query(const http_request& req, std::string_view transport);

} // namespace roomcast
