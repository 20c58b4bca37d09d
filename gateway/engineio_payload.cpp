#include "gateway/engineio_payload.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace base64 = boost::beast::detail::base64;

namespace roomcast {

bool decode_eio_base64(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0)
    return false;
  out.resize(base64::decoded_size(in.size()));
  auto [written, read] = base64::decode(out.data(), in.data(), in.size());
  auto padding = in.size() - read;
  if (padding > 2 || in.find_first_not_of('=', read) != std::string_view::npos)
    return false;
  out.resize(written);
  return true;
}

void append_eio_packet(std::string& body, const wire_frame& frame) {
  if (!body.empty())
    body.push_back(eio_record_separator);
  if (frame.opcode() == ws_opcode::binary) {
    body.push_back('b');
    auto payload = frame.payload();
    auto at = body.size();
    body.resize(at + base64::encoded_size(payload.size()));
    auto n = base64::encode(body.data() + at, payload.data(), payload.size());
    body.resize(at + n);
  } else {
    body += frame.payload();
  }
}

} // namespace roomcast
