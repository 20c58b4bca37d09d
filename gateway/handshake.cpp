#include "gateway/handshake.hpp"

#include <boost/beast/websocket/detail/hybi13.hpp>

namespace roomcast {

std::string upgrade_response(std::string_view key, std::string_view extensions) {
  boost::beast::websocket::detail::sec_ws_accept_type accept;
  boost::beast::websocket::detail::make_sec_ws_accept(accept, key);
  std::string out = "HTTP/1.1 101 Switching Protocols\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Server: roomcast\r\n"
                    "Sec-WebSocket-Accept: ";
  out.append(accept.data(), accept.size());
  if (!extensions.empty()) {
    out += "\r\nSec-WebSocket-Extensions: ";
    out += extensions;
  }
  out += "\r\n\r\n";
  return out;
}

bool valid_websocket_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==")
    return false;
  for (char c : key.substr(0, 22))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'))
      return false;
  return true;
}

} // namespace roomcast
