#pragma once
// A WebSocket frame rendered once and shared, immutable, by every recipient.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace roomcast {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Wire-ready bytes of one unmasked server frame: header followed by payload.
/// Transports that do not speak WebSocket framing (Engine.IO long-polling)
/// use `payload()` and ignore the header.
class wire_frame {
public:
  /// `compressed`: the payload is permessage-deflate data (RFC 7692), so
  /// the header carries RSV1.
  wire_frame(ws_opcode op, std::string_view payload, bool compressed = false);

  /// Header + payload, exactly as written to the socket.
  const std::string& bytes() const noexcept { return bytes_; }

  std::string_view payload() const noexcept {
    return std::string_view{bytes_}.substr(header_size_);
  }

  std::size_t size() const noexcept { return bytes_.size(); }

  ws_opcode opcode() const noexcept { return static_cast<ws_opcode>(static_cast<std::uint8_t>(bytes_[0]) & 0x0F); }

  bool compressed() const noexcept { return (static_cast<std::uint8_t>(bytes_[0]) & 0x40) != 0; }

  /// The compressed variant of this frame for clients that negotiated
  /// permessage-deflate: made once, by the first caller, with `compress`
  /// (frame -> compressed frame, or null when compressing does not pay);
  /// every later caller, on any thread, gets the same one.
  template <class Compress>
  const std::shared_ptr<const wire_frame>& deflated(Compress&& compress) const {
    std::call_once(deflate_once_, [&] { deflated_ = compress(*this); });
    return deflated_;
  }

private:
  std::string bytes_;
  std::uint8_t header_size_;
  mutable std::once_flag deflate_once_;
  mutable std::shared_ptr<const wire_frame> deflated_;
};

using wire_frame_ptr = std::shared_ptr<const wire_frame>;

/// Renders a text frame once; share the result with every recipient.
wire_frame_ptr make_text_frame(std::string_view payload);

/// A binary frame (Socket.IO attachments).
wire_frame_ptr make_binary_frame(std::string_view payload);

/// A close frame with status code and reason (reason cut to 123 bytes).
wire_frame_ptr make_close_frame(std::uint16_t code, std::string_view reason);

wire_frame_ptr make_ping_frame();

} // namespace roomcast
