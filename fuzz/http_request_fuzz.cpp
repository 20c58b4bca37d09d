// The HTTP request path up to a route or a WebSocket upgrade: Beast's parser
// with the session's limits, the request as routes see it, the route table,
// and the RFC 6455 handshake checks. Invariants: the path is the target
// before '?', header names are lower case, route captures are whole
// segments, every request gets exactly one answer, and a 101 carries the
// accept key RFC 6455 prescribes (computed here independently).

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <openssl/sha.h>

#include <cctype>
#include <memory>

#include "fuzz/fuzz_check.hpp"
#include "gateway/handshake.hpp"
#include "gateway/request_head.hpp"
#include "gateway/router.hpp"

using namespace roomcast;
namespace http = boost::beast::http;

namespace {

/// The shape of the real table: WebSocket dialects and REST routes with captures.
const router& routes() {
  static const router table = [] {
    router r;
    r.allow_origins({"http://localhost:3000"});
    for (auto p : {"/room/:roomId/websocket", "/ws", "/", "/shop"})
      r.add(upgrade_route{p, nullptr, {}, std::string_view{p} == "/"});
    auto handler = [](http_request& req, responder res) { res.json(200, "{}"); };
    r.add(http_route{http_method::get, "/api/rooms/:roomId", handler});
    r.add(http_route{http_method::post, "/api/rooms", handler, 64 * 1024, true, true});
    r.add(http_route{http_method::get, "/api/rooms/:roomId/messages", handler, 64 * 1024, false, true});
    r.add(http_route{http_method::post, "/api/stream/start", handler, 64 * 1024, true, true});
    r.add(http_route{http_method::get, "/admin/api/actors/:kind/:id", handler});
    r.add(http_route{http_method::post, "/socket.io/", handler, 1000000, false, true,
                     std::chrono::milliseconds{10000}, true});
    r.add(http_route{http_method::get, "/", handler});
    return r;
  }();
  return table;
}

std::string expected_accept(std::string_view key) {
  std::string in{key};
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  std::string out(boost::beast::detail::base64::encoded_size(sizeof digest), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), digest, sizeof digest));
  return out;
}

void check_upgrade(const http::request<http::string_body>& req, const http_request& r) {
  string_pairs params;
  auto* route = routes().find_upgrade(r.path, params);
  if (route)
    for (auto& [name, value] : params)
      FUZZ_CHECK(!value.empty() && value.find('/') == std::string::npos);
  routes().origin_allowed(r);
  auto refusal = check_ws_handshake(req);
  if (refusal) {
    FUZZ_CHECK(refusal->status == 426 || refusal->status == 400);
    FUZZ_CHECK(fuzz::parse_json(refusal->body));
    return;
  }
  auto key = req[http::field::sec_websocket_key];
  FUZZ_CHECK(valid_websocket_key({key.data(), key.size()}));
  auto text = upgrade_response({key.data(), key.size()});
  // What a client reads: a complete 101 with the right accept key and no body.
  http::response_parser<http::empty_body> p;
  boost::beast::error_code ec;
  auto used = p.put(boost::asio::buffer(text), ec);
  FUZZ_CHECK(!ec && used == text.size() && p.is_header_done());
  auto& res = p.get();
  FUZZ_CHECK(res.result_int() == 101);
  FUZZ_CHECK(res[http::field::sec_websocket_accept] == expected_accept({key.data(), key.size()}));
}

void check_request(http::request<http::string_body>& req, bool complete) {
  auto r = to_http_request(req, "127.0.0.1");
  FUZZ_CHECK(r.target == std::string_view(req.target().data(), req.target().size()));
  FUZZ_CHECK(r.path == r.target.substr(0, r.target.find('?')) && r.path.find('?') == std::string::npos);
  for (auto& h : r.headers) {
    for (char c : h.first)
      FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)));
    auto first = std::find_if(r.headers.begin(), r.headers.end(), [&](auto& g) { return g.first == h.first; });
    FUZZ_CHECK(r.header(h.first) == first->second);
  }
  r.query_param("token");
  r.query_param("EIO");
  auto bearer = r.bearer_token();
  FUZZ_CHECK(bearer.empty() || bearer[0] != ' ');
  if (boost::beast::websocket::is_upgrade(req))
    return check_upgrade(req, r);
  if (!complete)
    return;
  r.body = req.body();
  int answers = 0;
  unsigned status = 0;
  responder res{[&](http_response out) {
    ++answers;
    status = out.status;
  }};
  auto* route = routes().dispatch(r, res);
  FUZZ_CHECK(answers == 1); // every handler here answers at once, and so does every refusal
  if (route) {
    FUZZ_CHECK(status == 200);
    FUZZ_CHECK(!route->json_body || r.json);
    for (auto& [name, value] : r.params)
      FUZZ_CHECK(!value.empty() && value.find('/') == std::string::npos);
  } else {
    FUZZ_CHECK(status == 204 || status == 403 || status == 400 || status == 404 || status == 405 || status == 426);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest{reinterpret_cast<const char*>(data), size};
  // Keep-alive: requests one after another on one connection, as the session reads them.
  for (int n = 0; n < 4 && !rest.empty(); ++n) {
    http::request_parser<http::string_body> p;
    p.header_limit(8 * 1024);
    p.body_limit(64 * 1024);
    p.eager(true);
    boost::beast::error_code ec;
    while (!rest.empty() && !p.is_done()) {
      auto used = p.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      FUZZ_CHECK(used <= rest.size());
      rest.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0)
          break;
        continue;
      }
      if (ec || used == 0)
        break;
    }
    if (!ec && !p.is_done() && p.is_header_done() && rest.empty())
      p.put_eof(ec);
    if (!p.is_header_done())
      return 0;
    check_request(p.get(), !ec && p.is_done());
    if (ec || !p.is_done() || !p.get().keep_alive())
      return 0;
  }
  return 0;
}
