#include "gateway/listener.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "gateway/http_session.hpp"

namespace asio = boost::asio;

namespace roomcast {

listener::listener(std::vector<asio::io_context*> contexts, gateway_context& ctx)
  : contexts_(std::move(contexts)), ctx_(ctx), acceptor_(*contexts_.front()), retry_(*contexts_.front()) {}

std::string listener::listen(const asio::ip::tcp::endpoint& ep) {
  boost::system::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(ep, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec ? "cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) + ": " + ec.message()
            : std::string{};
}

asio::ip::tcp::endpoint listener::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void listener::run() {
  do_accept();
}

void listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
}

void listener::do_accept() {
  auto& ioc = *contexts_[next_++ % contexts_.size()];
  acceptor_.async_accept(ioc, [self = shared_from_this()](const boost::system::error_code& ec,
                                                           asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open())
      return;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      self->retry_.expires_after(std::chrono::milliseconds(100));
      self->retry_.async_wait([self](const boost::system::error_code& e) {
        if (!e)
          self->do_accept();
      });
      return;
    }
    // Everything of this connection runs on its own I/O thread from here.
    auto ex = socket.get_executor();
    asio::post(ex, [s = std::make_shared<http_session>(std::move(socket), self->ctx_)] { s->run(); });
    self->do_accept();
  });
}

} // namespace roomcast
