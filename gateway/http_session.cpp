#include "gateway/http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <deque>

#include "gateway/deflate_negotiation.hpp"
#include "gateway/handshake.hpp"
#include "gateway/request_head.hpp"
#include "gateway/route_deadline.hpp"
#include "gateway/router.hpp"
#include "gateway/websocket_session.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace roomcast {

namespace {

constexpr std::size_t header_limit = 8 * 1024;

/// One connection's HTTP: over plain TCP, or TLS after a handshake.
template <class Stream>
struct http_session : std::enable_shared_from_this<http_session<Stream>> {
  static constexpr bool tls = is_tls_stream<Stream>;
  using std::enable_shared_from_this<http_session<Stream>>::shared_from_this;

  tls_context_ptr tls_context; ///< outlives socket
  Stream socket;
  gateway_context& ctx;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  http::response<http::string_body> response;
  std::string upgrade;
  asio::steady_timer timer;
  std::string remote;
  connection_slot slot; ///< counted as pending HTTP while held here

  http_session(asio::ip::tcp::socket&& s, gateway_context& c, connection_slot sl, tls_context_ptr t)
    : tls_context(std::move(t)), socket(make_stream(std::move(s), tls_context)), ctx(c),
      timer(socket.get_executor()), slot(std::move(sl)) {
    remote = slot.remote_address();
    if (remote.empty()) {
      boost::system::error_code ec;
      auto ep = tcp_socket_of(socket).remote_endpoint(ec);
      if (!ec)
        remote = ep.address().to_string();
    }
  }

  static Stream make_stream(asio::ip::tcp::socket&& s, const tls_context_ptr& t) {
    if constexpr (tls)
      return Stream(std::move(s), *t);
    else
      return std::move(s);
  }

  void run() {
    if constexpr (tls)
      expect_tls();
    else
      do_read();
  }

  /// A TLS connection opens with a handshake record (0x16). Anything else
  /// is most likely plain HTTP sent to the TLS port: it gets a plain 400
  /// saying so, not a handshake failure the client cannot read.
  void expect_tls() {
    arm_read_timeout();
    tcp_socket_of(socket).async_wait(asio::ip::tcp::socket::wait_read,
                                     [self = shared_from_this()](const boost::system::error_code& ec) {
                                       if (ec)
                                         return self->shutdown();
                                       unsigned char first = 0;
                                       boost::system::error_code pec;
                                       auto n = tcp_socket_of(self->socket).receive(
                                         asio::buffer(&first, 1), asio::socket_base::message_peek, pec);
                                       if (pec || n == 0)
                                         return self->shutdown();
                                       if (first != 0x16)
                                         return self->refuse_plain_http();
                                       self->do_handshake();
                                     });
  }

  /// Bounded by the timer expect_tls() armed (server.request_timeout_ms).
  void do_handshake() {
    if constexpr (tls)
      socket.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        self->timer.cancel();
        if (ec) {
          spdlog::debug("TLS handshake with {} failed: {}", self->remote, ec.message());
          return self->shutdown();
        }
        self->do_read();
      });
  }

  void refuse_plain_http() {
    timer.cancel();
    static const std::string text = [] {
      std::string body = R"({"error":"this port speaks HTTPS; use https:// or wss://"})";
      std::string t = "HTTP/1.1 400 Bad Request\r\nServer: roomcast\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\nContent-Length: ";
      t += std::to_string(body.size());
      t += "\r\n\r\n";
      t += body;
      return t;
    }();
    // Take in what the client sent: closing on unread bytes resets the
    // connection, and the reset can overtake the answer.
    auto& raw = tcp_socket_of(socket);
    boost::system::error_code ec;
    std::array<char, 4096> sink;
    while (!ec && raw.available(ec) > 0)
      raw.receive(asio::buffer(sink), 0, ec);
    asio::async_write(raw, asio::buffer(text), [self = shared_from_this()](const boost::system::error_code& wec,
                                                                          std::size_t) {
      if (wec)
        return self->shutdown();
      boost::system::error_code ignored;
      tcp_socket_of(self->socket).shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      self->timer.expires_after(std::chrono::seconds(1));
      self->timer.async_wait([self](const boost::system::error_code& tec) {
        if (!tec)
          self->shutdown();
      });
      self->drain_plain();
    });
  }

  /// After the 400: reads until the client hangs up (or the timer ends it).
  void drain_plain() {
    auto sink = std::make_shared<std::array<char, 1024>>();
    tcp_socket_of(socket).async_read_some(asio::buffer(*sink), [self = shared_from_this(), sink](
                                                                   const boost::system::error_code& ec, std::size_t) {
      if (ec)
        return self->shutdown();
      self->drain_plain();
    });
  }

  /// Slow or silent clients don't get to hold a socket forever.
  void arm_read_timeout() {
    timer.expires_after(ctx.cfg.request_timeout);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        tcp_socket_of(self->socket).close(ignored);
      }
    });
  }

  void do_read() {
    parser.emplace();
    parser->header_limit(header_limit);
    arm_read_timeout();
    http::async_read_header(socket, buffer, *parser,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  bool read_failed(beast::error_code ec) {
    if (!ec)
      return false;
    timer.cancel();
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == asio::error::eof
        || ec == asio::ssl::error::stream_truncated)
      shutdown();
    else if (ec == http::error::header_limit || ec == http::error::body_limit)
      reply(http_response::error(413, "request too large"), false);
    else
      reply(http_response::error(400, "malformed HTTP request"), false);
    return true;
  }

  http_request to_request() { return to_http_request(parser->get(), remote); }

  void on_header(beast::error_code ec) {
    if (read_failed(ec))
      return;
    auto& req = parser->get();
    if (beast::websocket::is_upgrade(req)) {
      timer.cancel();
      return on_upgrade();
    }
    // The route decides how large a body it takes.
    auto target = std::string_view{req.target().data(), req.target().size()};
    auto m = ctx.routes->find(method_of(req.method()), target.substr(0, target.find('?')));
    parser->body_limit(m.route ? m.route->body_limit : 64 * 1024);
    http::async_read(socket, buffer, *parser,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (read_failed(ec))
      return;
    timer.cancel();
    auto req = to_request();
    req.body = std::move(parser->get().body());
    bool keep_alive = parser->get().keep_alive();
    bool head = req.method == http_method::head;
    if (req.path == "/healthz" && (req.method == http_method::get || head))
      return reply(ctx.draining ? http_response::json(503, R"({"status":"draining"})")
                                : http_response::json(200, R"({"status":"ok"})"),
                   keep_alive);
    // Answers may come from an actor's thread: they are written on ours.
    auto self = shared_from_this();
    responder res{[self, keep_alive, head](http_response r) {
      asio::post(self->socket.get_executor(), [self, keep_alive, head, r = std::move(r)]() mutable {
        self->timer.cancel();
        if (head)
          r.body.clear();
        self->reply(std::move(r), keep_alive);
      });
    }};
    if (auto* route = ctx.routes->dispatch(req, res))
      arm_route_deadline(timer, res, route->timeout);
  }

  void on_upgrade() {
    auto& req = parser->get();
    auto r = to_request();
    auto* route = ctx.routes->find_upgrade(r.path, r.params);
    if (!route)
      return reply(http_response::error(404, "no WebSocket endpoint here"), false);
    if (ctx.draining)
      return reply(http_response::error(503, "shutting down"), false);
    // Cross-site WebSocket hijacking: a foreign page must not open a socket
    // with the user's cookies.
    if (!ctx.routes->origin_allowed(r, route->origins))
      return reply(http_response::error(403, "origin not allowed"), false);
    if (auto refusal = check_ws_handshake(req))
      return reply(std::move(*refusal), false);
    auto admission = route->endpoint->accept(r);
    if (auto* refusal = std::get_if<http_response>(&admission))
      return reply(std::move(*refusal), false);
    auto key = req[http::field::sec_websocket_key];
    auto deflate = negotiate(r);
    auto response = upgrade_response({key.data(), key.size()}, deflate ? deflate->response : std::string_view{});
    accept(std::move(std::get<std::unique_ptr<ws_connection>>(admission)), std::move(response), std::move(r.path),
           std::move(deflate));
  }

  /// permessage-deflate, if enabled and offered (the offers may come in
  /// several header fields; the whole request is bounded by header_limit).
  std::optional<deflate_agreement> negotiate(const http_request& r) const {
    if (!ctx.cfg.deflate)
      return std::nullopt;
    std::string offers;
    for (auto& [name, value] : r.headers)
      if (name == "sec-websocket-extensions") {
        if (!offers.empty())
          offers += ',';
        offers += value;
      }
    if (offers.empty())
      return std::nullopt;
    return negotiate_deflate(offers, {ctx.cfg.deflate_client_window_bits, ctx.cfg.deflate_client_context_takeover});
  }

  void reply(http_response r, bool keep_alive) {
    if (r.stream)
      return start_stream(std::move(r));
    response = {};
    response.result(static_cast<http::status>(r.status));
    response.version(11);
    response.set(http::field::server, "roomcast");
    if (!r.content_type.empty())
      response.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers)
      response.set(k, v);
    response.keep_alive(keep_alive);
    response.body() = std::move(r.body);
    response.prepare_payload();
    http::async_write(socket, response, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive)
        return self->shutdown();
      self->do_read();
    });
  }

  void accept(std::unique_ptr<ws_connection> conn, std::string response_text, std::string path,
              std::optional<deflate_agreement> deflate) {
    upgrade = std::move(response_text);
    asio::async_write(socket, asio::buffer(upgrade),
                      [self = shared_from_this(), conn = std::move(conn), path = std::move(path),
                       deflate = std::move(deflate)](const boost::system::error_code& ec, std::size_t) mutable {
                        if (ec)
                          return;
                        // Bytes the client sent right behind its request belong to the WebSocket.
                        std::string leftover{static_cast<const char*>(self->buffer.data().data()),
                                             self->buffer.size()};
                        self->slot.upgraded();
                        auto ws = std::make_shared<basic_websocket_session<Stream>>(
                          std::move(self->socket), self->ctx, std::move(conn), std::move(self->slot),
                          self->tls_context, deflate ? &*deflate : nullptr);
                        self->ctx.connections->add(ws, self->remote, std::move(path));
                        ws->start(std::move(leftover));
                      });
  }

  /// A streamed response: headers without a length, then whatever the
  /// producer writes, until it ends or the client hangs up.
  void start_stream(http_response r);

  struct body_stream;

  void shutdown() {
    boost::system::error_code ec;
    timer.cancel();
    // TLS: no close_notify; every response is delimited by its length or
    // by the connection closing, and the client has read it by now.
    tcp_socket_of(socket).shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    tcp_socket_of(socket).close(ec);
    slot.release(); // a pending responder may keep this object a while
  }
};

/// Writes a streamed body on the session's thread; bounded, so a client
/// that stops reading is cut off rather than buffered for.
template <class Stream>
struct http_session<Stream>::body_stream final : http_stream, std::enable_shared_from_this<body_stream> {
  static constexpr std::size_t max_queued_bytes = 1 << 20;

  using std::enable_shared_from_this<body_stream>::shared_from_this;

  explicit body_stream(std::shared_ptr<http_session> s) : session(std::move(s)) {}

  bool write(std::string chunk) override {
    if (!live)
      return false;
    auto size = chunk.size();
    if (queued.fetch_add(size) + size > max_queued_bytes) {
      end_now();
      return false;
    }
    asio::post(session->socket.get_executor(), [self = shared_from_this(), chunk = std::move(chunk)]() mutable {
      if (!self->live)
        return;
      self->pieces.push_back(std::move(chunk));
      if (self->pieces.size() == 1)
        self->do_write();
    });
    return true;
  }

  void end() override {
    asio::post(session->socket.get_executor(), [self = shared_from_this()] {
      self->ending = true;
      if (self->pieces.empty())
        self->end_now();
    });
  }

  bool open() const override { return live; }

  void do_write() {
    asio::async_write(session->socket, asio::buffer(pieces.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                        self->queued -= n;
                        if (ec)
                          return self->end_now();
                        self->pieces.pop_front();
                        if (!self->pieces.empty())
                          self->do_write();
                        else if (self->ending)
                          self->end_now();
                      });
  }

  /// The client sends nothing on a streamed response; a read that ends
  /// means it hung up.
  void watch_peer() {
    session->socket.async_read_some(asio::buffer(scratch),
                                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                      if (ec)
                                        return self->end_now();
                                      self->watch_peer();
                                    });
  }

  void end_now() {
    if (!live.exchange(false))
      return;
    asio::post(session->socket.get_executor(), [s = session] { s->shutdown(); });
  }

  std::shared_ptr<http_session> session;
  std::deque<std::string> pieces; ///< the session's thread only
  bool ending = false;
  std::atomic<bool> live{true};
  std::atomic<std::size_t> queued{0};
  std::array<char, 512> scratch{};
};

template <class Stream>
void http_session<Stream>::start_stream(http_response r) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " "
                     + std::string{http::obsolete_reason(static_cast<http::status>(r.status))}
                     + "\r\nServer: roomcast\r\nConnection: close\r\nCache-Control: no-cache\r\n";
  if (!r.content_type.empty())
    head += "Content-Type: " + r.content_type + "\r\n";
  for (auto& [k, v] : r.headers)
    head += k + ": " + v + "\r\n";
  head += "\r\n";
  auto out = std::make_shared<body_stream>(shared_from_this());
  out->write(std::move(head) + r.body);
  out->watch_peer();
  r.stream(std::move(out));
}

} // namespace

void start_http_session(asio::ip::tcp::socket&& socket, gateway_context& ctx, connection_slot slot,
                        tls_context_ptr tls) {
  if (tls)
    std::make_shared<http_session<tls_stream>>(std::move(socket), ctx, std::move(slot), std::move(tls))->run();
  else
    std::make_shared<http_session<plain_stream>>(std::move(socket), ctx, std::move(slot), nullptr)->run();
}

} // namespace roomcast
