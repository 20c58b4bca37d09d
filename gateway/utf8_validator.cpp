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

// States, premultiplied by class_count so a step is one add and one load.
enum : std::uint8_t {
  accept = 0,
  reject = 1 * class_count,
  need1 = 2 * class_count,
  need2 = 3 * class_count,
  need3 = 4 * class_count,
  after_e0 = 5 * class_count,
  after_ed = 6 * class_count,
  after_f0 = 7 * class_count,
  after_f4 = 8 * class_count,
  state_end = 9 * class_count
};

struct dfa {
  std::array<std::uint8_t, 256> cls{};
  std::array<std::uint8_t, state_end> next{};

  constexpr dfa() {
    for (int b = 0; b < 256; ++b)
      cls[b] = b < 0x80 ? ascii
               : b < 0x90 ? cont_80_8f
               : b < 0xA0 ? cont_90_9f
               : b < 0xC0 ? cont_a0_bf
               : b < 0xC2 ? never
               : b < 0xE0 ? lead2
               : b == 0xE0 ? lead_e0
               : b == 0xED ? lead_ed
               : b < 0xF0 ? lead3
               : b == 0xF0 ? lead_f0
               : b < 0xF4 ? lead4
               : b == 0xF4 ? lead_f4
                           : never;
    for (auto& s : next)
      s = reject;
    auto set = [this](std::uint8_t from, byte_class c, std::uint8_t to) { next[from + c] = to; };
    set(accept, ascii, accept);
    set(accept, lead2, need1);
    set(accept, lead_e0, after_e0);
    set(accept, lead3, need2);
    set(accept, lead_ed, after_ed);
    set(accept, lead_f0, after_f0);
    set(accept, lead4, need3);
    set(accept, lead_f4, after_f4);
    for (auto c : {cont_80_8f, cont_90_9f, cont_a0_bf}) {
      set(need1, c, accept);
      set(need2, c, need1);
      set(need3, c, need2);
    }
    set(after_e0, cont_a0_bf, need1);
    set(after_ed, cont_80_8f, need1);
    set(after_ed, cont_90_9f, need1);
    set(after_f0, cont_90_9f, need2);
    set(after_f0, cont_a0_bf, need2);
    set(after_f4, cont_80_8f, need2);
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
  std::uint8_t s = state_;
  std::size_t i = 0;
  while (i < n && s != reject) {
    if (s == accept) {
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
      s = table.next[s + table.cls[p[i]]];
  }
  state_ = s;
  return s != reject;
}

bool utf8_validator::failed() const noexcept {
  return state_ == reject;
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  utf8_validator v;
  return v.feed(bytes) && v.complete();
}

} // namespace roomcast
