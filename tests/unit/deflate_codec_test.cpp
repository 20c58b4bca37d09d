#define CAF_SUITE deflate_codec

#include <caf/test/unit_test.hpp>

#include "gateway/deflate_codec.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace roomcast;

namespace {

std::string chat_json(int i) {
  return R"({"event":"chat-message","data":{"id":"m-)" + std::to_string(i)
         + R"(","peerId":"peer-42","username":"alice","message":"The quarterly numbers are in and the )"
           R"(team did a great job, see the shared folder for the details and the charts","timestamp":)"
           R"("2026-12-03T15:30:00.000Z","replyTo":null,"reactions":[]}})";
}

std::string inflate_all(std::string_view compressed) {
  message_inflater in;
  std::string out;
  CAF_REQUIRE(in.inflate(compressed, 1 << 20, out, true) == inflate_status::ok);
  return out;
}

} // namespace

CAF_TEST(a compressed frame carries RSV1 and inflates to the original) {
  auto plain = make_text_frame(chat_json(1));
  auto z = deflate_frame(*plain, 6, 8);
  CAF_REQUIRE(z != nullptr);
  CAF_CHECK(z->compressed());
  CAF_CHECK(!plain->compressed());
  CAF_CHECK_EQUAL(static_cast<int>(z->opcode()), static_cast<int>(ws_opcode::text));
  CAF_CHECK_EQUAL(static_cast<unsigned char>(z->bytes()[0]), 0xC1u); // FIN + RSV1 + text
  CAF_CHECK_LESS(z->size(), plain->size());
  CAF_CHECK_EQUAL(inflate_all(z->payload()), chat_json(1));
}

CAF_TEST(incompressible payloads are not compressed) {
  std::string noise;
  std::uint32_t x = 7;
  for (int i = 0; i < 400; ++i) {
    x = x * 1664525u + 1013904223u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  CAF_CHECK(deflate_frame(*make_binary_frame(noise), 6, 8) == nullptr);
  CAF_CHECK(deflate_frame(*make_text_frame(""), 6, 8) == nullptr);
}

CAF_TEST(every message is compressed on its own) {
  // server_no_context_takeover: a fresh inflater reads each frame alone.
  for (int i = 0; i < 3; ++i) {
    auto z = deflate_frame(*make_text_frame(chat_json(i)), 6, 8);
    CAF_REQUIRE(z != nullptr);
    CAF_CHECK_EQUAL(inflate_all(z->payload()), chat_json(i));
  }
}

CAF_TEST(a frame is compressed once however many recipients ask) {
  auto plain = make_text_frame(chat_json(7));
  std::atomic<int> calls{0};
  auto compress = [&](const wire_frame& f) {
    ++calls;
    return deflate_frame(f, 6, 8);
  };
  std::vector<const wire_frame*> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i)
        seen[t] = plain->deflated(compress).get();
    });
  for (auto& t : threads)
    t.join();
  CAF_CHECK_EQUAL(calls.load(), 1);
  CAF_REQUIRE(seen[0] != nullptr);
  for (auto* p : seen)
    CAF_CHECK_EQUAL(p, seen[0]);
}

CAF_TEST(inflating stops at the limit) {
  auto z = deflate_frame(*make_text_frame(std::string(100000, 'z')), 6, 8);
  CAF_REQUIRE(z != nullptr);
  message_inflater in;
  std::string out;
  CAF_CHECK(in.inflate(z->payload(), 99999, out, true) == inflate_status::too_big);
  CAF_CHECK_LESS_OR_EQUAL(out.size(), 100000u);
  // The inflater is usable again afterwards.
  CAF_CHECK(in.inflate(z->payload(), 100000, out, true) == inflate_status::ok);
  CAF_CHECK_EQUAL(out, std::string(100000, 'z'));
}

CAF_TEST(corrupt data is reported and the inflater recovers) {
  message_inflater in;
  std::string out;
  CAF_CHECK(in.inflate(std::string("\xff\xff\xff\xff", 4), 1024, out, true) == inflate_status::corrupt);
  auto z = deflate_frame(*make_text_frame(chat_json(3)), 6, 8);
  CAF_REQUIRE(z != nullptr);
  CAF_CHECK(in.inflate(z->payload(), 1024, out, true) == inflate_status::ok);
  CAF_CHECK_EQUAL(out, chat_json(3));
}

CAF_TEST(an inflater holds no zlib state before its first message) {
  message_inflater in;
  CAF_CHECK(!in.allocated());
  std::string out;
  auto z = deflate_frame(*make_text_frame(chat_json(4)), 6, 8);
  CAF_REQUIRE(z != nullptr);
  CAF_CHECK(in.inflate(z->payload(), 1024, out, false) == inflate_status::ok);
  CAF_CHECK(in.allocated());
}
