#pragma once
// permessage-deflate (RFC 7692) data: compressing outbound frames (each
// message on its own: server_no_context_takeover) and inflating client
// messages. zlib (Debian zlib1g).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "wire/wire_frame.hpp"

namespace roomcast {

/// The compressed variant of a text or binary frame (RSV1 set), or null
/// when compressing does not make it smaller. Uses one compressor per
/// calling thread, reset for every message. Thread-safe.
wire_frame_ptr deflate_frame(const wire_frame& plain, int level, int mem_level);

enum class inflate_status { ok, too_big, corrupt };

/// Inflates the messages of one client. With context takeover the LZ77
/// window carries over from message to message, so one inflater serves one
/// connection for its life; without, `shared()` gives the calling thread's.
class message_inflater {
public:
  /// `window_bits`: 9..15, at least what the client compresses with.
  explicit message_inflater(int window_bits = 15);
  ~message_inflater();
  message_inflater(const message_inflater&) = delete;
  message_inflater& operator=(const message_inflater&) = delete;

  /// Inflates one whole message (the payloads of its frames, joined) into
  /// `out` (replaced). too_big: it would exceed `limit` bytes (inflating
  /// stops there: a zip bomb costs at most `limit`); corrupt: not valid
  /// deflate data. `reset`: forget the window afterwards
  /// (client_no_context_takeover). After an error the inflater is reset.
  inflate_status inflate(std::string_view in, std::size_t limit, std::string& out, bool reset);

  /// True while zlib's state and window are held (after the first message).
  bool allocated() const noexcept { return static_cast<bool>(z_); }

  /// The calling thread's inflater (window 15), for connections whose
  /// client does not take context over from one message to the next.
  static message_inflater& shared();

private:
  struct stream;
  int window_bits_;
  std::unique_ptr<stream> z_; ///< created on first use
};

} // namespace roomcast
