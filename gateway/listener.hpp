#pragma once
// Accepts TCP connections and deals them out to the I/O threads
// round-robin; each gets an http_session there (TLS with the identity's
// current context, if the listener has one), or, over a connection limit
// (connection_slot), a 503 with Retry-After and a close.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <vector>

#include "gateway/gateway_context.hpp"
#include "gateway/tls_context.hpp"

namespace roomcast {

class listener : public std::enable_shared_from_this<listener> {
public:
  /// Accepts on the first context; `contexts` each run on one thread.
  /// `tls`: null for plain TCP.
  listener(std::vector<boost::asio::io_context*> contexts, gateway_context& ctx,
           std::shared_ptr<const tls_identity> tls = nullptr);

  /// Binds; returns an error text or empty.
  std::string listen(const boost::asio::ip::tcp::endpoint& ep);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void run();
  void stop();

private:
  void do_accept();

  std::vector<boost::asio::io_context*> contexts_;
  std::size_t next_ = 0;
  gateway_context& ctx_;
  std::shared_ptr<const tls_identity> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
};

} // namespace roomcast
