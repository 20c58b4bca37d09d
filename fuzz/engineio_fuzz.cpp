// Engine.IO v4 long-polling payloads and the Socket.IO v5 packets they carry,
// as a POST body reaches the server. Invariants: splitting loses no byte;
// base64 packets decode to what encodes back to them; a Socket.IO packet
// re-encoded decodes to the same packet (and encoding is canonical); what
// the server queues comes back out of a GET body packet for packet.

#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "gateway/engineio_payload.hpp"
#include "wire/socketio_packet.hpp"
#include "wire/wire_frame.hpp"

using namespace roomcast;

namespace {

bool same_packet(const sio_packet& a, const sio_packet& b) {
  return a.type == b.type && a.nsp == b.nsp && a.id == b.id && a.attachments == b.attachments && a.data == b.data;
}

void check_sio(std::string_view text) {
  auto p = decode_sio(text);
  if (!p)
    return;
  FUZZ_CHECK(!p->nsp.empty() && p->nsp[0] == '/' && p->nsp.size() <= 128);
  bool binary = p->type == sio_type::binary_event || p->type == sio_type::binary_ack;
  FUZZ_CHECK(binary ? p->attachments >= 1 && p->attachments <= 64 : p->attachments == 0);
  if (p->type == sio_type::ack || p->type == sio_type::binary_ack)
    FUZZ_CHECK(p->id.has_value());
  if (!p->data.empty())
    FUZZ_CHECK(fuzz::parse_json(p->data));
  auto encoded = encode_sio(p->type, p->nsp, p->id, p->data, p->attachments);
  auto again = decode_sio(encoded);
  FUZZ_CHECK(again && same_packet(*again, *p));
  FUZZ_CHECK(encode_sio(again->type, again->nsp, again->id, again->data, again->attachments) == encoded);
  auto frame = sio_frame(p->type, p->nsp, p->id, p->data, p->attachments);
  FUZZ_CHECK(frame->payload() == "4" + encoded);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  std::vector<std::string_view> packets;
  std::vector<wire_frame_ptr> queued; // what the server would send back, packet for packet
  bool valid = for_each_eio_packet(body, [&](std::string_view p) {
    packets.push_back(p);
    if (p.empty())
      return false; // a packet has at least its type
    if (p[0] == 'b') {
      std::string bytes;
      if (!decode_eio_base64(p.substr(1), bytes))
        return false;
      queued.push_back(make_binary_frame(bytes));
    } else {
      if (p[0] == '4')
        check_sio(p.substr(1));
      queued.push_back(make_text_frame(p));
    }
    return true;
  });
  // Splitting loses and adds nothing.
  std::string joined;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i)
      joined += eio_record_separator;
    joined += packets[i];
  }
  if (valid)
    FUZZ_CHECK(joined == body);
  else
    FUZZ_CHECK(body.substr(0, joined.size()) == joined);

  // A GET body of the queued frames splits back into the same packets.
  if (queued.empty())
    return 0;
  std::string out;
  for (auto& f : queued)
    append_eio_packet(out, *f);
  std::size_t i = 0;
  bool round = for_each_eio_packet(out, [&](std::string_view p) {
    FUZZ_CHECK(i < queued.size());
    auto& f = *queued[i++];
    if (f.opcode() == ws_opcode::binary) {
      std::string bytes;
      FUZZ_CHECK(!p.empty() && p[0] == 'b' && decode_eio_base64(p.substr(1), bytes) && bytes == f.payload());
    } else {
      FUZZ_CHECK(p == f.payload());
    }
    return true;
  });
  FUZZ_CHECK(round && i == queued.size());
  return 0;
}
