#pragma once
// Plain HTTP on a fresh connection: /healthz, the route table's handlers,
// and the upgrade to a WebSocket session for the table's upgrade routes.

#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "gateway/gateway_context.hpp"

namespace roomcast {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, gateway_context& ctx);
  void run();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace roomcast
