#define CAF_SUITE ws_parser

#include <caf/test/unit_test.hpp>

#include "gateway/ws_parser.hpp"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace roomcast;

namespace {

constexpr std::uint8_t fin = 0x80;
constexpr std::uint8_t op_cont = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;

enum class length_form { shortest, ext16, ext64 };

/// One client frame, built by hand: first byte `b0`, masked with `mask`
/// unless `masked` is false, the length in the given encoding.
std::string frame(std::uint8_t b0, std::string_view payload, length_form form = length_form::shortest,
                  bool masked = true, std::array<std::uint8_t, 4> mask = {0x37, 0xFA, 0x21, 0x3D}) {
  std::string out;
  out.push_back(static_cast<char>(b0));
  const std::uint64_t n = payload.size();
  const std::uint8_t m = masked ? 0x80 : 0x00;
  if (form == length_form::shortest)
    form = n < 126 ? length_form::shortest : n <= 0xFFFF ? length_form::ext16 : length_form::ext64;
  if (form == length_form::shortest) {
    out.push_back(static_cast<char>(m | n));
  } else if (form == length_form::ext16) {
    out.push_back(static_cast<char>(m | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(m | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  if (!masked)
    return out.append(payload);
  for (auto b : mask)
    out.push_back(static_cast<char>(b));
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return out;
}

std::string text(std::string_view s) {
  return frame(fin | op_text, s);
}

std::string close_body(std::uint16_t code, std::string_view reason) {
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code & 0xFF));
  return body.append(reason);
}

std::string describe(const ws_event& e) {
  std::string p{e.payload};
  switch (e.kind) {
    case ws_event_kind::text: return "text:" + p;
    case ws_event_kind::binary: return "binary:" + p;
    case ws_event_kind::ping: return "ping:" + p;
    case ws_event_kind::pong: return "pong:" + p;
    case ws_event_kind::close: return "close:" + std::to_string(e.close_code) + ":" + p;
    case ws_event_kind::too_big: return "too_big";
    case ws_event_kind::protocol: return "protocol";
    case ws_event_kind::bad_utf8: return "bad_utf8";
    case ws_event_kind::inflated_too_big: return "inflated_too_big";
    case ws_event_kind::bad_deflate: return "bad_deflate";
  }
  return "?";
}

using events = std::vector<std::string>;

/// A reading side that behaves like websocket_session::consume: bytes the
/// parser did not consume are kept and fed again with the next read.
struct client_stream {
  explicit client_stream(std::size_t max_message = 1 << 20) : parser(max_message) {}

  void push(std::string_view bytes) {
    pending.append(bytes);
    auto used = parser.feed(pending.data(), pending.size(),
                            [this](const ws_event& e) { seen.push_back(describe(e)); });
    pending.erase(0, used);
    max_pending = std::max(max_pending, pending.size());
  }

  /// Pushes `bytes` in pieces of `step` bytes.
  void trickle(std::string_view bytes, std::size_t step) {
    for (std::size_t i = 0; i < bytes.size(); i += step)
      push(bytes.substr(i, step));
  }

  ws_parser parser;
  std::string pending;
  std::size_t max_pending = 0;
  events seen;
};

/// Feeds `bytes` in one call and returns the events.
events parse_once(std::string bytes, std::size_t max_message = 1 << 20) {
  client_stream s{max_message};
  s.push(bytes);
  return s.seen;
}

} // namespace

// -- well-formed traffic ------------------------------------------------------

CAF_TEST(a single masked text frame is one text message) {
  ws_parser p{1024};
  auto bytes = text("Hello");
  events seen;
  auto used = p.feed(bytes.data(), bytes.size(), [&](const ws_event& e) { seen.push_back(describe(e)); });
  CAF_CHECK_EQUAL(used, bytes.size());
  CAF_CHECK_EQUAL(seen, events{"text:Hello"});
}

CAF_TEST(an empty text frame is an empty message) {
  CAF_CHECK_EQUAL(parse_once(text("")), events{"text:"});
}

CAF_TEST(several frames in one buffer come out in order) {
  auto bytes = text("one") + frame(fin | op_binary, std::string("\x00\x01\xFF", 3)) + frame(fin | op_ping, "p")
               + frame(fin | op_pong, "q") + text("two");
  CAF_CHECK_EQUAL(parse_once(bytes),
                  (events{"text:one", std::string("binary:\x00\x01\xFF", 10), "ping:p", "pong:q", "text:two"}));
}

CAF_TEST(an incomplete frame is left for the next feed) {
  auto bytes = text("Hello") + text("World");
  ws_parser p{1024};
  events seen;
  auto on = [&](const ws_event& e) { seen.push_back(describe(e)); };
  auto used = p.feed(bytes.data(), bytes.size() - 1, on);
  CAF_CHECK_EQUAL(used, text("Hello").size());
  CAF_CHECK_EQUAL(seen, events{"text:Hello"});
}

CAF_TEST(a stream split at any byte gives the same messages) {
  auto bytes = text("Hello") + frame(fin | op_ping, "are you there") + text(std::string(300, 'x'))
               + frame(op_text, "frag") + frame(fin | op_cont, "mented") + frame(fin | op_close, close_body(1000, "bye"));
  const events expected{"text:Hello", "ping:are you there", "text:" + std::string(300, 'x'), "text:fragmented",
                        "close:1000:bye"};
  CAF_CHECK_EQUAL(parse_once(bytes), expected);
  std::vector<std::size_t> bad_cuts; // split positions that changed the result
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    client_stream s;
    s.push(std::string_view{bytes}.substr(0, cut));
    s.push(std::string_view{bytes}.substr(cut));
    if (s.seen != expected || !s.pending.empty())
      bad_cuts.push_back(cut);
  }
  CAF_CHECK_EQUAL(bad_cuts, std::vector<std::size_t>{});
  client_stream bytewise;
  bytewise.trickle(bytes, 1);
  CAF_CHECK_EQUAL(bytewise.seen, expected);
  CAF_CHECK(bytewise.pending.empty());
}

CAF_TEST(16 bit lengths are read) {
  for (std::size_t n : {126u, 300u, 65535u}) {
    auto payload = std::string(n, 'a');
    payload.back() = 'z';
    CAF_CHECK_EQUAL(parse_once(text(payload)), events{"text:" + payload});
  }
  // A short payload in the 16-bit form is still understood.
  CAF_CHECK_EQUAL(parse_once(frame(fin | op_text, "hi", length_form::ext16)), events{"text:hi"});
}

CAF_TEST(64 bit lengths are read) {
  for (std::size_t n : {65536u, 70000u}) {
    auto payload = std::string(n, 'b');
    payload.front() = 'A';
    payload.back() = 'Z';
    CAF_CHECK_EQUAL(parse_once(text(payload)), events{"text:" + payload});
  }
  CAF_CHECK_EQUAL(parse_once(frame(fin | op_text, "hi", length_form::ext64)), events{"text:hi"});
}

CAF_TEST(a fragmented text message with a ping in the middle) {
  auto bytes = frame(op_text, "Hel") + frame(fin | op_ping, "mid") + frame(op_cont, "lo ") + frame(fin | op_cont, "world");
  client_stream s{1024};
  s.push(bytes);
  CAF_CHECK_EQUAL(s.seen, (events{"ping:mid", "text:Hello world"}));
  CAF_CHECK_EQUAL(s.parser.buffered(), 0u);
  // The parser is ready for the next message.
  s.push(text("next"));
  CAF_CHECK_EQUAL(s.seen.back(), "text:next");
}

CAF_TEST(a fragmented binary message stays binary) {
  auto bytes = frame(op_binary, std::string("\x01\x02", 2)) + frame(fin | op_cont, std::string("\x03", 1));
  CAF_CHECK_EQUAL(parse_once(bytes), events{std::string("binary:\x01\x02\x03", 10)});
}

CAF_TEST(ping pong and close carry their payloads and the close code) {
  auto bytes = frame(fin | op_ping, "12345678") + frame(fin | op_pong, "") + frame(fin | op_ping, std::string(125, 'p'))
               + frame(fin | op_close, close_body(4001, "going away"));
  CAF_CHECK_EQUAL(parse_once(bytes), (events{"ping:12345678", "pong:", "ping:" + std::string(125, 'p'),
                                             "close:4001:going away"}));
  CAF_CHECK_EQUAL(parse_once(frame(fin | op_close, close_body(1001, ""))), events{"close:1001:"});
}

CAF_TEST(the parser reports that it failed after a framing error) {
  ws_parser parser{1024};
  std::string bad = "\x81\x05hello"; // unmasked
  CAF_CHECK(!parser.failed());
  parser.feed(bad.data(), bad.size(), [](const ws_event&) {});
  CAF_CHECK(parser.failed());
}

CAF_TEST(a close frame without a body reports no code) {
  CAF_CHECK_EQUAL(parse_once(frame(fin | op_close, "")), events{"close:0:"});
}

CAF_TEST(a close frame with a one byte body is a protocol error) {
  CAF_CHECK_EQUAL(parse_once(frame(fin | op_close, "x") + text("after")), events{"protocol"});
}

CAF_TEST(a message of exactly the limit is accepted) {
  auto payload = std::string(100, 'l');
  CAF_CHECK_EQUAL(parse_once(text(payload), 100), events{"text:" + payload});
  auto bytes = frame(op_text, std::string(60, 'a')) + frame(fin | op_cont, std::string(40, 'b'));
  CAF_CHECK_EQUAL(parse_once(bytes, 100), events{"text:" + std::string(60, 'a') + std::string(40, 'b')});
}

// -- oversized messages -------------------------------------------------------

CAF_TEST(an oversized message is reported once and skipped) {
  auto bytes = text(std::string(101, 'x')) + text("ok");
  CAF_CHECK_EQUAL(parse_once(bytes, 100), (events{"too_big", "text:ok"}));
  auto big16 = text(std::string(5000, 'x')) + text("ok");
  CAF_CHECK_EQUAL(parse_once(big16, 100), (events{"too_big", "text:ok"}));
  auto big64 = text(std::string(70000, 'x')) + text("ok");
  CAF_CHECK_EQUAL(parse_once(big64, 100), (events{"too_big", "text:ok"}));
}

CAF_TEST(an oversized message in many small reads is skipped without buffering it) {
  for (std::size_t step : {1u, 3u, 7u, 64u, 1000u}) {
    client_stream s{100};
    s.trickle(text(std::string(5000, 'x')) + text("after"), step);
    CAF_CHECK_EQUAL(s.seen, (events{"too_big", "text:after"}));
    CAF_CHECK(s.pending.empty());
    // Only a header's worth of bytes (and a read's worth) ever waits.
    const std::size_t bound = step > 14 ? step : 14;
    CAF_CHECK_LESS_OR_EQUAL(s.max_pending, bound);
  }
}

CAF_TEST(an oversized message split between header and body still reports once) {
  auto big = text(std::string(300, 'x'));
  for (std::size_t cut = 1; cut < big.size(); cut += 13) {
    client_stream s{100};
    s.push(std::string_view{big}.substr(0, cut));
    s.push(std::string_view{big}.substr(cut));
    s.push(text("ok"));
    CAF_CHECK_EQUAL(s.seen, (events{"too_big", "text:ok"}));
  }
}

CAF_TEST(a fragmented message that grows past the limit is reported once and skipped) {
  auto bytes = frame(op_text, std::string(60, 'a')) + frame(fin | op_ping, "p") + frame(op_cont, std::string(60, 'b'))
               + frame(op_cont, std::string(10, 'c')) + frame(fin | op_ping, "q") + frame(fin | op_cont, std::string(10, 'd'))
               + text("after");
  CAF_CHECK_EQUAL(parse_once(bytes, 100), (events{"ping:p", "too_big", "ping:q", "text:after"}));
  client_stream bytewise{100};
  bytewise.trickle(bytes, 1);
  CAF_CHECK_EQUAL(bytewise.seen, (events{"ping:p", "too_big", "ping:q", "text:after"}));
}

CAF_TEST(a fragmented message whose first fragment is too big is skipped to its end) {
  auto bytes = frame(op_text, std::string(200, 'a')) + frame(op_cont, "b") + frame(fin | op_cont, "c")
               + text("after");
  CAF_CHECK_EQUAL(parse_once(bytes, 100), (events{"too_big", "text:after"}));
}

CAF_TEST(a fragmented message dropped for its size releases its buffer) {
  client_stream s{100};
  s.push(frame(op_text, std::string(90, 'a')));
  CAF_CHECK_GREATER_OR_EQUAL(s.parser.buffered(), 90u);
  s.push(frame(fin | op_cont, std::string(20, 'b')));
  CAF_CHECK_EQUAL(s.seen, events{"too_big"});
  // No message is being assembled any more, so no memory should be held.
  CAF_CHECK_EQUAL(s.parser.buffered(), 0u);
}

// -- protocol errors ----------------------------------------------------------

CAF_TEST(framing errors are reported once and end parsing) {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"unmasked frame", frame(fin | op_text, "hi", length_form::shortest, false)},
    {"RSV1 without permessage-deflate", frame(fin | 0x40 | op_text, "hi")},
    {"RSV2", frame(fin | 0x20 | op_text, "hi")},
    {"RSV3", frame(fin | 0x10 | op_text, "hi")},
    {"opcode 3", frame(fin | 0x3, "hi")},
    {"opcode 7", frame(fin | 0x7, "hi")},
    {"opcode B", frame(fin | 0xB, "hi")},
    {"opcode F", frame(fin | 0xF, "hi")},
    {"ping over 125 bytes", frame(fin | op_ping, std::string(126, 'p'))},
    {"close over 125 bytes", frame(fin | op_close, close_body(1000, std::string(124, 'r')))},
    {"fragmented ping", frame(op_ping, "p")},
    {"fragmented close", frame(op_close, close_body(1000, ""))},
    {"continuation without a start", frame(fin | op_cont, "orphan")},
    {"unfinished continuation without a start", frame(op_cont, "orphan")},
    {"new message inside a fragmented one", frame(op_text, "a") + text("b")},
    {"64-bit length with the top bit set", std::string("\x81\xFF\x80\x00\x00\x00\x00\x00\x00\x01", 10) + "mask"},
  };
  std::vector<std::string> wrong; // cases that did not give exactly one protocol event
  for (auto& [name, bad] : cases) {
    client_stream s{1024};
    s.push(bad + text("after"));
    if (s.seen != events{"protocol"})
      wrong.push_back(name + ": " + caf::deep_to_string(s.seen));
    s.push(text("later"));
    s.push(frame(fin | op_ping, "x"));
    if (s.seen != events{"protocol"})
      wrong.push_back(name + " (later feeds): " + caf::deep_to_string(s.seen));
  }
  CAF_CHECK_EQUAL(wrong, std::vector<std::string>{});
}

CAF_TEST(framing errors are protocol errors whatever the frame size) {
  // The same violations as above, in frames over the message limit.
  client_stream orphan{100};
  orphan.push(frame(fin | op_cont, std::string(500, 'o')) + text("after"));
  CAF_CHECK_EQUAL(orphan.seen, events{"protocol"});
  client_stream nested{100};
  nested.push(frame(op_text, "Hel") + text(std::string(500, 'n')) + text("after"));
  CAF_CHECK_EQUAL(nested.seen, events{"protocol"});
}

CAF_TEST(framing errors after good frames keep the good frames) {
  auto bytes = text("first") + frame(fin | 0x40 | op_text, "bad") + text("never");
  CAF_CHECK_EQUAL(parse_once(bytes), (events{"text:first", "protocol"}));
}

CAF_TEST(a framing error in a split header is found once the header is complete) {
  client_stream s{1024};
  auto bad = frame(fin | op_text, "hi", length_form::shortest, false);
  s.push(bad.substr(0, 1));
  CAF_CHECK(s.seen.empty());
  s.push(bad.substr(1) + text("after"));
  CAF_CHECK_EQUAL(s.seen, events{"protocol"});
}

// -- UTF-8 in text messages and close reasons -----------------------------------

namespace {

const std::string kosme = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"; // κόσμε
const std::string clef = "\xF0\x9D\x84\x9E";                                  // U+1D11E, four bytes

/// Feeds `bytes`, then more frames, and returns every event.
events parse_then_more(const std::string& bytes) {
  client_stream s{1024};
  s.push(bytes);
  s.push(text("later"));
  s.push(frame(fin | op_ping, "x"));
  return s.seen;
}

} // namespace

CAF_TEST(valid multi byte text is delivered unchanged) {
  const std::string mixed = "Hello-\xC2\xB5@\xC3\x9F\xC3\xB6-" + kosme + "-\xE2\x82\xAC-" + clef + "!";
  CAF_CHECK_EQUAL(parse_once(text(mixed)), events{"text:" + mixed});
  CAF_CHECK_EQUAL(parse_once(text("\xF4\x8F\xBF\xBF\xEF\xBF\xBF")), events{"text:\xF4\x8F\xBF\xBF\xEF\xBF\xBF"});
  auto long_text = std::string(300, 'a') + kosme + std::string(70000, 'b') + clef;
  CAF_CHECK_EQUAL(parse_once(text(long_text), 1 << 20), events{"text:" + long_text});
}

CAF_TEST(each kind of invalid UTF-8 in a text message is bad_utf8 and ends parsing) {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"lone continuation byte", "a\x80" "b"},
    {"impossible byte FF", "a\xFF" "b"},
    {"lead byte then ASCII", "a\xC3" "Ab"},
    {"overlong two bytes", "\xC0\xAF"},
    {"overlong three bytes", "\xE0\x80\xAF"},
    {"overlong four bytes", "\xF0\x80\x80\xAF"},
    {"surrogate", "\xED\xA0\x80"},
    {"last surrogate", "\xED\xBF\xBF"},
    {"over U+10FFFF", "\xF4\x90\x80\x80"},
    {"five byte form", "\xF8\x88\x80\x80\x80"},
  };
  std::vector<std::string> wrong;
  for (auto& [name, bad] : cases) {
    auto seen = parse_then_more(text(kosme + bad + "tail"));
    if (seen != events{"bad_utf8"})
      wrong.push_back(name + ": " + caf::deep_to_string(seen));
  }
  CAF_CHECK_EQUAL(wrong, std::vector<std::string>{});
  ws_parser parser{1024};
  auto bytes = text("\xFF");
  parser.feed(bytes.data(), bytes.size(), [](const ws_event&) {});
  CAF_CHECK(parser.failed());
}

CAF_TEST(binary messages are not checked for UTF-8) {
  auto bytes = frame(fin | op_binary, "\xFF\xED\xA0\x80") + frame(op_binary, "\xC3") + frame(fin | op_cont, "\xFF");
  CAF_CHECK_EQUAL(parse_once(bytes), (events{"binary:\xFF\xED\xA0\x80", "binary:\xC3\xFF"}));
}

CAF_TEST(a character split across fragments is valid) {
  auto two = frame(op_text, "x\xCE") + frame(fin | op_cont, "\xBAy");
  CAF_CHECK_EQUAL(parse_once(two), events{"text:x\xCE\xBAy"});
  // Four bytes over three fragments, with a ping in between.
  auto three = frame(op_text, "\xF0") + frame(op_cont, "\x9D\x84") + frame(fin | op_ping, "p") + frame(fin | op_cont, "\x9E");
  CAF_CHECK_EQUAL(parse_once(three), (events{"ping:p", "text:" + clef}));
  // Empty fragments change nothing.
  auto empties = frame(op_text, "") + frame(op_cont, "\xCE") + frame(op_cont, "") + frame(fin | op_cont, "\xBA");
  CAF_CHECK_EQUAL(parse_once(empties), events{"text:\xCE\xBA"});
}

CAF_TEST(an invalid sequence split across fragments is bad_utf8) {
  CAF_CHECK_EQUAL(parse_then_more(frame(op_text, "ok\xED") + frame(fin | op_cont, "\xA0\x80")), events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(frame(op_text, "\xF4") + frame(op_cont, "\x90") + frame(fin | op_cont, "\x80\x80")),
                  events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(frame(op_text, "\xC3") + frame(fin | op_cont, "A")), events{"bad_utf8"});
}

CAF_TEST(text split across feeds at every byte gives the same result) {
  const auto good = text("a" + kosme) + frame(op_text, "b\xE2\x82") + frame(fin | op_ping, "p")
                    + frame(fin | op_cont, "\xAC" + clef) + text(std::string(200, 'c') + kosme);
  const events expected{"text:a" + kosme, "ping:p", "text:b\xE2\x82\xAC" + clef, "text:" + std::string(200, 'c') + kosme};
  const auto bad = text("a" + kosme) + frame(op_text, "b\xED") + frame(fin | op_cont, "\xA0\x80") + text("never");
  const events bad_expected{"text:a" + kosme, "bad_utf8"};
  std::vector<std::size_t> bad_cuts;
  for (auto& [bytes, want] : {std::pair{good, expected}, std::pair{bad, bad_expected}}) {
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      client_stream s;
      s.push(std::string_view{bytes}.substr(0, cut));
      s.push(std::string_view{bytes}.substr(cut));
      if (s.seen != want)
        bad_cuts.push_back(cut);
    }
    client_stream bytewise;
    bytewise.trickle(bytes, 1);
    CAF_CHECK_EQUAL(bytewise.seen, want);
  }
  CAF_CHECK_EQUAL(bad_cuts, std::vector<std::size_t>{});
}

CAF_TEST(invalid UTF-8 in the first fragment fails at once) {
  client_stream s{1024};
  s.push(frame(op_text, kosme + "\xF4\x90\x80\x80" + "edited"));
  CAF_CHECK_EQUAL(s.seen, events{"bad_utf8"});
  // In a later fragment, also before the message is complete.
  client_stream later{1024};
  later.push(frame(op_text, kosme));
  later.push(frame(op_cont, "\xED\xA0\x80"));
  CAF_CHECK_EQUAL(later.seen, events{"bad_utf8"});
}

CAF_TEST(invalid UTF-8 in a frame fails before the rest of the frame arrives) {
  auto bytes = text(kosme + "\xED\xA0\x80" + std::string(500, 'x'));
  const std::size_t header = 2 + 2 + 4;
  client_stream s{1024};
  s.push(std::string_view{bytes}.substr(0, header + kosme.size() + 2));
  CAF_CHECK_EQUAL(s.seen, events{"bad_utf8"});
  // A partial frame that is still valid waits, unchanged by being unmasked early.
  client_stream ok{1024};
  auto good = text(kosme + std::string(500, 'x'));
  std::size_t fed = 0;
  for (std::size_t at : {header + 1, header + 5, header + 7, header + 300, good.size()}) {
    ok.push(std::string_view{good}.substr(fed, at - fed));
    fed = at;
  }
  CAF_CHECK_EQUAL(ok.seen, events{"text:" + kosme + std::string(500, 'x')});
}

CAF_TEST(a sequence cut off at the end of a message is bad_utf8) {
  CAF_CHECK_EQUAL(parse_then_more(text("a\xCE")), events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(text("a\xF0\x9D\x84")), events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(frame(op_text, "a") + frame(fin | op_cont, "\xF0\x9D\x84")), events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(frame(op_text, "a\xE2") + frame(fin | op_cont, "")), events{"bad_utf8"});
}

CAF_TEST(a new text message starts with a clean validator) {
  // An oversized message left mid-character is dropped; the next one is judged alone.
  auto bytes = frame(op_text, std::string(90, 'a') + "\xCE") + frame(fin | op_cont, std::string(20, 'b')) + text("ok");
  CAF_CHECK_EQUAL(parse_once(bytes, 100), (events{"too_big", "text:ok"}));
}

CAF_TEST(a close reason must be UTF-8) {
  CAF_CHECK_EQUAL(parse_once(frame(fin | op_close, close_body(1000, kosme))), events{"close:1000:" + kosme});
  CAF_CHECK_EQUAL(parse_then_more(frame(fin | op_close, close_body(1000, "bye\xFF"))), events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(frame(fin | op_close, close_body(1001, "\xCE"))), events{"bad_utf8"});
  CAF_CHECK_EQUAL(parse_then_more(frame(fin | op_close, close_body(1000, "\xED\xA0\x80"))), events{"bad_utf8"});
}

CAF_TEST(a close code of 0 is told apart from no code) {
  std::string bytes; // outlives each call: the event's payload points into it
  auto close_of = [&bytes](std::string body) {
    ws_parser p{1024};
    bytes = frame(fin | op_close, body);
    ws_event got{ws_event_kind::protocol, {}, 0};
    p.feed(bytes.data(), bytes.size(), [&](const ws_event& e) { got = e; });
    return got;
  };
  auto none = close_of("");
  CAF_CHECK(none.kind == ws_event_kind::close);
  CAF_CHECK(!none.has_close_code);
  CAF_CHECK_EQUAL(none.close_code, 0u);
  auto zero = close_of(close_body(0, ""));
  CAF_CHECK(zero.kind == ws_event_kind::close);
  CAF_CHECK(zero.has_close_code);
  CAF_CHECK_EQUAL(zero.close_code, 0u);
  auto normal = close_of(close_body(1000, "bye"));
  CAF_CHECK(normal.has_close_code);
  CAF_CHECK_EQUAL(normal.close_code, 1000u);
  CAF_CHECK_EQUAL(normal.payload, "bye");
}

// -- permessage-deflate (RFC 7692) ---------------------------------------------

namespace {

constexpr std::uint8_t rsv1 = 0x40;

/// A client's compressor: raw deflate, each message sync-flushed with its
/// 00 00 FF FF tail removed. `takeover`: the window carries over.
struct client_deflater {
  explicit client_deflater(bool takeover = false, int bits = 15) : takeover(takeover) {
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY);
  }
  ~client_deflater() { deflateEnd(&z); }

  std::string operator()(std::string_view in) {
    std::string out(in.size() + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    ::deflate(&z, Z_SYNC_FLUSH);
    out.resize(out.size() - z.avail_out - 4);
    if (!takeover)
      deflateReset(&z);
    return out;
  }

  z_stream z{};
  bool takeover;
};

client_stream deflating_stream(std::size_t max_message = 1 << 20, bool takeover = false) {
  client_stream s{max_message};
  s.parser.enable_deflate(takeover, 15);
  return s;
}

} // namespace

CAF_TEST(a compressed text message is inflated) {
  client_deflater z;
  auto s = deflating_stream();
  s.push(frame(fin | rsv1 | op_text, z("Hello, Hello, Hello, compressed world")) + text("plain after"));
  CAF_CHECK_EQUAL(s.seen, (events{"text:Hello, Hello, Hello, compressed world", "text:plain after"}));
}

CAF_TEST(a compressed binary message is inflated) {
  client_deflater z;
  auto s = deflating_stream();
  std::string data(300, '\x01');
  s.push(frame(fin | rsv1 | op_binary, z(data)));
  CAF_CHECK_EQUAL(s.seen, events{"binary:" + data});
}

CAF_TEST(a fragmented compressed message is inflated once complete) {
  client_deflater z;
  auto s = deflating_stream();
  std::string message = R"({"event":"chat-message","data":{"message":")" + std::string(500, 'x') + "\"}}";
  auto c = z(message);
  CAF_REQUIRE_GREATER(c.size(), 6u);
  // RSV1 on the first frame only; a ping between the fragments.
  auto bytes = frame(rsv1 | op_text, c.substr(0, 3)) + frame(fin | op_ping, "p")
               + frame(op_cont, c.substr(3, 2)) + frame(fin | op_cont, c.substr(5));
  s.trickle(bytes, 3);
  CAF_CHECK_EQUAL(s.seen, (events{"ping:p", "text:" + message}));
}

CAF_TEST(clients that keep their window are inflated with it) {
  client_deflater z{true};
  auto s = deflating_stream(1 << 20, true);
  std::string message(200, 'q');
  auto first = z(message);
  auto second = z(message); // refers back into the first message
  CAF_CHECK_LESS(second.size(), first.size());
  s.push(frame(fin | rsv1 | op_text, first) + frame(fin | rsv1 | op_text, second));
  CAF_CHECK_EQUAL(s.seen, (events{"text:" + message, "text:" + message}));
}

CAF_TEST(a zip bomb is inflated no further than the limit and skipped) {
  client_deflater z;
  auto s = deflating_stream(64 * 1024);
  auto bomb = z(std::string(10 << 20, '\0')); // 10 MiB of zeros, about 10 KiB compressed
  CAF_CHECK_LESS(bomb.size(), 64u * 1024u);
  s.push(frame(fin | rsv1 | op_binary, bomb) + text("after"));
  CAF_CHECK_EQUAL(s.seen, (events{"too_big", "text:after"}));
  CAF_CHECK(!s.parser.failed());
  // A client that keeps its window cannot have a message skipped: 1009.
  client_deflater zt{true};
  auto t = deflating_stream(64 * 1024, true);
  t.push(frame(fin | rsv1 | op_binary, zt(std::string(10 << 20, '\0'))) + text("never"));
  CAF_CHECK_EQUAL(t.seen, events{"inflated_too_big"});
  CAF_CHECK(t.parser.failed());
}

CAF_TEST(a compressed message that inflates to exactly the limit is delivered) {
  client_deflater z;
  auto s = deflating_stream(1000);
  s.push(frame(fin | rsv1 | op_text, z(std::string(1000, 'a'))));
  CAF_CHECK_EQUAL(s.seen, events{"text:" + std::string(1000, 'a')});
}

CAF_TEST(corrupt compressed data fails the connection) {
  auto s = deflating_stream();
  // A block of reserved type 3 is invalid deflate.
  s.push(frame(fin | rsv1 | op_text, std::string("\xff\xff\xff\xff", 4)) + text("never"));
  CAF_CHECK_EQUAL(s.seen, events{"bad_deflate"});
}

CAF_TEST(compressed text is checked for UTF-8 once inflated) {
  client_deflater z;
  auto s = deflating_stream();
  s.push(frame(fin | rsv1 | op_text, z("ok \xC0\xAF bad")) + text("never"));
  CAF_CHECK_EQUAL(s.seen, events{"bad_utf8"});
  // Compressed bytes that are not UTF-8 themselves are fine.
  client_deflater z2;
  auto t = deflating_stream();
  t.push(frame(fin | rsv1 | op_text, z2(kosme + kosme + kosme)));
  CAF_CHECK_EQUAL(t.seen, events{"text:" + kosme + kosme + kosme});
}

CAF_TEST(RSV1 is a protocol error on control frames continuations and without deflate) {
  client_deflater z;
  auto c = z("hello hello hello");
  const std::vector<std::pair<std::string, std::string>> cases{
    {"RSV1 on a ping", frame(fin | rsv1 | op_ping, "p")},
    {"RSV1 on a pong", frame(fin | rsv1 | op_pong, "p")},
    {"RSV1 on a close", frame(fin | rsv1 | op_close, close_body(1000, ""))},
    {"RSV1 on a continuation", frame(rsv1 | op_text, c.substr(0, 2)) + frame(fin | rsv1 | op_cont, c.substr(2))},
    {"RSV1 on a continuation of a plain message", frame(op_text, "a") + frame(fin | rsv1 | op_cont, "b")},
    {"RSV2 with deflate", frame(fin | 0x20 | op_text, "hi")},
    {"RSV3 with deflate", frame(fin | 0x10 | op_text, "hi")},
    {"RSV1 and RSV2", frame(fin | rsv1 | 0x20 | op_text, c)},
  };
  std::vector<std::string> wrong;
  for (auto& [name, bad] : cases) {
    auto s = deflating_stream();
    s.push(bad + text("after"));
    if (s.seen != events{"protocol"})
      wrong.push_back(name + ": " + caf::deep_to_string(s.seen));
  }
  CAF_CHECK_EQUAL(wrong, std::vector<std::string>{});
  // Without the extension RSV1 is an error even on a valid compressed message.
  client_stream plain{1024};
  plain.push(frame(fin | rsv1 | op_text, c));
  CAF_CHECK_EQUAL(plain.seen, events{"protocol"});
}

CAF_TEST(a compressed message over the limit is skipped when clients reset their window) {
  client_deflater z;
  auto s = deflating_stream(100);
  std::string big(5000, 'b');
  std::uint32_t x = 1;
  for (auto& ch : big) { // random letters: stay well over 100 bytes compressed
    x = x * 1103515245u + 12345u;
    ch = static_cast<char>('a' + (x >> 16) % 26);
  }
  auto c = z(big);
  CAF_REQUIRE_GREATER(c.size(), 100u);
  s.push(frame(fin | rsv1 | op_text, c) + frame(fin | rsv1 | op_text, z("small")));
  CAF_CHECK_EQUAL(s.seen, (events{"too_big", "text:small"}));
  // With context takeover skipping would break the window: the connection fails.
  client_deflater zt{true};
  auto t = deflating_stream(100, true);
  t.push(frame(fin | rsv1 | op_text, zt(big)) + text("never"));
  CAF_CHECK_EQUAL(t.seen, events{"inflated_too_big"});
}

CAF_TEST(random bytes with RSV1 never crash the inflating parser) {
  std::uint32_t x = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string junk;
    auto n = 1 + (x % 200);
    for (std::uint32_t i = 0; i < n; ++i) {
      x = x * 1103515245u + 12345u;
      junk.push_back(static_cast<char>(x >> 16));
    }
    auto s = deflating_stream(4096, round % 2 == 0);
    s.push(frame(fin | rsv1 | (round % 3 ? op_text : op_binary), junk) + text("after"));
    CAF_REQUIRE(!s.seen.empty());
    auto& first = s.seen.front();
    CAF_CHECK(first == "bad_deflate" || first == "bad_utf8" || first == "inflated_too_big"
              || first.rfind("text:", 0) == 0 || first.rfind("binary:", 0) == 0);
  }
}
