#include "gateway/utf8_validator.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace roomcast {

namespace {

// Byte classes: which bytes may follow depends only on these.
enum byte_class : std::uint8_t {
  ascii,       // 00..7F
  cont_80_8f,  // continuation bytes, split by what the lead bytes E0, ED, F0, F4 allow
  cont_90_9f,
  cont_a0_bf,
  never,       // C0, C1 (overlong), F5..FF (over U+10FFFF)
  lead2,       // C2..DF
  lead_e0,     // E0: A0..BF next, else overlong
  lead3,       // E1..EC, EE, EF
  lead_ed,     // ED: 80..9F next, else a surrogate
  lead_f0,     // F0: 90..BF next, else overlong
  lead4,       // F1..F3
  lead_f4,     // F4: 80..8F next, else over U+10FFFF
  class_count
};

enum state : std::uint8_t {
  accept,
  reject,
  need1,    // any continuation byte completes the character
  need2,
  need3,
  after_e0, // then need1
  after_ed,
  after_f0, // then need2
  after_f4,
  state_count
};

constexpr byte_class class_of(int b) {
  return b < 0x80    ? ascii
         : b < 0x90  ? cont_80_8f
         : b < 0xA0  ? cont_90_9f
         : b < 0xC0  ? cont_a0_bf
         : b < 0xC2  ? never
         : b < 0xE0  ? lead2
         : b == 0xE0 ? lead_e0
         : b == 0xED ? lead_ed
         : b < 0xF0  ? lead3
         : b == 0xF0 ? lead_f0
         : b < 0xF4  ? lead4
         : b == 0xF4 ? lead_f4
                     : never;
}

constexpr state next_state(state s, byte_class c) {
  const bool cont = c == cont_80_8f || c == cont_90_9f || c == cont_a0_bf;
  switch (s) {
    case accept:
      switch (c) {
        case ascii: return accept;
        case lead2: return need1;
        case lead_e0: return after_e0;
        case lead3: return need2;
        case lead_ed: return after_ed;
        case lead_f0: return after_f0;
        case lead4: return need3;
        case lead_f4: return after_f4;
        default: return reject;
      }
    case need1: return cont ? accept : reject;
    case need2: return cont ? need1 : reject;
    case need3: return cont ? need2 : reject;
    case after_e0: return c == cont_a0_bf ? need1 : reject;
    case after_ed: return c == cont_80_8f || c == cont_90_9f ? need1 : reject;
    case after_f0: return c == cont_90_9f || c == cont_a0_bf ? need2 : reject;
    case after_f4: return c == cont_80_8f ? need2 : reject;
    default: return reject;
  }
}

// A shift DFA: a state is a bit offset, and each byte's row holds the next
// state for every state, so a step is one load that does not wait for the
// previous step and one shift that does.
constexpr int state_bits = 6;
static_assert(state_count * state_bits <= 64);

constexpr std::uint8_t offset(state s) {
  return static_cast<std::uint8_t>(s * state_bits);
}

struct dfa {
  std::array<std::uint64_t, 256> row{};

  constexpr dfa() {
    for (int b = 0; b < 256; ++b)
      for (int s = 0; s < state_count; ++s)
        row[b] |= std::uint64_t{offset(next_state(static_cast<state>(s), class_of(b)))} << offset(static_cast<state>(s));
  }
};

constexpr dfa table{};

constexpr std::uint64_t high_bits = 0x8080808080808080ULL;

std::uint64_t load8(const unsigned char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

} // namespace

bool utf8_validator::feed(std::string_view bytes) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::uint64_t s = state_;
  std::size_t i = 0;
  while (i < n && s != offset(reject)) {
    if (s == offset(accept)) {
      while (i + 16 <= n && ((load8(p + i) | load8(p + i + 8)) & high_bits) == 0)
        i += 16;
      if (i + 8 <= n && (load8(p + i) & high_bits) == 0) {
        i += 8;
        continue;
      }
    }
    // Up to eight bytes through the DFA; reject is absorbing, so one check after them.
    const std::size_t end = std::min(n, i + 8);
    for (; i < end; ++i)
      s = (table.row[p[i]] >> s) & ((1u << state_bits) - 1);
  }
  state_ = static_cast<std::uint8_t>(s);
  return s != offset(reject);
}

bool utf8_validator::failed() const noexcept {
  return state_ == offset(reject);
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  utf8_validator v;
  return v.feed(bytes) && v.complete();
}

} // namespace roomcast
