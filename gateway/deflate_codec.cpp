#include "gateway/deflate_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "gateway/metrics.hpp"

namespace roomcast {

namespace {

// Every message ends with an empty stored block after a sync flush; RFC
// 7692 7.2.1 drops these four bytes from the wire and 7.2.2 adds them back.
constexpr unsigned char sync_tail[4] = {0x00, 0x00, 0xFF, 0xFF};

/// One zlib compressor per thread, reset per message.
struct compressor {
  z_stream z{};
  int level = 0;
  int mem_level = 0;
  bool ready = false;
  std::string out;

  ~compressor() {
    if (ready)
      deflateEnd(&z);
  }

  bool prepare(int lvl, int mem) {
    if (ready && lvl == level && mem == mem_level)
      return deflateReset(&z) == Z_OK;
    if (ready)
      deflateEnd(&z);
    z = z_stream{};
    // Raw deflate (negative bits), window 15: what any client accepts unless
    // it asked for less (then only small enough messages are compressed).
    ready = deflateInit2(&z, lvl, Z_DEFLATED, -15, mem, Z_DEFAULT_STRATEGY) == Z_OK;
    level = lvl;
    mem_level = mem;
    return ready;
  }
};

} // namespace

wire_frame_ptr deflate_frame(const wire_frame& plain, int level, int mem_level) {
  thread_local compressor c;
  auto in = plain.payload();
  if (in.empty() || !c.prepare(level, mem_level))
    return nullptr;
  // Worth it only if smaller: the output never needs more than the input.
  c.out.resize(in.size() + sizeof sync_tail);
  c.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  c.z.avail_in = static_cast<uInt>(in.size());
  c.z.next_out = reinterpret_cast<Bytef*>(c.out.data());
  c.z.avail_out = static_cast<uInt>(c.out.size());
  auto rc = ::deflate(&c.z, Z_SYNC_FLUSH);
  if (rc != Z_OK || c.z.avail_in != 0 || c.z.avail_out == 0)
    return nullptr; // did not fit in the input's size (or failed): send it plain
  auto n = c.out.size() - c.z.avail_out;
  if (n < sizeof sync_tail || std::memcmp(c.out.data() + n - sizeof sync_tail, sync_tail, sizeof sync_tail) != 0)
    return nullptr;
  n -= sizeof sync_tail;
  if (n >= in.size())
    return nullptr;
  if (c.out.capacity() > (256u << 10))
    c.out.shrink_to_fit(); // a rare huge message does not pin memory
  metrics::bump(&metrics::lane::deflate_compressed);
  return std::make_shared<const wire_frame>(plain.opcode(), std::string_view{c.out.data(), n}, true);
}

struct message_inflater::stream {
  z_stream z{};
};

message_inflater::message_inflater(int window_bits) : window_bits_(window_bits) {}

message_inflater::~message_inflater() {
  if (z_)
    inflateEnd(&z_->z);
}

message_inflater& message_inflater::shared() {
  thread_local message_inflater mine{15};
  return mine;
}

inflate_status message_inflater::inflate(std::string_view in, std::size_t limit, std::string& out, bool reset) {
  if (!z_) {
    auto s = std::make_unique<stream>();
    if (inflateInit2(&s->z, -window_bits_) != Z_OK)
      return inflate_status::corrupt;
    z_ = std::move(s);
  }
  auto& z = z_->z;
  out.clear();
  auto status = inflate_status::ok;
  // The message, then the tail the sender left off.
  const std::string_view parts[2] = {in, {reinterpret_cast<const char*>(sync_tail), sizeof sync_tail}};
  bool ended = false;
  for (auto part : parts) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(part.data()));
    z.avail_in = static_cast<uInt>(part.size());
    for (;;) {
      // Grow the output in steps, never past limit + 1 (one byte over tells too_big).
      auto have = out.size();
      if (have > limit) {
        status = inflate_status::too_big;
        break;
      }
      auto room = std::min<std::size_t>(limit + 1 - have, std::max<std::size_t>(4096, have));
      out.resize(have + room);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + have);
      z.avail_out = static_cast<uInt>(room);
      auto rc = ::inflate(&z, Z_SYNC_FLUSH);
      out.resize(have + room - z.avail_out);
      if (rc == Z_STREAM_END) {
        ended = true; // the client ended the stream (BFINAL); what follows is ignored
        break;
      }
      if (rc == Z_BUF_ERROR)
        break; // no progress: the input is used up
      if (rc != Z_OK) {
        status = inflate_status::corrupt;
        break;
      }
      if (z.avail_in == 0 && z.avail_out != 0)
        break; // all input taken and all output out
    }
    if (status != inflate_status::ok || ended)
      break;
  }
  if (status == inflate_status::ok && out.size() > limit)
    status = inflate_status::too_big;
  if (status != inflate_status::ok || reset || ended)
    inflateReset(&z);
  if (status == inflate_status::ok)
    metrics::bump(&metrics::lane::deflate_inflated);
  return status;
}

} // namespace roomcast
