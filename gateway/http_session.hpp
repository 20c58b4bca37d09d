#pragma once
// Plain HTTP on a fresh connection: /healthz, the route table's handlers,
// and the upgrade to a WebSocket session for the table's upgrade routes.

#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "gateway/connection_slot.hpp"
#include "gateway/gateway_context.hpp"

namespace roomcast {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// `slot`: the connection's place under the limits; held until the
  /// socket closes, or handed on to the WebSocket session at an upgrade.
  http_session(boost::asio::ip::tcp::socket&& socket, gateway_context& ctx, connection_slot slot);
  void run();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace roomcast
