#include "wire/text.hpp"

#include <algorithm>

namespace roomcast {

bool sanitize_text(std::string_view in, std::size_t max_chars, bool multiline, std::string& out) {
  std::string kept;
  kept.reserve(in.size());
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 || u == 0x7F) && !(multiline && (c == '\n' || c == '\t')))
      continue;
    kept.push_back(c);
  }
  std::string_view text{kept};
  auto b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return false;
  text = text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
  if (utf8_length(text) > max_chars)
    return false;
  out.assign(text);
  return !out.empty();
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  auto cut = std::min(s.size(), max_bytes);
  while (cut < s.size() && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return s.substr(0, cut);
}

} // namespace roomcast
