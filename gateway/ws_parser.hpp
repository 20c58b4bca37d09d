#pragma once
// Server-side RFC 6455 frame parser: complete messages out, no socket inside.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/deflate_codec.hpp"
#include "gateway/utf8_validator.hpp"
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
  bad_utf8,  ///< a text message or close reason is not UTF-8: close with 1007
  inflated_too_big, ///< past the limit with client context takeover (cannot be skipped): close with 1009
  bad_deflate,      ///< a compressed message is not valid deflate data: close with 1007
};

struct ws_event {
  ws_event_kind kind;
  std::string_view payload; ///< valid until the next call to feed()
  std::uint16_t close_code = 0; ///< close: the peer's code, 0 when it sent none
  /// close: the peer sent a code, so a close_code of 0 is an explicit (invalid) 0.
  bool has_close_code = false;
};

/// Parses masked client frames. Assembles fragmented messages, passes control
/// frames through, and skips (rather than buffers) messages over the limit.
/// Text is checked for UTF-8 as it arrives, so a bad byte fails the
/// connection at once rather than when its message is complete.
class ws_parser {
public:
  explicit ws_parser(std::size_t max_message) : max_message_(max_message) {}

  /// permessage-deflate was negotiated: RSV1 on the first frame of a text or
  /// binary message means its payload is compressed; it is inflated (to at
  /// most the message limit) when complete, then checked and handed on as
  /// any other. `context_takeover`: the client keeps its window across
  /// messages, so this parser keeps an inflater of `window_bits` for its
  /// life; otherwise the thread's shared one inflates, reset per message.
  void enable_deflate(bool context_takeover, int window_bits) {
    deflate_ = true;
    if (context_takeover)
      inflater_ = std::make_unique<message_inflater>(window_bits);
  }

  /// Parses every complete frame in [data, data + size), unmasking in place,
  /// and calls `on_event(const ws_event&)` for each. Returns the bytes
  /// consumed; the caller keeps the rest as feed() left it (partly unmasked)
  /// and calls again with more appended. After a `protocol` or `bad_utf8`
  /// event nothing more is parsed.
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
      auto used = read_header(data + pos, size - pos, h, deflate_);
      if (used == 0)
        break;
      if (used == npos) {
        fail(ws_event_kind::protocol, on_event);
        break;
      }
      // Framing rules first: an oversized frame may still be a protocol error.
      bool continuation = h.op == ws_opcode::continuation;
      if (!h.control && (continuation ? !(fragmented_ || discarding_) : (fragmented_ || discarding_))) {
        fail(ws_event_kind::protocol, on_event);
        break;
      }
      if (!h.control && !continuation)
        message_compressed_ = h.rsv1;
      if (!h.control && (discarding_ || assembled_size(h) > max_message_)) {
        if (message_compressed_ && inflater_) {
          // Skipping it would leave the client's window out of step with ours.
          fail(ws_event_kind::inflated_too_big, on_event);
          break;
        }
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
      char* payload = data + pos + used;
      if (!take_arrived(h, payload, size - pos - used)) {
        fail(ws_event_kind::bad_utf8, on_event);
        break;
      }
      if (arrived_ < h.length)
        break; // wait for the rest of the frame
      arrived_ = 0;
      std::string_view body{payload, static_cast<std::size_t>(h.length)};
      pos += used + h.length;
      if (auto error = dispatch(h, body, on_event))
        fail(*error, on_event);
    }
    return pos;
  }

  /// True after a `protocol` or `bad_utf8` event: nothing more will be parsed.
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
    bool rsv1 = false; ///< permessage-deflate: the message is compressed
    ws_opcode op = ws_opcode::text;
    std::uint64_t length = 0;
    std::uint8_t mask[4] = {0, 0, 0, 0};
  };

  /// 0: need more bytes; npos: protocol error; else the header size.
  /// `deflate`: RSV1 may start a compressed message.
  static std::size_t read_header(const char* p, std::size_t n, frame_header& h, bool deflate);
  /// Unmasks bytes [offset, offset + n) of a payload, found at p.
  static void unmask(char* p, std::uint64_t n, const std::uint8_t (&mask)[4], std::uint64_t offset);

  /// Unmasks the payload bytes of `h` that arrived since the last call (of
  /// `available` at `payload`) and checks those of text. False: not UTF-8.
  bool take_arrived(const frame_header& h, char* payload, std::size_t available);

  template <class F>
  void fail(ws_event_kind kind, F& on_event) {
    failed_ = true;
    on_event(ws_event{kind, {}, 0});
  }

  std::uint64_t assembled_size(const frame_header& h) const {
    return (fragmented_ && h.op == ws_opcode::continuation ? message_.size() : 0) + h.length;
  }

  /// Handles one whole frame; the error that ends parsing, if any.
  template <class F>
  std::optional<ws_event_kind> dispatch(const frame_header& h, std::string_view body, F& on_event) {
    switch (h.op) {
      case ws_opcode::ping:
        on_event(ws_event{ws_event_kind::ping, body, 0});
        return std::nullopt;
      case ws_opcode::pong:
        on_event(ws_event{ws_event_kind::pong, body, 0});
        return std::nullopt;
      case ws_opcode::close: {
        if (body.size() == 1)
          return ws_event_kind::protocol;
        if (body.size() < 2) {
          on_event(ws_event{ws_event_kind::close, {}, 0, false});
          return std::nullopt;
        }
        auto reason = body.substr(2);
        if (!is_valid_utf8(reason))
          return ws_event_kind::bad_utf8;
        auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8)
                                               | static_cast<std::uint8_t>(body[1]));
        on_event(ws_event{ws_event_kind::close, reason, code, true});
        return std::nullopt;
      }
      case ws_opcode::text:
      case ws_opcode::binary:
        if (fragmented_)
          return ws_event_kind::protocol; // a new message inside a fragmented one
        if (h.fin) {
          if (message_compressed_)
            return deliver_inflated(h.op, body, on_event);
          if (h.op == ws_opcode::text && !utf8_.complete())
            return ws_event_kind::bad_utf8; // ends inside a character
          on_event(ws_event{h.op == ws_opcode::text ? ws_event_kind::text : ws_event_kind::binary, body, 0});
        } else {
          fragmented_ = true;
          message_op_ = h.op;
          message_.assign(body);
        }
        return std::nullopt;
      case ws_opcode::continuation:
        if (!fragmented_)
          return ws_event_kind::protocol;
        message_.append(body);
        if (h.fin) {
          fragmented_ = false;
          if (message_compressed_) {
            auto error = deliver_inflated(message_op_, message_, on_event);
            std::string{}.swap(message_);
            return error;
          }
          if (message_op_ == ws_opcode::text && !utf8_.complete())
            return ws_event_kind::bad_utf8;
          on_event(ws_event{message_op_ == ws_opcode::text ? ws_event_kind::text : ws_event_kind::binary,
                            message_, 0});
          std::string{}.swap(message_); // give the memory back: idle clients hold none
        }
        return std::nullopt;
    }
    return ws_event_kind::protocol;
  }

  /// Inflates a whole compressed message and hands it on. One that
  /// inflates past the limit is skipped like a plain one (inflating stopped
  /// there, so a zip bomb costs no more); with context takeover it fails the
  /// connection, as the client's window now holds what ours does not.
  template <class F>
  std::optional<ws_event_kind> deliver_inflated(ws_opcode op, std::string_view compressed, F& on_event) {
    auto& inflater = inflater_ ? *inflater_ : message_inflater::shared();
    auto status = inflater.inflate(compressed, max_message_, inflated_, !inflater_);
    std::optional<ws_event_kind> error;
    if (status == inflate_status::too_big && inflater_)
      error = ws_event_kind::inflated_too_big;
    else if (status == inflate_status::too_big)
      on_event(ws_event{ws_event_kind::too_big, {}, 0});
    else if (status == inflate_status::corrupt)
      error = ws_event_kind::bad_deflate;
    else if (op == ws_opcode::text && !is_valid_utf8(inflated_))
      error = ws_event_kind::bad_utf8;
    else
      on_event(ws_event{op == ws_opcode::text ? ws_event_kind::text : ws_event_kind::binary, inflated_, 0});
    std::string{}.swap(inflated_); // idle clients hold no buffer
    return error;
  }

  std::size_t max_message_;
  std::uint64_t skip_ = 0;
  std::uint64_t arrived_ = 0; ///< payload bytes of the waiting frame already unmasked (and checked)
  utf8_validator utf8_;       ///< the text message being received, across its fragments
  bool discarding_ = false;
  bool fragmented_ = false;
  bool failed_ = false;
  ws_opcode message_op_ = ws_opcode::text;
  std::string message_;
  bool deflate_ = false;            ///< permessage-deflate negotiated
  bool message_compressed_ = false; ///< the message being received has RSV1
  std::unique_ptr<message_inflater> inflater_; ///< with client context takeover only
  std::string inflated_;
};

} // namespace roomcast
