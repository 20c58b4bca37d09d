#include "gateway/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

#include <array>

#include "gateway/connection_slot.hpp"
#include "gateway/http_session.hpp"

namespace asio = boost::asio;

namespace roomcast {

namespace {

/// How long a refused client gets to read its 503 before the socket closes.
constexpr std::chrono::milliseconds refusal_linger{1000};

/// A connection over a limit: a fixed 503, then close. After the response
/// its input is read and dropped until the client hangs up or the linger
/// ends, so an unread request does not turn our close into a reset that
/// could swallow the 503.
struct refusal : std::enable_shared_from_this<refusal> {
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  std::array<char, 1024> sink;

  explicit refusal(asio::ip::tcp::socket&& s) : socket(std::move(s)), timer(socket.get_executor()) {}

  static const std::string& response() {
    static const std::string text = [] {
      const std::string body = R"({"error":"too many connections; try again later"})";
      return "HTTP/1.1 503 Service Unavailable\r\nServer: roomcast\r\nContent-Type: application/json\r\n"
             "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    return text;
  }

  void run() {
    timer.expires_after(refusal_linger);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec)
        self->close();
    });
    asio::async_write(socket, asio::buffer(response()),
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                        if (ec)
                          return self->close();
                        boost::system::error_code ignored;
                        self->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                        self->drain();
                      });
  }

  void drain() {
    socket.async_read_some(asio::buffer(sink), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                           std::size_t) {
      if (ec)
        return self->close();
      self->drain();
    });
  }

  void close() {
    boost::system::error_code ignored;
    timer.cancel();
    socket.close(ignored);
  }
};

} // namespace

listener::listener(std::vector<asio::io_context*> contexts, gateway_context& ctx,
                   std::shared_ptr<const tls_identity> tls)
  : contexts_(std::move(contexts)), ctx_(ctx), tls_(std::move(tls)), acceptor_(*contexts_.front()),
    retry_(*contexts_.front()) {}

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
    boost::system::error_code rec;
    auto remote = socket.remote_endpoint(rec);
    auto address = rec ? std::string{} : remote.address().to_string();
    auto admission = connection_slot::admit(self->ctx_, address);
    if (auto* why = std::get_if<connection_refusal>(&admission)) {
      connection_slot::log_refusal(self->ctx_, *why, address);
      // A plain 503 means nothing to a TLS client, and a handshake is what
      // the limit is there to spare: TLS clients are just closed.
      if (self->tls_) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        asio::post(ex, [r = std::make_shared<refusal>(std::move(socket))] { r->run(); });
      }
    } else {
      // The context of the moment: a reload changes it for later connections only.
      auto tls = self->tls_ ? self->tls_->current() : nullptr;
      asio::post(ex, [socket = std::move(socket), &ctx = self->ctx_,
                      slot = std::move(std::get<connection_slot>(admission)), tls = std::move(tls)]() mutable {
        start_http_session(std::move(socket), ctx, std::move(slot), std::move(tls));
      });
    }
    self->do_accept();
  });
}

} // namespace roomcast
