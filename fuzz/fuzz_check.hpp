#pragma once
// What every fuzz target shares: an invariant check that stops the run (a
// crash libFuzzer records, and a failure of the ctest replay), and the
// helpers several targets use to state their invariants.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);     \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

namespace fuzz {

/// Reads the fuzzer's bytes front to back: small choices first, the rest as text.
class input {
public:
  input(const std::uint8_t* data, std::size_t size) : p_(reinterpret_cast<const char*>(data)), n_(size) {}

  std::uint8_t byte() {
    if (n_ == 0)
      return 0;
    --n_;
    return static_cast<std::uint8_t>(*p_++);
  }
  bool flag() { return byte() & 1; }
  /// Up to `max` bytes (the length from one byte).
  std::string_view piece(std::size_t max) {
    std::size_t k = std::min<std::size_t>(byte() % (max + 1), n_);
    std::string_view out{p_, k};
    p_ += k;
    n_ -= k;
    return out;
  }
  std::string_view rest() {
    std::string_view out{p_, n_};
    p_ += n_;
    n_ = 0;
    return out;
  }
  std::size_t left() const { return n_; }

private:
  const char* p_;
  std::size_t n_;
};

/// RFC 3629 UTF-8, written plainly as a reference for the fast validator.
inline bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size())
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF
        || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

/// The text parsed as JSON, or nullopt.
inline std::optional<boost::json::value> parse_json(std::string_view text) {
  boost::json::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

/// A server frame's text: valid UTF-8 and one JSON object.
inline boost::json::object parse_frame_object(std::string_view text) {
  FUZZ_CHECK(reference_utf8(text));
  auto v = parse_json(text);
  FUZZ_CHECK(v && v->is_object());
  return v->as_object();
}

/// The string member `key` of `o` (checked to be one).
inline std::string_view member_string(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  FUZZ_CHECK(v && v->is_string());
  return {v->get_string().data(), v->get_string().size()};
}

} // namespace fuzz
