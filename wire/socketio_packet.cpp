#include "wire/socketio_packet.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Reads up to 18 digits (an ack id or attachment count); false on overflow.
bool read_number(std::string_view& s, std::uint64_t& out) {
  std::size_t n = 0;
  out = 0;
  while (n < s.size() && is_digit(s[n])) {
    if (++n > 18)
      return false;
    out = out * 10 + static_cast<std::uint64_t>(s[n - 1] - '0');
  }
  s.remove_prefix(n);
  return n > 0;
}

bool valid_payload(sio_type type, std::string_view data, boost::json::value* parsed) {
  if (data.empty())
    return type == sio_type::connect || type == sio_type::disconnect;
  if (type == sio_type::disconnect)
    return false;
  boost::json::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 32;
  boost::json::value local;
  auto& v = parsed ? *parsed : local;
  v = boost::json::parse(data, ec, v.storage(), opts);
  if (ec)
    return false;
  switch (type) {
    case sio_type::connect: return v.is_object();
    case sio_type::connect_error: return v.is_object() || v.is_string();
    case sio_type::event:
    case sio_type::binary_event: {
      if (!v.is_array() || v.get_array().empty())
        return false;
      auto& name = v.get_array()[0];
      return name.is_string() || name.is_int64() || name.is_uint64();
    }
    case sio_type::ack:
    case sio_type::binary_ack: return v.is_array();
    default: return false;
  }
}

} // namespace

std::optional<sio_packet> decode_sio(std::string_view s, boost::json::value* parsed) {
  if (s.empty() || s[0] < '0' || s[0] > '6')
    return std::nullopt;
  sio_packet p;
  p.type = static_cast<sio_type>(s[0] - '0');
  s.remove_prefix(1);
  if (p.type == sio_type::binary_event || p.type == sio_type::binary_ack) {
    std::uint64_t n = 0;
    if (!read_number(s, n) || s.empty() || s[0] != '-' || n == 0 || n > 64)
      return std::nullopt;
    s.remove_prefix(1);
    p.attachments = static_cast<std::size_t>(n);
  }
  if (!s.empty() && s[0] == '/') {
    auto comma = s.find(',');
    auto nsp = s.substr(0, comma);
    if (nsp.size() > 128)
      return std::nullopt;
    p.nsp.assign(nsp);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
  }
  if (!s.empty() && is_digit(s[0])) {
    std::uint64_t id = 0;
    if (!read_number(s, id))
      return std::nullopt;
    p.id = id;
  }
  if (p.id && !(p.type == sio_type::event || p.type == sio_type::ack || p.type == sio_type::binary_event
                || p.type == sio_type::binary_ack))
    return std::nullopt;
  if ((p.type == sio_type::ack || p.type == sio_type::binary_ack) && !p.id)
    return std::nullopt;
  if (!valid_payload(p.type, s, parsed))
    return std::nullopt;
  p.data.assign(s);
  return p;
}

std::string encode_sio(sio_type type, std::string_view nsp, std::optional<std::uint64_t> id, std::string_view data,
                       std::size_t attachments) {
  std::string out;
  out.reserve(8 + nsp.size() + data.size());
  out.push_back(static_cast<char>('0' + static_cast<int>(type)));
  if (attachments > 0) {
    out += std::to_string(attachments);
    out.push_back('-');
  }
  if (!nsp.empty() && nsp != "/") {
    out += nsp;
    out.push_back(',');
  }
  if (id)
    out += std::to_string(*id);
  out += data;
  return out;
}

wire_frame_ptr sio_frame(sio_type type, std::string_view nsp, std::optional<std::uint64_t> id, std::string_view data,
                         std::size_t attachments) {
  return make_text_frame("4" + encode_sio(type, nsp, id, data, attachments));
}

void begin_sio_event(std::string& out, std::string_view nsp, std::string_view event_name) {
  out += "42";
  if (!nsp.empty() && nsp != "/") {
    out += nsp;
    out.push_back(',');
  }
  out.push_back('[');
  append_json_string(out, event_name);
}

} // namespace roomcast
