#pragma once
// Server-side RFC 6455 frame parser: complete messages out, no socket inside.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wire/wire_frame.hpp"

namespace roomcast {

enum class ws_event_kind : std::uint8_t {
  text,      ///< a complete text message
  binary,    ///< a complete binary message
  ping,
  pong,
  close,     ///< the peer started the closing handshake
  too_big,   ///< a message over the limit was skipped; the connection goes on
  protocol,  ///< unrecoverable framing error: close with 1002
};

struct ws_event {
  ws_event_kind kind;
  std::string_view payload; ///< valid until the next call to feed()
  std::uint16_t close_code = 0; ///< close: the peer's code, 0 when it sent none
};

/// Parses masked client frames. Assembles fragmented messages, passes control
/// frames through, and skips (rather than buffers) messages over the limit.
class ws_parser {
public:
  explicit ws_parser(std::size_t max_message) : max_message_(max_message) {}

  /// Parses every complete frame in [data, data + size), unmasking in place,
  /// and calls `on_event(const ws_event&)` for each. Returns the bytes
  /// consumed; the caller keeps the rest and calls again with more appended.
  /// After a `protocol` event nothing more is parsed.
  template <class F>
  std::size_t feed(char* data, std::size_t size, F&& on_event) {
    std::size_t pos = 0;
    while (!failed_ && pos < size) {
      if (skip_ > 0) { // discarding the payload of an oversized frame
        auto n = std::min<std::uint64_t>(skip_, size - pos);
        skip_ -= n;
        pos += n;
        continue;
      }
      frame_header h;
      auto used = read_header(data + pos, size - pos, h);
      if (used == 0)
        break;
      if (used == npos) {
        failed_ = true;
        on_event(ws_event{ws_event_kind::protocol, {}, 0});
        break;
      }
      // Framing rules first: an oversized frame may still be a protocol error.
      bool continuation = h.op == ws_opcode::continuation;
      if (!h.control && (continuation ? !(fragmented_ || discarding_) : (fragmented_ || discarding_))) {
        failed_ = true;
        on_event(ws_event{ws_event_kind::protocol, {}, 0});
        break;
      }
      if (!h.control && (discarding_ || assembled_size(h) > max_message_)) {
        // Skip this frame's payload without buffering it.
        bool first = !discarding_;
        discarding_ = !h.fin;
        std::string{}.swap(message_);
        fragmented_ = false;
        pos += used;
        skip_ = h.length;
        if (first)
          on_event(ws_event{ws_event_kind::too_big, {}, 0});
        continue;
      }
      if (size - pos - used < h.length)
        break; // wait for the whole frame
      char* payload = data + pos + used;
      unmask(payload, h.length, h.mask);
      std::string_view body{payload, static_cast<std::size_t>(h.length)};
      pos += used + h.length;
      if (!dispatch(h, body, on_event)) {
        failed_ = true;
        on_event(ws_event{ws_event_kind::protocol, {}, 0});
      }
    }
    return pos;
  }

  /// True after a `protocol` event: nothing more will be parsed.
  bool failed() const noexcept { return failed_; }

  /// Heap bytes held for a partly assembled fragmented message.
  std::size_t buffered() const noexcept {
    return message_.capacity() > std::string{}.capacity() ? message_.capacity() : 0;
  }

private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  struct frame_header {
    bool fin = false;
    bool control = false;
    ws_opcode op = ws_opcode::text;
    std::uint64_t length = 0;
    std::uint8_t mask[4] = {0, 0, 0, 0};
  };

  /// 0: need more bytes; npos: protocol error; else the header size.
  static std::size_t read_header(const char* p, std::size_t n, frame_header& h);
  static void unmask(char* p, std::uint64_t n, const std::uint8_t (&mask)[4]);

  std::uint64_t assembled_size(const frame_header& h) const {
    return (fragmented_ && h.op == ws_opcode::continuation ? message_.size() : 0) + h.length;
  }

  template <class F>
  bool dispatch(const frame_header& h, std::string_view body, F& on_event) {
    switch (h.op) {
      case ws_opcode::ping:
        on_event(ws_event{ws_event_kind::ping, body, 0});
        return true;
      case ws_opcode::pong:
        on_event(ws_event{ws_event_kind::pong, body, 0});
        return true;
      case ws_opcode::close: {
        if (body.size() == 1)
          return false;
        std::uint16_t code = 0; // 0: no status code in the frame
        if (body.size() >= 2)
          code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8)
                                            | static_cast<std::uint8_t>(body[1]));
        on_event(ws_event{ws_event_kind::close, body.size() > 2 ? body.substr(2) : std::string_view{}, code});
        return true;
      }
      case ws_opcode::text:
      case ws_opcode::binary:
        if (fragmented_)
          return false; // a new message inside a fragmented one
        if (h.fin) {
          on_event(ws_event{h.op == ws_opcode::text ? ws_event_kind::text : ws_event_kind::binary, body, 0});
        } else {
          fragmented_ = true;
          message_op_ = h.op;
          message_.assign(body);
        }
        return true;
      case ws_opcode::continuation:
        if (!fragmented_)
          return false;
        message_.append(body);
        if (h.fin) {
          fragmented_ = false;
          on_event(ws_event{message_op_ == ws_opcode::text ? ws_event_kind::text : ws_event_kind::binary,
                            message_, 0});
          std::string{}.swap(message_); // give the memory back: idle clients hold none
        }
        return true;
    }
    return false;
  }

  std::size_t max_message_;
  std::uint64_t skip_ = 0;
  bool discarding_ = false;
  bool fragmented_ = false;
  bool failed_ = false;
  ws_opcode message_op_ = ws_opcode::text;
  std::string message_;
};

} // namespace roomcast
