#include "wire/wire_frame.hpp"

namespace roomcast {

wire_frame::wire_frame(ws_opcode op, std::string_view payload, bool compressed) {
  const auto n = payload.size();
  std::uint8_t header[10];
  header[0] = 0x80 | static_cast<std::uint8_t>(op); // FIN, never fragmented
  if (compressed)
    header[0] |= 0x40; // RSV1: permessage-deflate
  std::size_t hs;
  if (n < 126) {
    header[1] = static_cast<std::uint8_t>(n);
    hs = 2;
  } else if (n <= 0xFFFF) {
    header[1] = 126;
    header[2] = static_cast<std::uint8_t>(n >> 8);
    header[3] = static_cast<std::uint8_t>(n);
    hs = 4;
  } else {
    header[1] = 127;
    for (int i = 0; i < 8; ++i)
      header[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
    hs = 10;
  }
  bytes_.reserve(hs + n);
  bytes_.append(reinterpret_cast<const char*>(header), hs);
  bytes_.append(payload);
  header_size_ = static_cast<std::uint8_t>(hs);
}

wire_frame_ptr make_text_frame(std::string_view payload) {
  return std::make_shared<const wire_frame>(ws_opcode::text, payload);
}

wire_frame_ptr make_binary_frame(std::string_view payload) {
  return std::make_shared<const wire_frame>(ws_opcode::binary, payload);
}

wire_frame_ptr make_close_frame(std::uint16_t code, std::string_view reason) {
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code & 0xFF));
  body.append(reason.substr(0, 123));
  return std::make_shared<const wire_frame>(ws_opcode::close, body);
}

wire_frame_ptr make_ping_frame() {
  static const auto ping = std::make_shared<const wire_frame>(ws_opcode::ping, "");
  return ping;
}

} // namespace roomcast
