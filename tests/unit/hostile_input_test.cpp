#define CAF_SUITE hostile_input

// Random and mutated input, as a hostile client would send it, with a fixed
// seed: the parser and the codec must answer every byte sequence with events
// or errors, never a crash, an overrun or invalid JSON.

#include <caf/test/unit_test.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <random>
#include <string>
#include <variant>

#include "dialects/conference_codec.hpp"
#include "gateway/ws_parser.hpp"

using namespace roomcast;

namespace {

std::string masked(std::string_view payload, unsigned char opcode = 0x81) {
  std::string out;
  out.push_back(static_cast<char>(opcode));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  const char mask[4] = {0x01, 0x7f, 0x33, 0x5a};
  out.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ mask[i & 3]));
  return out;
}

/// Feeds `bytes` in random chunks the way websocket_session does; checks
/// that the parser never claims more than it got and goes quiet after a
/// protocol error.
void feed_in_chunks(std::string bytes, std::mt19937& rng) {
  ws_parser parser{1024};
  std::string pending;
  bool failed = false;
  std::size_t events_after_failure = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto n = std::min<std::size_t>(bytes.size() - pos, 1 + rng() % 300);
    pending.append(bytes, pos, n);
    pos += n;
    auto used = parser.feed(pending.data(), pending.size(), [&](const ws_event& e) {
      if (failed)
        ++events_after_failure;
      if (e.kind == ws_event_kind::protocol)
        failed = true;
      if (e.kind == ws_event_kind::text)
        CAF_CHECK(e.payload.size() <= 1024);
    });
    CAF_REQUIRE(used <= pending.size());
    pending.erase(0, used);
  }
  CAF_CHECK_EQUAL(events_after_failure, 0u);
}

const std::vector<std::string> valid_messages{
  R"({"event":"join","data":{"peerId":"peer_a","username":"Ada","resumeToken":"x"}})",
  R"({"event":"offer","data":{"targetPeerId":"b","sdp":{"type":"offer","sdp":"v=0"}}})",
  R"({"event":"candidate","data":{"targetPeerId":"b","candidate":"candidate:1 1 udp"}})",
  R"({"event":"chat-message","data":{"message":"hello <b>there</b>"}})",
  R"({"event":"reaction","data":{"emoji":"👍"}})",
  R"({"event":"kicked","data":{"targetPeerId":"c"}})",
  R"({"event":"room-locked","data":{}})",
};

} // namespace

CAF_TEST(random bytes never crash the frame parser) {
  std::mt19937 rng{12345};
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(rng() % 2048, '\0');
    for (auto& c : bytes)
      c = static_cast<char>(rng());
    feed_in_chunks(std::move(bytes), rng);
  }
}

CAF_TEST(bit flipped valid frames never crash the frame parser) {
  std::mt19937 rng{777};
  std::string stream;
  for (auto& m : valid_messages)
    stream += masked(m);
  stream += masked("ping", 0x89) + masked(std::string(600, 'x')) + masked(std::string(2000, 'y'));
  for (int round = 0; round < 2000; ++round) {
    auto bytes = stream;
    for (int flips = 1 + rng() % 4; flips > 0; --flips)
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    feed_in_chunks(std::move(bytes), rng);
  }
}

CAF_TEST(mutated messages decode to a command or to an error that renders as valid JSON) {
  std::mt19937 rng{4242};
  const std::string junk = "{}[]\":,\\ \x01\x7f\xc3\xa9\xff\xf0\x9f" "0123456789truefalsenull";
  std::size_t commands = 0, errors = 0;
  for (int round = 0; round < 20000; ++round) {
    auto text = valid_messages[rng() % valid_messages.size()];
    for (int edits = 1 + rng() % 3; edits > 0; --edits) {
      auto at = rng() % (text.size() + 1);
      switch (rng() % 3) {
        case 0: text.insert(at, 1, junk[rng() % junk.size()]); break;
        case 1: if (at < text.size()) text.erase(at, 1); break;
        default: if (at < text.size()) text[at] = junk[rng() % junk.size()];
      }
    }
    auto result = decode_conference(text, {});
    if (auto* err = std::get_if<decode_error>(&result)) {
      ++errors;
      auto frame = render_error(err->code, err->message, err->event);
      boost::system::error_code ec;
      auto doc = boost::json::parse(frame->payload(), ec);
      CAF_REQUIRE(!ec);
      CAF_CHECK(doc.at("data").at("code").is_string());
    } else {
      ++commands;
      auto& cmd = std::get<conference_command>(result);
      // Whatever was accepted renders back into valid JSON too.
      auto body = render_chat_body("m", cmd.username, cmd.text.size() < 4000 ? cmd.text : "", 1, "p", false);
      boost::system::error_code ec;
      boost::json::parse(body, ec);
      CAF_REQUIRE(!ec);
    }
  }
  CAF_CHECK(commands > 0u);
  CAF_CHECK(errors > 0u);
}
