#define CAF_SUITE socketio_packet

#include <caf/test/unit_test.hpp>

#include "wire/socketio_packet.hpp"

#include <random>
#include <string>

using namespace roomcast;

namespace {

sio_packet decoded(std::string_view text) {
  auto p = decode_sio(text);
  CAF_REQUIRE(p.has_value());
  return *p;
}

bool rejected(std::string_view text) {
  return !decode_sio(text).has_value();
}

} // namespace

CAF_TEST(a connect to the main namespace has no payload) {
  auto p = decoded("0");
  CAF_CHECK(p.type == sio_type::connect);
  CAF_CHECK_EQUAL(p.nsp, "/");
  CAF_CHECK_EQUAL(p.data, "");
}

CAF_TEST(a connect to a namespace carries its auth object) {
  auto p = decoded(R"(0/chat,{"token":"abc"})");
  CAF_CHECK(p.type == sio_type::connect);
  CAF_CHECK_EQUAL(p.nsp, "/chat");
  CAF_CHECK_EQUAL(p.data, R"({"token":"abc"})");
  CAF_CHECK_EQUAL(decoded("0/custom").nsp, "/custom"); // no trailing comma
}

CAF_TEST(events carry namespace ack id and arguments) {
  auto p = decoded(R"(2/chat,12["sendMessage",{"content":"hi"}])");
  CAF_CHECK(p.type == sio_type::event);
  CAF_CHECK_EQUAL(p.nsp, "/chat");
  CAF_REQUIRE(p.id.has_value());
  CAF_CHECK_EQUAL(*p.id, 12u);
  CAF_CHECK_EQUAL(p.data, R"(["sendMessage",{"content":"hi"}])");
  auto main = decoded(R"(2["message",1,"2",{"3":[true]}])");
  CAF_CHECK_EQUAL(main.nsp, "/");
  CAF_CHECK(!main.id.has_value());
}

CAF_TEST(acks need an id and an array) {
  auto p = decoded(R"(3/chat,7[{"success":true}])");
  CAF_CHECK(p.type == sio_type::ack);
  CAF_CHECK_EQUAL(*p.id, 7u);
  CAF_CHECK(rejected(R"(3["no id"])"));
  CAF_CHECK(rejected(R"(37{"not":"an array"})"));
}

CAF_TEST(binary packets announce their attachments) {
  auto p = decoded(R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  CAF_CHECK(p.type == sio_type::binary_event);
  CAF_CHECK_EQUAL(p.attachments, 2u);
  auto a = decoded(R"(61-/chat,789[{"_placeholder":true,"num":0}])");
  CAF_CHECK(a.type == sio_type::binary_ack);
  CAF_CHECK_EQUAL(a.nsp, "/chat");
  CAF_CHECK_EQUAL(*a.id, 789u);
  CAF_CHECK(rejected(R"(5["message"])"));   // no count
  CAF_CHECK(rejected(R"(50-["message"])")); // zero attachments
}

CAF_TEST(invalid packets are rejected the way socket.io-parser rejects them) {
  CAF_CHECK(rejected(""));
  CAF_CHECK(rejected("abc"));                                     // unknown type
  CAF_CHECK(rejected("7"));                                       // unknown type
  CAF_CHECK(rejected("2{}"));                                     // an event must be an array
  CAF_CHECK(rejected("2[]"));                                     // with a name
  CAF_CHECK(rejected("2[{}]"));                                   // that is a string
  CAF_CHECK(rejected(R"(2abc["message-with-ack",1])"));         // a bad ack id
  CAF_CHECK(rejected(R"(2["unterminated")"));
  CAF_CHECK(rejected("1/chat,{}"));                               // disconnect has no payload
  CAF_CHECK(rejected(R"(0["not an object"])"));
  CAF_CHECK(rejected(R"(21234567890123456789["x"])"));            // ack id overflow
  CAF_CHECK(rejected("0/" + std::string(200, 'n') + ","));      // namespace too long
}

CAF_TEST(encoding writes the reference text form) {
  CAF_CHECK_EQUAL(encode_sio(sio_type::connect, "/", {}, R"({"sid":"x"})"), R"(0{"sid":"x"})");
  CAF_CHECK_EQUAL(encode_sio(sio_type::connect, "/custom", {}, R"({"sid":"x"})"), R"(0/custom,{"sid":"x"})");
  CAF_CHECK_EQUAL(encode_sio(sio_type::ack, "/", 456, R"([1,"2"])"), R"(3456[1,"2"])");
  CAF_CHECK_EQUAL(encode_sio(sio_type::binary_ack, "/", 789, "[]", 2), "62-789[]");
  CAF_CHECK_EQUAL(encode_sio(sio_type::connect_error, "/random", {}, R"({"message":"Invalid namespace"})"),
                  R"(4/random,{"message":"Invalid namespace"})");
  auto f = sio_frame(sio_type::event, "/chat", 3, R"(["x"])");
  CAF_CHECK_EQUAL(f->payload(), R"(42/chat,3["x"])");
  std::string out;
  begin_sio_event(out, "/chat", "receiveMessage");
  CAF_CHECK_EQUAL(out, R"(42/chat,["receiveMessage")");
}

CAF_TEST(encoded packets decode to what was encoded) {
  for (auto nsp : {"/", "/chat"}) {
    auto text = encode_sio(sio_type::event, nsp, 42, R"(["e",{"a":[1,2]}])");
    auto p = decoded(text);
    CAF_CHECK_EQUAL(p.nsp, nsp);
    CAF_CHECK_EQUAL(*p.id, 42u);
    CAF_CHECK_EQUAL(p.data, R"(["e",{"a":[1,2]}])");
  }
}

CAF_TEST(random and mutated packets never crash the decoder) {
  std::mt19937 rng{7};
  const std::string seeds[] = {R"(2/chat,12["sendMessage",{"content":"hi"}])", R"(52-["m",{"_placeholder":true}])",
                               R"(0/chat,{"token":"t"})", "41/chat,"};
  std::size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    auto s = seeds[i % 4];
    for (int k = 0; k < 1 + i % 4; ++k)
      s[rng() % s.size()] = static_cast<char>(rng() % 256);
    accepted += decode_sio(s).has_value();
  }
  CAF_CHECK_LESS(accepted, 20000u);
}
