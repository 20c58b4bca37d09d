#include "wire/json_writer.hpp"

#include <cmath>
#include <cstdio>

namespace roomcast {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0; // copy unescaped runs in one go
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {

std::string_view entity_of(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#x27;";
    default: return {};
  }
}

} // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    auto e = entity_of(c);
    if (e.empty())
      out.push_back(c);
    else
      out += e;
  }
  return out;
}

void append_html_json_string(std::string& out, std::string_view s) {
  if (s.find_first_of("&<>\"'") == std::string_view::npos)
    return append_json_string(out, s);
  append_json_string(out, html_escape(s));
}

json_writer& json_writer::real(std::string_view key, double v) {
  sep(key);
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out_ += buf;
  return *this;
}

json_writer& json_writer::strings(std::string_view key, const std::vector<std::string>& v) {
  array(key);
  for (auto& s : v)
    element_str(s);
  return end_array();
}

} // namespace roomcast
