#include "gateway/ws_parser.hpp"

#include <cstring>

namespace roomcast {

std::size_t ws_parser::read_header(const char* p, std::size_t n, frame_header& h, bool deflate) {
  if (n < 2)
    return 0;
  auto b0 = static_cast<std::uint8_t>(p[0]);
  auto b1 = static_cast<std::uint8_t>(p[1]);
  if (b0 & 0x30)
    return npos; // RSV2/RSV3: no extension uses them
  auto op = b0 & 0x0F;
  if (!(op <= 0x2 || (op >= 0x8 && op <= 0xA)))
    return npos;
  // RSV1 marks a compressed message, only with permessage-deflate and only
  // on a message's first frame (RFC 7692 6.1): never on control frames or
  // continuations.
  h.rsv1 = (b0 & 0x40) != 0;
  if (h.rsv1 && !(deflate && (op == 0x1 || op == 0x2)))
    return npos;
  h.fin = (b0 & 0x80) != 0;
  h.op = static_cast<ws_opcode>(op);
  h.control = op >= 0x8;
  if (!(b1 & 0x80))
    return npos; // clients must mask
  std::uint64_t len = b1 & 0x7F;
  std::size_t used = 2;
  if (len == 126) {
    if (n < 4)
      return 0;
    len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[2])) << 8)
          | static_cast<std::uint8_t>(p[3]);
    used = 4;
  } else if (len == 127) {
    if (n < 10)
      return 0;
    len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | static_cast<std::uint8_t>(p[2 + i]);
    if (len >> 63)
      return npos;
    used = 10;
  }
  if (h.control && (len > 125 || !h.fin))
    return npos;
  if (n < used + 4)
    return 0;
  std::memcpy(h.mask, p + used, 4);
  h.length = len;
  return used + 4;
}

void ws_parser::unmask(char* p, std::uint64_t n, const std::uint8_t (&mask)[4], std::uint64_t offset) {
  p += offset;
  std::uint8_t m[4];
  for (int k = 0; k < 4; ++k)
    m[k] = mask[(offset + k) & 3];
  std::uint64_t i = 0;
  // Eight bytes at a time; the mask repeats every four.
  std::uint64_t m8;
  std::uint8_t rep[8] = {m[0], m[1], m[2], m[3], m[0], m[1], m[2], m[3]};
  std::memcpy(&m8, rep, 8);
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= m8;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i)
    p[i] = static_cast<char>(p[i] ^ m[i & 3]);
}

bool ws_parser::take_arrived(const frame_header& h, char* payload, std::size_t available) {
  const auto arrived = std::min<std::uint64_t>(h.length, available);
  // A compressed message is checked once inflated.
  const bool text = !message_compressed_
                    && (h.op == ws_opcode::text || (h.op == ws_opcode::continuation && message_op_ == ws_opcode::text));
  if (h.op == ws_opcode::text && arrived_ == 0)
    utf8_.reset(); // a new text message
  if (arrived > arrived_) {
    unmask(payload, arrived - arrived_, h.mask, arrived_);
    if (text && !utf8_.feed({payload + arrived_, static_cast<std::size_t>(arrived - arrived_)}))
      return false;
    arrived_ = arrived;
  }
  return true;
}

} // namespace roomcast
