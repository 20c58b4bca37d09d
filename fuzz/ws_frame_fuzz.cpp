// The WebSocket frame parser and the UTF-8 validator under hostile bytes.
// Invariants: the same events whether the bytes come at once or in pieces;
// text is valid UTF-8 and messages stay within the limit; nothing after a
// fatal event; the fast validator agrees with a plain reference.

#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "gateway/utf8_validator.hpp"
#include "gateway/ws_parser.hpp"

using namespace roomcast;

namespace {

struct seen {
  ws_event_kind kind;
  std::string payload;
  std::uint16_t code;
  bool has_code;
  bool operator==(const seen&) const = default;
};

/// Feeds `bytes` in pieces of the given sizes (cycled), as a session would.
std::vector<seen> run(std::string_view bytes, std::size_t max_message, const std::vector<std::size_t>& cuts) {
  ws_parser parser{max_message};
  std::vector<seen> events;
  std::string buffer;
  bool fatal = false;
  auto on_event = [&](const ws_event& e) {
    FUZZ_CHECK(!fatal); // nothing after protocol / bad_utf8
    if (e.kind == ws_event_kind::protocol || e.kind == ws_event_kind::bad_utf8)
      fatal = true;
    if (e.kind == ws_event_kind::text || e.kind == ws_event_kind::binary)
      FUZZ_CHECK(e.payload.size() <= max_message);
    if (e.kind == ws_event_kind::text)
      FUZZ_CHECK(fuzz::reference_utf8(e.payload));
    if (e.kind == ws_event_kind::ping || e.kind == ws_event_kind::pong || e.kind == ws_event_kind::close)
      FUZZ_CHECK(e.payload.size() <= 125);
    if (e.kind == ws_event_kind::close)
      FUZZ_CHECK(fuzz::reference_utf8(e.payload) && (e.has_close_code || e.payload.empty()));
    events.push_back({e.kind, std::string{e.payload}, e.close_code, e.has_close_code});
  };
  std::size_t at = 0, k = 0;
  while (at < bytes.size()) {
    auto n = std::min(cuts.empty() ? bytes.size() : std::max<std::size_t>(cuts[k++ % cuts.size()], 1),
                      bytes.size() - at);
    buffer.append(bytes.substr(at, n));
    at += n;
    auto used = parser.feed(buffer.data(), buffer.size(), on_event);
    FUZZ_CHECK(used <= buffer.size());
    buffer.erase(0, used);
    FUZZ_CHECK(parser.failed() == fatal);
    if (parser.failed())
      break;
  }
  // A partly assembled message never holds more than the limit.
  FUZZ_CHECK(parser.buffered() == 0 || parser.buffered() <= 2 * max_message + 64);
  return events;
}

void check_utf8(std::string_view text, const std::vector<std::size_t>& cuts) {
  bool valid = fuzz::reference_utf8(text);
  FUZZ_CHECK(is_valid_utf8(text) == valid);
  utf8_validator v;
  bool ok = true;
  std::size_t at = 0, k = 0;
  while (at < text.size() && ok) {
    auto n = std::min(cuts.empty() ? text.size() : std::max<std::size_t>(cuts[k++ % cuts.size()], 1),
                      text.size() - at);
    ok = v.feed(text.substr(at, n));
    FUZZ_CHECK(v.failed() == !ok);
    at += n;
  }
  if (ok)
    FUZZ_CHECK(v.complete() == valid);
  else
    FUZZ_CHECK(!valid);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in{data, size};
  std::size_t max_message = 1 + in.byte() * 16; // 1 .. 4081: small, so limits are reached
  std::vector<std::size_t> cuts;
  for (auto n = in.byte() % 6; n > 0; --n)
    cuts.push_back(in.byte());
  auto bytes = in.rest();
  auto whole = run(bytes, max_message, {});
  auto pieces = run(bytes, max_message, cuts);
  FUZZ_CHECK(whole == pieces);
  check_utf8(bytes, cuts);
  return 0;
}
