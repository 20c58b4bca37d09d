#define CAF_SUITE utf8_validator

#include <caf/test/unit_test.hpp>

#include "gateway/utf8_validator.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace roomcast;

namespace {

/// RFC 3629 by its code points, written for clarity rather than speed: the
/// answer the DFA must give.
bool reference_valid(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<std::uint8_t>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size())
      return false;
    std::uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      auto c = static_cast<std::uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

} // namespace

CAF_TEST(ascii and multi byte text is valid) {
  for (std::string s : {"", "hello", "Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!",
                        "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E"})
    CAF_CHECK(is_valid_utf8(s));
}

CAF_TEST(the first and last code points of each length are valid) {
  const std::vector<std::string> boundaries{
    bytes({0x00}), bytes({0x7F}),                                 // U+0000, U+007F
    bytes({0xC2, 0x80}), bytes({0xDF, 0xBF}),                     // U+0080, U+07FF
    bytes({0xE0, 0xA0, 0x80}), bytes({0xEF, 0xBF, 0xBF}),         // U+0800, U+FFFF
    bytes({0xF0, 0x90, 0x80, 0x80}), bytes({0xF4, 0x8F, 0xBF, 0xBF}), // U+10000, U+10FFFF
    bytes({0xED, 0x9F, 0xBF}), bytes({0xEE, 0x80, 0x80}),         // U+D7FF, U+E000 around the surrogates
    bytes({0xEF, 0xBF, 0xBD}), bytes({0xEF, 0xBF, 0xBE}),         // U+FFFD, and the noncharacter U+FFFE
  };
  for (auto& s : boundaries)
    CAF_CHECK(is_valid_utf8(s));
}

CAF_TEST(malformed sequences of every kind are invalid) {
  const std::vector<std::string> invalid{
    bytes({0x80}), bytes({0xBF}), bytes({0x80, 0xBF, 0x80}),       // unexpected continuation bytes
    bytes({0xC0, 0x20}), bytes({0xE0, 0x20}), bytes({0xF0, 0x20}), // lead byte then a space
    bytes({0xC2}), bytes({0xE0, 0xA0}), bytes({0xF0, 0x90, 0x80}), // last byte missing
    bytes({0xFE}), bytes({0xFF}), bytes({0xFE, 0xFE, 0xFF, 0xFF}), // impossible bytes
    bytes({0xC0, 0xAF}), bytes({0xE0, 0x80, 0xAF}), bytes({0xF0, 0x80, 0x80, 0xAF}), // overlong '/'
    bytes({0xF8, 0x80, 0x80, 0x80, 0xAF}), bytes({0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF}),
    bytes({0xC1, 0xBF}), bytes({0xE0, 0x9F, 0xBF}), bytes({0xF0, 0x8F, 0xBF, 0xBF}), // largest overlongs
    bytes({0xC0, 0x80}), bytes({0xE0, 0x80, 0x80}),                 // overlong NUL
    bytes({0xED, 0xA0, 0x80}), bytes({0xED, 0xAD, 0xBF}), bytes({0xED, 0xAE, 0x80}), bytes({0xED, 0xAF, 0xBF}),
    bytes({0xED, 0xB0, 0x80}), bytes({0xED, 0xBE, 0x80}), bytes({0xED, 0xBF, 0xBF}), // lone surrogates
    bytes({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80}),                    // a surrogate pair
    bytes({0xF4, 0x90, 0x80, 0x80}), bytes({0xF7, 0xBF, 0xBF, 0xBF}), bytes({0xF5, 0x80, 0x80, 0x80}), // > U+10FFFF
  };
  for (auto& s : invalid) {
    CAF_CHECK(!is_valid_utf8(s));
    CAF_CHECK(!is_valid_utf8("valid prefix " + s + " valid suffix"));
  }
}

CAF_TEST(the validator fails at the first byte that cannot continue) {
  struct step_case {
    std::string prefix;
    std::string bad;
  };
  for (auto& [prefix, bad] : std::vector<step_case>{{"\xF4", "\x90"}, {"\xED", "\xA0"}, {"\xE0", "\x80"},
                                                    {"\xF0", "\x8F"}, {"ok \xCE", "A"}, {"", "\xC1"}, {"", "\xF5"}}) {
    utf8_validator v;
    CAF_CHECK(v.feed(prefix));
    CAF_CHECK(!v.failed());
    CAF_CHECK(!v.feed(bad));
    CAF_CHECK(v.failed());
    CAF_CHECK(!v.feed("fine from here on"));
    CAF_CHECK(!v.complete());
    v.reset();
    CAF_CHECK(v.feed("fine from here on"));
    CAF_CHECK(v.complete());
  }
}

CAF_TEST(text split at any byte is judged the same) {
  const std::string valid = "a\xCE\xBA\xE1\xBD\xB9\xCF\x83 \xF0\x9D\x84\x9E \xE2\x82\xAC end of a long enough tail";
  const std::string invalid = "a\xCE\xBA\xE1\xBD\xB9\xCF\x83 \xED\xA0\x80 tail";
  for (std::size_t cut = 0; cut <= valid.size(); ++cut) {
    utf8_validator v;
    bool ok = v.feed(std::string_view{valid}.substr(0, cut));
    ok = v.feed(std::string_view{valid}.substr(cut)) && ok;
    CAF_CHECK(ok && v.complete());
    // A prefix of valid text is never rejected, wherever it ends.
    utf8_validator half;
    CAF_CHECK(half.feed(std::string_view{valid}.substr(0, cut)));
  }
  for (std::size_t cut = 0; cut <= invalid.size(); ++cut) {
    utf8_validator v;
    v.feed(std::string_view{invalid}.substr(0, cut));
    CAF_CHECK(!v.feed(std::string_view{invalid}.substr(cut)));
  }
  utf8_validator bytewise;
  for (char c : valid)
    CAF_CHECK(bytewise.feed(std::string_view{&c, 1}));
  CAF_CHECK(bytewise.complete());
}

CAF_TEST(the ascii fast path sees a bad or multi byte character at any offset) {
  for (std::size_t at = 0; at < 64; ++at) {
    std::string s(64, 'x');
    s[at] = static_cast<char>(0xFF);
    CAF_CHECK(!is_valid_utf8(s));
    std::string m(64, 'y');
    m.insert(at, "\xF0\x9D\x84\x9E");
    CAF_CHECK(is_valid_utf8(m));
    m.erase(at + 3, 1); // now truncated
    CAF_CHECK(!is_valid_utf8(m));
  }
}

CAF_TEST(every sequence of up to three bytes is judged as RFC 3629 says) {
  std::size_t disagreements = 0;
  std::string s;
  for (int a = 0; a < 256; ++a) {
    s.assign(1, static_cast<char>(a));
    disagreements += is_valid_utf8(s) != reference_valid(s);
    for (int b = 0; b < 256; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      disagreements += is_valid_utf8(s) != reference_valid(s);
      if (a < 0xC0)
        continue; // an ASCII or continuation first byte decides alone
      for (int c = 0; c < 256; ++c) {
        s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        disagreements += is_valid_utf8(s) != reference_valid(s);
      }
    }
  }
  CAF_CHECK_EQUAL(disagreements, 0u);
}

CAF_TEST(four byte sequences are judged as RFC 3629 says) {
  std::size_t disagreements = 0;
  std::string s;
  for (int a = 0xF0; a < 256; ++a)
    for (int b = 0; b < 256; ++b)
      for (int c : {0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF})
        for (int d : {0x00, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF}) {
          s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
          disagreements += is_valid_utf8(s) != reference_valid(s);
        }
  CAF_CHECK_EQUAL(disagreements, 0u);
}
