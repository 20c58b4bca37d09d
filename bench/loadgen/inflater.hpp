#pragma once
// permessage-deflate (RFC 7692) on the receiving side of the load generator:
// raw inflate of one message with the 00 00 FF FF tail added back.

#include <zlib.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace bench {

class inflater {
public:
  inflater() { ok_ = inflateInit2(&z_, -15) == Z_OK; }
  ~inflater() {
    if (ok_) inflateEnd(&z_);
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;

  /// Inflates one message into `out`; `reset`: the sender does not take its
  /// window over to the next message. False on corrupt data.
  bool inflate(std::string_view in, std::string& out, bool reset) {
    static constexpr unsigned char tail[4] = {0x00, 0x00, 0xFF, 0xFF};
    if (!ok_) return false;
    out.clear();
    bool good = feed(in, out) && feed({reinterpret_cast<const char*>(tail), 4}, out);
    if (!good || reset || ended_) {
      inflateReset(&z_);
      ended_ = false;
    }
    return good;
  }

private:
  bool feed(std::string_view in, std::string& out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    while (!ended_) {
      const auto have = out.size();
      out.resize(have + std::max<std::size_t>(1024, in.size() * 4));
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + have);
      z_.avail_out = static_cast<uInt>(out.size() - have);
      const int rc = ::inflate(&z_, Z_SYNC_FLUSH);
      out.resize(out.size() - z_.avail_out);
      if (rc == Z_STREAM_END) ended_ = true;
      else if (rc == Z_BUF_ERROR) break;
      else if (rc != Z_OK) return false;
      if (z_.avail_in == 0 && z_.avail_out != 0) break;
    }
    return true;
  }

  z_stream z_{};
  bool ok_ = false;
  bool ended_ = false;
};

} // namespace bench
