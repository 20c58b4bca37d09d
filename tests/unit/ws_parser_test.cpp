#define CAF_SUITE ws_parser

#include <caf/test/unit_test.hpp>

#include "gateway/ws_parser.hpp"

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
    {"RSV1", frame(fin | 0x40 | op_text, "hi")},
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
