#include "gateway/http_session.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <spdlog/spdlog.h>

#include "gateway/handshake.hpp"
#include "gateway/websocket_session.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace roomcast {

namespace {

constexpr auto request_timeout = std::chrono::seconds(30);
constexpr std::size_t header_limit = 8 * 1024;
constexpr std::size_t body_limit = 64 * 1024;

/// The `token` query parameter, if any.
std::string token_param(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url)
    return {};
  auto params = url->params();
  auto it = params.find("token");
  return it == params.end() ? std::string{} : std::string{(*it).value};
}

/// "/room/{id}/websocket" (query string ignored) -> id; nullopt otherwise.
std::optional<std::string> conference_room_of(std::string_view target) {
  target = target.substr(0, target.find('?'));
  constexpr std::string_view prefix = "/room/", suffix = "/websocket";
  if (target.size() <= prefix.size() + suffix.size() || target.substr(0, prefix.size()) != prefix
      || target.substr(target.size() - suffix.size()) != suffix)
    return std::nullopt;
  auto id = target.substr(prefix.size(), target.size() - prefix.size() - suffix.size());
  if (id.find('/') != std::string_view::npos)
    return std::nullopt;
  return std::string{id};
}

} // namespace

struct http_session::impl : std::enable_shared_from_this<http_session::impl> {
  asio::ip::tcp::socket socket;
  gateway_context& ctx;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  http::response<http::string_body> response;
  std::string upgrade;
  asio::steady_timer timer;

  impl(asio::ip::tcp::socket&& s, gateway_context& c)
    : socket(std::move(s)), ctx(c), buffer(header_limit + body_limit), timer(socket.get_executor()) {}

  void do_read() {
    parser.emplace();
    parser->header_limit(header_limit);
    parser->body_limit(body_limit);
    // Slow or silent clients don't get to hold a socket forever.
    timer.expires_after(request_timeout);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket.close(ignored);
      }
    });
    http::async_read(socket, buffer, *parser,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    timer.cancel();
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == asio::error::eof)
      return shutdown();
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::body_limit)
        return reply(http::status::payload_too_large, R"({"error":"request too large"})", false);
      return reply(http::status::bad_request, R"({"error":"malformed HTTP request"})", false);
    }
    auto& req = parser->get();
    auto target = std::string_view{req.target().data(), req.target().size()};
    auto path = target.substr(0, target.find('?'));
    if (beast::websocket::is_upgrade(req)) {
      auto room = conference_room_of(target);
      if (!room)
        return reply(http::status::not_found, R"({"error":"no WebSocket endpoint here"})", false);
      if (ctx.draining)
        return reply(http::status::service_unavailable, R"({"error":"shutting down"})", false);
      auto key = req[http::field::sec_websocket_key];
      if (req[http::field::sec_websocket_version] != "13" || !valid_websocket_key({key.data(), key.size()}))
        return reply(http::status::bad_request, R"({"error":"bad WebSocket handshake"})", false);
      return accept(std::move(*room), token_param(target), upgrade_response({key.data(), key.size()}));
    }
    if (path == "/healthz" && (req.method() == http::verb::get || req.method() == http::verb::head))
      return reply(ctx.draining ? http::status::service_unavailable : http::status::ok,
                   ctx.draining ? R"({"status":"draining"})" : R"({"status":"ok"})", req.keep_alive());
    if (conference_room_of(target))
      return reply(http::status::upgrade_required, R"({"error":"WebSocket upgrade required"})", req.keep_alive());
    reply(http::status::not_found, R"({"error":"not found"})", req.keep_alive());
  }

  void reply(http::status status, std::string body, bool keep_alive) {
    response = {};
    response.result(status);
    response.version(11);
    response.set(http::field::server, "roomcast");
    response.set(http::field::content_type, "application/json");
    response.keep_alive(keep_alive);
    response.body() = std::move(body);
    response.prepare_payload();
    http::async_write(socket, response, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive)
        return self->shutdown();
      self->do_read();
    });
  }

  void accept(std::string room_id, std::string token, std::string response_text) {
    upgrade = std::move(response_text);
    asio::async_write(socket, asio::buffer(upgrade),
                      [self = shared_from_this(), room_id = std::move(room_id), token = std::move(token)](
                        const boost::system::error_code& ec, std::size_t) mutable {
                        if (ec)
                          return;
                        // Bytes the client sent right behind its request belong to the WebSocket.
                        std::string leftover{static_cast<const char*>(self->buffer.data().data()),
                                             self->buffer.size()};
                        auto ws = std::make_shared<websocket_session>(std::move(self->socket), self->ctx,
                                                                      std::move(room_id), std::move(token));
                        ws->start(std::move(leftover));
                      });
  }

  void shutdown() {
    boost::system::error_code ec;
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    socket.close(ec);
  }
};

http_session::http_session(asio::ip::tcp::socket&& socket, gateway_context& ctx)
  : impl_(std::make_shared<impl>(std::move(socket), ctx)) {}

void http_session::run() {
  impl_->do_read();
}

} // namespace roomcast
