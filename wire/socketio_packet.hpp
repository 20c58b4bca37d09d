#pragma once
// Socket.IO v5 packets (socket.io-parser's text encoding), carried in
// Engine.IO message packets. Decoding validates; encoding renders a frame
// once for every recipient, whatever its transport.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/wire_frame.hpp"

namespace boost::json {
class value;
}

namespace roomcast {

enum class sio_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct sio_packet {
  sio_type type = sio_type::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id; ///< the ack id
  std::size_t attachments = 0;     ///< binary packets: how many binary frames follow
  std::string data;                ///< the JSON payload as sent (empty when none)
};

/// Parses a Socket.IO packet (the Engine.IO message's body, without its
/// leading '4'). nullopt for anything socket.io-parser would reject: unknown
/// type, bad namespace or ack id, a payload that is not valid JSON of the
/// shape the type requires (an event: an array starting with a string).
/// `parsed`: if given, receives the payload as parsed for that check (in
/// its own storage), so a namespace need not parse it again.
std::optional<sio_packet> decode_sio(std::string_view text, boost::json::value* parsed = nullptr);

/// The packet as text, without the Engine.IO prefix: "2/chat,12[...]".
std::string encode_sio(sio_type type, std::string_view nsp, std::optional<std::uint64_t> id, std::string_view data,
                       std::size_t attachments = 0);

/// The same as an Engine.IO message ("4" + packet) in a text frame.
wire_frame_ptr sio_frame(sio_type type, std::string_view nsp, std::optional<std::uint64_t> id, std::string_view data,
                         std::size_t attachments = 0);

/// Writes the prefix of an event frame, `4` `2/nsp,` `[`; the caller appends
/// the event's JSON array elements and the closing `]`.
void begin_sio_event(std::string& out, std::string_view nsp, std::string_view event_name);

} // namespace roomcast
