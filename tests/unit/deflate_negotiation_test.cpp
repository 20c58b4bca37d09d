#define CAF_SUITE deflate_negotiation

#include <caf/test/unit_test.hpp>

#include "gateway/deflate_negotiation.hpp"

#include <string>

using namespace roomcast;

namespace {

/// The answer to `header` under the default policy, or "declined".
std::string answer(std::string_view header, deflate_policy policy = {}) {
  auto a = negotiate_deflate(header, policy);
  return a ? a->response : std::string{"declined"};
}

const std::string plain = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

} // namespace

CAF_TEST(the offers of browsers and the ws client are accepted) {
  // Chrome and Firefox, and npm ws (perMessageDeflate: true).
  CAF_CHECK_EQUAL(answer("permessage-deflate; client_max_window_bits"), plain);
  CAF_CHECK_EQUAL(answer("permessage-deflate"), plain);
  auto a = negotiate_deflate("permessage-deflate; client_max_window_bits", {});
  CAF_REQUIRE(a);
  CAF_CHECK_EQUAL(a->server_window_bits, 15);
  CAF_CHECK_EQUAL(a->client_window_bits, 15);
  CAF_CHECK(a->client_no_context_takeover);
}

CAF_TEST(other extensions are declined and the first acceptable offer wins) {
  CAF_CHECK_EQUAL(answer("x-webkit-deflate-frame"), "declined");
  CAF_CHECK_EQUAL(answer("foo, permessage-deflate; client_max_window_bits=10, permessage-deflate"),
                  plain + "; client_max_window_bits=10");
  // An offer with an unknown parameter is declined; the fallback is taken.
  CAF_CHECK_EQUAL(answer("permessage-deflate; mystery=1, permessage-deflate"), plain);
  CAF_CHECK_EQUAL(answer("PerMessage-Deflate; Server_No_Context_Takeover"), plain);
}

CAF_TEST(parameters with and without values and quoted values are understood) {
  CAF_CHECK_EQUAL(answer("permessage-deflate; client_max_window_bits=\"12\""), plain + "; client_max_window_bits=12");
  CAF_CHECK_EQUAL(answer("permessage-deflate;client_max_window_bits = 9 ; server_no_context_takeover"),
                  plain + "; client_max_window_bits=9");
  CAF_CHECK_EQUAL(answer("permessage-deflate; server_max_window_bits=10"), plain + "; server_max_window_bits=10");
  auto a = negotiate_deflate("permessage-deflate; server_max_window_bits=10", {});
  CAF_REQUIRE(a);
  CAF_CHECK_EQUAL(a->server_window_bits, 10);
  CAF_CHECK_EQUAL(answer("permessage-deflate; client_no_context_takeover"), plain);
}

CAF_TEST(invalid parameters decline the offer) {
  for (auto bad : {"permessage-deflate; server_max_window_bits", "permessage-deflate; server_max_window_bits=7",
                   "permessage-deflate; server_max_window_bits=16", "permessage-deflate; client_max_window_bits=08",
                   "permessage-deflate; client_max_window_bits=abc", "permessage-deflate; client_max_window_bits=",
                   "permessage-deflate; server_no_context_takeover=1",
                   "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                   "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
                   "permessage-deflate; client_max_window_bits=\"10", "permessage-deflate; =10",
                   "permessage-deflate garbage", "permessage-deflate; ;", ";permessage-deflate"})
    CAF_CHECK_EQUAL(answer(bad), "declined");
}

CAF_TEST(the policy bounds the client window and context) {
  deflate_policy small{10, false};
  CAF_CHECK_EQUAL(answer("permessage-deflate; client_max_window_bits", small), plain + "; client_max_window_bits=10");
  CAF_CHECK_EQUAL(answer("permessage-deflate; client_max_window_bits=9", small), plain + "; client_max_window_bits=9");
  // A client that did not offer client_max_window_bits may use 15: declined.
  CAF_CHECK_EQUAL(answer("permessage-deflate", small), "declined");
  deflate_policy takeover{15, true};
  auto a = negotiate_deflate("permessage-deflate; client_max_window_bits", takeover);
  CAF_REQUIRE(a);
  CAF_CHECK(!a->client_no_context_takeover);
  CAF_CHECK_EQUAL(a->response, "permessage-deflate; server_no_context_takeover");
  auto b = negotiate_deflate("permessage-deflate; client_no_context_takeover", takeover);
  CAF_REQUIRE(b);
  CAF_CHECK(b->client_no_context_takeover);
}

CAF_TEST(hostile headers are declined without trouble) {
  CAF_CHECK_EQUAL(answer(""), "declined");
  CAF_CHECK_EQUAL(answer(",,,, ,"), "declined");
  CAF_CHECK_EQUAL(answer("\"\"\"\"\""), "declined");
  CAF_CHECK_EQUAL(answer("permessage-deflate; a=\"\\"), "declined");
  CAF_CHECK_EQUAL(answer(std::string(8000, ';')), "declined");
  CAF_CHECK_EQUAL(answer("permessage-deflate; x=\"" + std::string(8000, 'a')), "declined");
  std::string many;
  for (int i = 0; i < 1000; ++i)
    many += "permessage-deflate; client_max_window_bits=7, ";
  many += "permessage-deflate";
  CAF_CHECK_EQUAL(answer(many), plain);
  // A quoted comma does not split an offer.
  CAF_CHECK_EQUAL(answer("foo; a=\"x, permessage-deflate\""), "declined");
  // Every byte value, in every position of a short header.
  std::string bytes;
  for (int c = 0; c < 256; ++c)
    bytes.push_back(static_cast<char>(c));
  for (std::size_t i = 0; i + 20 <= bytes.size(); ++i)
    (void) negotiate_deflate("permessage-deflate; " + bytes.substr(i, 20), {});
}
