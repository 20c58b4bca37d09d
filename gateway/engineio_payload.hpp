#pragma once
// Engine.IO v4 long-polling payloads: packets joined by the record separator
// (0x1E), binary packets as 'b' + base64. Pure text in, text out, so the
// polling path is fuzzable without a session.

#include <string>
#include <string_view>

#include "wire/wire_frame.hpp"

namespace roomcast {

inline constexpr char eio_record_separator = '\x1e';

/// Calls `on_packet(std::string_view)` for every packet of a POST body, in
/// order (an empty body is one empty packet), until one returns false.
/// False when a packet was refused.
template <class F>
bool for_each_eio_packet(std::string_view body, F&& on_packet) {
  std::size_t start = 0;
  while (start <= body.size()) {
    auto stop = body.find(eio_record_separator, start);
    if (stop == std::string_view::npos)
      stop = body.size();
    if (!on_packet(body.substr(start, stop - start)))
      return false;
    start = stop + 1;
  }
  return true;
}

/// Decodes the base64 of a 'b' packet (padded, as engine.io-client sends it).
bool decode_eio_base64(std::string_view in, std::string& out);

/// Appends one queued frame to a GET response body: its text, or 'b' and
/// the base64 of a binary frame, after a separator when not the first.
void append_eio_packet(std::string& body, const wire_frame& frame);

} // namespace roomcast
