#pragma once
// RFC 6455 framing shared by the load generator and the limit server: no
// stream objects, just bytes in and bytes out, so that one read can yield many
// frames and one write can carry many.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace bench::ws {

enum opcode : std::uint8_t {
  op_continuation = 0x0,
  op_text = 0x1,
  op_binary = 0x2,
  op_close = 0x8,
  op_ping = 0x9,
  op_pong = 0xA,
};

/// Size of the header of a frame with `payload_len` bytes.
inline std::size_t header_size(std::size_t payload_len, bool masked) {
  std::size_t n = payload_len < 126 ? 2 : payload_len <= 0xFFFF ? 4 : 10;
  return masked ? n + 4 : n;
}

/// Writes a FIN frame header into `out` (room for header_size bytes); returns its size.
inline std::size_t write_header(char* out, std::uint8_t op, std::size_t len, bool masked,
                                std::uint32_t mask_key = 0) {
  auto* p = reinterpret_cast<unsigned char*>(out);
  std::size_t n = 0;
  p[n++] = static_cast<unsigned char>(0x80 | op);
  const unsigned char mbit = masked ? 0x80 : 0;
  if (len < 126) {
    p[n++] = static_cast<unsigned char>(mbit | len);
  } else if (len <= 0xFFFF) {
    p[n++] = mbit | 126;
    p[n++] = static_cast<unsigned char>(len >> 8);
    p[n++] = static_cast<unsigned char>(len);
  } else {
    p[n++] = mbit | 127;
    for (int i = 7; i >= 0; --i)
      p[n++] = static_cast<unsigned char>(static_cast<std::uint64_t>(len) >> (8 * i));
  }
  if (masked) {
    std::memcpy(p + n, &mask_key, 4);
    n += 4;
  }
  return n;
}

/// XORs `data` with the 4-byte key, as it sits in memory (8 bytes per step).
inline void apply_mask(char* data, std::size_t len, std::uint32_t key) {
  std::uint64_t k8 = (static_cast<std::uint64_t>(key) << 32) | key;
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, data + i, 8);
    v ^= k8;
    std::memcpy(data + i, &v, 8);
  }
  const auto* kb = reinterpret_cast<const unsigned char*>(&key);
  for (; i < len; ++i) data[i] = static_cast<char>(data[i] ^ kb[i & 3]);
}

/// Appends one complete frame to `out`; masked frames are what clients must send.
inline void append_frame(std::string& out, std::uint8_t op, std::string_view payload, bool masked,
                         std::uint32_t mask_key = 0) {
  const std::size_t start = out.size();
  const std::size_t h = header_size(payload.size(), masked);
  out.resize(start + h + payload.size());
  write_header(out.data() + start, op, payload.size(), masked, mask_key);
  std::memcpy(out.data() + start + h, payload.data(), payload.size());
  if (masked) apply_mask(out.data() + start + h, payload.size(), mask_key);
}

struct frame {
  std::uint8_t opcode = 0;
  bool fin = true;
  bool rsv1 = false; ///< permessage-deflate: a compressed message (only if allowed)
  std::string_view payload;
};

enum class parse_status { complete, incomplete, too_large, bad };

/// Parses the frame at the start of `data`. On `complete`, `used` is its full
/// length and a masked payload has been unmasked in place. `allow_rsv1`:
/// permessage-deflate was negotiated.
inline parse_status parse_frame(char* data, std::size_t len, std::size_t max_payload, frame& f,
                                std::size_t& used, bool allow_rsv1 = false) {
  if (len < 2) return parse_status::incomplete;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  if (p[0] & 0x30) return parse_status::bad; // no extension uses RSV2/RSV3
  f.rsv1 = (p[0] & 0x40) != 0;
  if (f.rsv1 && !allow_rsv1) return parse_status::bad;
  f.fin = (p[0] & 0x80) != 0;
  f.opcode = p[0] & 0x0F;
  const bool masked = (p[1] & 0x80) != 0;
  std::uint64_t plen = p[1] & 0x7F;
  std::size_t pos = 2;
  if (plen == 126) {
    if (len < 4) return parse_status::incomplete;
    plen = (std::uint64_t{p[2]} << 8) | p[3];
    pos = 4;
  } else if (plen == 127) {
    if (len < 10) return parse_status::incomplete;
    plen = 0;
    for (int i = 0; i < 8; ++i) plen = (plen << 8) | p[2 + i];
    pos = 10;
  }
  if (plen > max_payload) return parse_status::too_large;
  std::uint32_t key = 0;
  if (masked) {
    if (len < pos + 4) return parse_status::incomplete;
    std::memcpy(&key, data + pos, 4);
    pos += 4;
  }
  if (len - pos < plen) return parse_status::incomplete;
  if (masked) apply_mask(data + pos, static_cast<std::size_t>(plen), key);
  f.payload = std::string_view(data + pos, static_cast<std::size_t>(plen));
  used = pos + static_cast<std::size_t>(plen);
  return parse_status::complete;
}

/// Base64 of `data` with the 64-character alphabet `tbl`; `pad` appends '='.
inline std::string base64_with(const unsigned char* data, std::size_t len, const char* tbl, bool pad) {
  std::string out;
  out.reserve((len + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    const std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i + 1 == len) {
    const std::uint32_t v = data[i] << 16;
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    if (pad)
      out += "==";
  } else if (i + 2 == len) {
    const std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    if (pad)
      out += '=';
  }
  return out;
}

/// Standard base64 (handshake keys and the accept value).
inline std::string base64(const unsigned char* data, std::size_t len) {
  return base64_with(data, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

} // namespace bench::ws
