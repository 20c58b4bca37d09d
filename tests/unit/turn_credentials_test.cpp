#define CAF_SUITE turn_credentials

#include "auth/turn_credentials.hpp"

#include <caf/test/unit_test.hpp>

using namespace roomcast;

// Known answers computed independently (Python: base64(hmac.new(key, msg, sha1).digest())).

CAF_TEST(hmac sha1 base64 matches the RFC 2104 reference value) {
  CAF_CHECK_EQUAL(hmac_sha1_base64("key", "The quick brown fox jumps over the lazy dog"),
                  "3nybhbi3iqa8ino29wqQcBydtNk=");
}

CAF_TEST(turn rest credentials follow the coturn scheme) {
  auto c = make_turn_credential("coturn-secret", "alice", 86400, 1700000000);
  CAF_CHECK_EQUAL(c.username, "1700086400:alice");
  CAF_CHECK_EQUAL(c.credential, "NT1hplEEmvyWisLSzFQnFBascQA=");
}

CAF_TEST(another secret or peer gives another credential) {
  auto a = make_turn_credential("s1", "alice", 60, 1000);
  auto b = make_turn_credential("s2", "alice", 60, 1000);
  auto c = make_turn_credential("s1", "bob", 60, 1000);
  CAF_CHECK_NOT_EQUAL(a.credential, b.credential);
  CAF_CHECK_NOT_EQUAL(a.credential, c.credential);
  CAF_CHECK_EQUAL(a.username, "1060:alice");
}
