#include "gateway/request_head.hpp"

#include <boost/beast/http/field.hpp>

#include <cctype>

#include "gateway/handshake.hpp"

namespace http = boost::beast::http;

namespace roomcast {

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

http_method method_of(http::verb v) {
  switch (v) {
    case http::verb::get: return http_method::get;
    case http::verb::head: return http_method::head;
    case http::verb::post: return http_method::post;
    case http::verb::put: return http_method::put;
    case http::verb::patch: return http_method::patch;
    case http::verb::delete_: return http_method::del;
    case http::verb::options: return http_method::options;
    default: return http_method::other;
  }
}

http_request to_http_request(const request_header& req, std::string remote_address) {
  http_request r;
  r.method = method_of(req.method());
  r.target = std::string{req.target()};
  r.path = r.target.substr(0, r.target.find('?'));
  for (auto& f : req)
    r.headers.emplace_back(lower(f.name_string()), std::string{f.value()});
  r.remote_address = std::move(remote_address);
  return r;
}

std::optional<http_response> check_ws_handshake(const request_header& req) {
  if (req[http::field::sec_websocket_version] != "13") {
    // RFC 6455 4.2.2: tell the client which version we speak.
    auto refusal = http_response::error(426, "unsupported WebSocket version");
    refusal.headers.emplace_back("Sec-WebSocket-Version", "13");
    return refusal;
  }
  auto key = req[http::field::sec_websocket_key];
  if (!valid_websocket_key({key.data(), key.size()}))
    return http_response::error(400, "bad WebSocket handshake");
  return std::nullopt;
}

} // namespace roomcast
