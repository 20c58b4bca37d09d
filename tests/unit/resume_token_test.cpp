#define CAF_SUITE resume_token

#include <caf/test/unit_test.hpp>

#include "actors/resume_token.hpp"

#include <string>

using namespace roomcast;

CAF_TEST(the same inputs give the same token) {
  auto a = make_resume_token("s3cret", "room-1", "peer_a");
  CAF_CHECK_EQUAL(a, make_resume_token("s3cret", "room-1", "peer_a"));
  CAF_CHECK_EQUAL(a.size(), 32u);
  CAF_CHECK_EQUAL(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

CAF_TEST(the token is the truncated HMAC-SHA256 of room newline peer) {
  // printf 'room-1\npeer_a' | openssl dgst -sha256 -hmac s3cret
  CAF_CHECK_EQUAL(make_resume_token("s3cret", "room-1", "peer_a"), "191165233568dc2d912d5741511f2b47");
}

CAF_TEST(tokens differ per room peer and secret) {
  auto base = make_resume_token("s3cret", "room-1", "peer_a");
  CAF_CHECK_NOT_EQUAL(base, make_resume_token("s3cret", "room-2", "peer_a"));
  CAF_CHECK_NOT_EQUAL(base, make_resume_token("s3cret", "room-1", "peer_b"));
  CAF_CHECK_NOT_EQUAL(base, make_resume_token("other", "room-1", "peer_a"));
  CAF_CHECK_NOT_EQUAL(base, make_resume_token("s3cret", "peer_a", "room-1"));
  // Moving characters between room and peer changes the token.
  CAF_CHECK_NOT_EQUAL(make_resume_token("s", "ab", "c"), make_resume_token("s", "a", "bc"));
}

CAF_TEST(an empty secret still yields a full token) {
  auto t = make_resume_token("", "room", "peer");
  CAF_CHECK_EQUAL(t.size(), 32u);
  CAF_CHECK_NOT_EQUAL(t, make_resume_token("x", "room", "peer"));
  CAF_CHECK(check_resume_token("", "room", "peer", t));
}

CAF_TEST(check accepts the right token) {
  auto t = make_resume_token("k", "r", "p");
  CAF_CHECK(check_resume_token("k", "r", "p", t));
}

CAF_TEST(check rejects wrong tokens) {
  auto t = make_resume_token("k", "r", "p");
  auto flipped = t;
  flipped[31] = flipped[31] == '0' ? '1' : '0';
  CAF_CHECK(!check_resume_token("k", "r", "p", flipped));
  auto first = t;
  first[0] = first[0] == 'a' ? 'b' : 'a';
  CAF_CHECK(!check_resume_token("k", "r", "p", first));
  CAF_CHECK(!check_resume_token("k", "r", "other", t));
  CAF_CHECK(!check_resume_token("k", "other", "p", t));
  CAF_CHECK(!check_resume_token("other", "r", "p", t));
  CAF_CHECK(!check_resume_token("k", "r", "p", make_resume_token("k", "r", "q")));
}

CAF_TEST(check rejects short and long tokens) {
  auto t = make_resume_token("k", "r", "p");
  CAF_CHECK(!check_resume_token("k", "r", "p", ""));
  CAF_CHECK(!check_resume_token("k", "r", "p", t.substr(0, 31)));
  CAF_CHECK(!check_resume_token("k", "r", "p", t.substr(0, 16)));
  CAF_CHECK(!check_resume_token("k", "r", "p", t + "0"));
  CAF_CHECK(!check_resume_token("k", "r", "p", t + t));
}
