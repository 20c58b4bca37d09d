// Checks the load generator's building blocks against known answers: frames
// it writes and reads, latency percentiles, the text it stamps and finds
// again, Socket.IO packets, and the HS256 tokens the Socket.IO dialects need.

#include <cstdio>
#include <string>

#include "loadgen/dialect.hpp"
#include "loadgen/jwt.hpp"
#include "loadgen/latency_histogram.hpp"
#include "ws_frame.hpp"

namespace {

int passed = 0, failed = 0;

void check(bool ok, const char* what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAIL %s\n", what);
  }
}

std::string hex(const std::array<std::uint8_t, 32>& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : d) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

void frames_round_trip_at_every_length_class() {
  for (std::size_t len : {0u, 5u, 125u, 126u, 65535u, 65536u, 200000u}) {
    const std::string payload(len, 'q');
    for (bool masked : {false, true}) {
      std::string wire;
      bench::ws::append_frame(wire, bench::ws::op_text, payload, masked, 0xA1B2C3D4u);
      bench::ws::frame f;
      std::size_t used = 0;
      // Every strict prefix is incomplete, the whole frame parses back to the payload.
      check(bench::ws::parse_frame(wire.data(), wire.size() - 1, 1u << 20, f, used) ==
                bench::ws::parse_status::incomplete,
            "a frame cut short is incomplete");
      const auto st = bench::ws::parse_frame(wire.data(), wire.size(), 1u << 20, f, used);
      check(st == bench::ws::parse_status::complete && used == wire.size() && f.payload == payload &&
                f.opcode == bench::ws::op_text && f.fin,
            "a frame parses back to what was written");
    }
  }
}

void two_frames_in_one_read_both_parse() {
  std::string wire;
  bench::ws::append_frame(wire, bench::ws::op_text, "first", true, 7);
  bench::ws::append_frame(wire, bench::ws::op_ping, "second", false);
  bench::ws::frame f;
  std::size_t used = 0;
  bench::ws::parse_frame(wire.data(), wire.size(), 1024, f, used);
  check(f.payload == "first", "the first of two frames");
  const std::size_t off = used;
  bench::ws::parse_frame(wire.data() + off, wire.size() - off, 1024, f, used);
  check(f.payload == "second" && f.opcode == bench::ws::op_ping && off + used == wire.size(),
        "the second of two frames");
}

void oversized_frames_are_refused() {
  std::string wire;
  bench::ws::append_frame(wire, bench::ws::op_text, std::string(2000, 'x'), false);
  bench::ws::frame f;
  std::size_t used = 0;
  check(bench::ws::parse_frame(wire.data(), wire.size(), 1000, f, used) == bench::ws::parse_status::too_large,
        "a frame over the limit is too large");
}

void percentiles_of_a_uniform_spread_are_within_two_percent() {
  bench::latency_histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v);
  auto near = [](std::uint64_t got, double want) { return got >= want * 0.98 && got <= want * 1.02; };
  check(near(h.quantile(0.5), 50000), "p50 of 1..100000");
  check(near(h.quantile(0.99), 99000), "p99 of 1..100000");
  check(near(h.quantile(0.999), 99900), "p99.9 of 1..100000");
  check(h.count() == 100000 && h.max() == 100000, "count and max");
  bench::latency_histogram small;
  for (int i = 0; i < 10; ++i) small.record(7);
  check(small.quantile(0.5) == 7 && small.quantile(0.999) == 7, "small values are exact");
}

void chat_text_carries_sender_and_time() {
  std::string out;
  bench::text::conference_chat(out, 4321, 987654321, 48);
  const auto text = bench::text::string_field(out, R"("message")");
  check(text.size() == 48, "chat text is padded to the payload size");
  const auto s = bench::text::parse_chat_text(text);
  check(s.ok && s.sender == 4321 && s.us == 987654321, "sender and send time come back");
  check(bench::text::conference_event(out) == "chat-message", "the event name is found");
  check(!bench::text::parse_chat_text("hello").ok, "foreign text is not a stamp");
}

void socketio_packets_are_split_into_their_parts() {
  const auto ack = bench::text::parse_sio(R"(43/chat,17[{"event":"messageSent","success":true}])");
  check(ack.eio == '4' && ack.sio == '3' && ack.nsp == "/chat" && ack.id == 17 && ack.json[0] == '[',
        "an acknowledgement with namespace and id");
  const auto ev = bench::text::parse_sio(R"(42/chat,["receiveMessage",{"content":"m1t2x"}])");
  check(ev.sio == '2' && ev.id == -1 && bench::text::sio_event_name(ev.json) == "receiveMessage",
        "an event and its name");
  const auto connected = bench::text::parse_sio(R"(40/chat,{"sid":"abc"})");
  check(connected.sio == '0' && connected.nsp == "/chat", "a namespace connect");
  check(bench::text::parse_sio("2").eio == '2', "an Engine.IO ping");
  std::string send;
  bench::text::sio_send(send, "/chat", 5, "r1", 9, 1000, 30);
  const auto back = bench::text::parse_sio(send);
  check(back.id == 5 && bench::text::sio_event_name(back.json) == "sendMessage" &&
            bench::text::parse_chat_text(bench::text::string_field(back.json, R"("content")")).sender == 9,
        "sendMessage as written parses back");
}

void sha256_and_hmac_match_published_vectors() {
  check(hex(bench::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "SHA-256 of abc");
  check(hex(bench::sha256(std::string(1000, 'a'))) ==
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3",
        "SHA-256 over several blocks");
  // RFC 4231 test case 2.
  check(hex(bench::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "HMAC-SHA-256, RFC 4231 case 2");
  const auto jwt = bench::make_jwt("s", "u1", "u1");
  check(jwt.rfind("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 0) == 0 && jwt.find('=') == std::string::npos,
        "a JWT with an HS256 header in base64url");
}

} // namespace

int main() {
  frames_round_trip_at_every_length_class();
  two_frames_in_one_read_both_parse();
  oversized_frames_are_refused();
  percentiles_of_a_uniform_spread_are_within_two_percent();
  chat_text_carries_sender_and_time();
  socketio_packets_are_split_into_their_parts();
  sha256_and_hmac_match_published_vectors();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
