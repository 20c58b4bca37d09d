#pragma once
// Accepts TCP connections; each gets its own strand and an http_session.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

#include "gateway/gateway_context.hpp"

namespace roomcast {

class listener : public std::enable_shared_from_this<listener> {
public:
  listener(boost::asio::io_context& ioc, gateway_context& ctx);

  /// Binds; returns an error text or empty.
  std::string listen(const boost::asio::ip::tcp::endpoint& ep);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void run();
  void stop();

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  gateway_context& ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
};

} // namespace roomcast
