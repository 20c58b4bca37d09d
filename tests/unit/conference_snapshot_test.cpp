#define CAF_SUITE conference_snapshot

#include <caf/test/unit_test.hpp>

#include "actors/conference_snapshot.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <string>

using namespace roomcast;

namespace {

conference_snapshot full_snapshot() {
  conference_snapshot s;
  s.host_id = "host_1";
  s.co_hosts = {"co_a", "co_b"};
  s.locked = true;
  s.chat_enabled = false;
  s.raised_hands = {"p1", "p2", "p3"};
  s.banned = {"troll"};
  s.last_seq = 4242;
  return s;
}

void check_same(const conference_snapshot& a, const conference_snapshot& b) {
  CAF_CHECK_EQUAL(a.host_id, b.host_id);
  CAF_CHECK(a.co_hosts == b.co_hosts);
  CAF_CHECK_EQUAL(a.locked, b.locked);
  CAF_CHECK_EQUAL(a.chat_enabled, b.chat_enabled);
  CAF_CHECK(a.raised_hands == b.raised_hands);
  CAF_CHECK(a.banned == b.banned);
  CAF_CHECK_EQUAL(a.last_seq, b.last_seq);
  CAF_CHECK(a == b);
}

} // namespace

CAF_TEST(a snapshot with every field survives encode and decode) {
  auto s = full_snapshot();
  auto text = encode_snapshot(s);
  auto back = decode_snapshot(conference_snapshot::current_version, text);
  CAF_CHECK(back.has_value());
  if (back)
    check_same(*back, s);
}

CAF_TEST(the default snapshot survives encode and decode) {
  conference_snapshot s;
  auto back = decode_snapshot(conference_snapshot::current_version, encode_snapshot(s));
  CAF_CHECK(back.has_value());
  if (back)
    check_same(*back, s);
  CAF_CHECK_EQUAL(back->chat_enabled, true);
  CAF_CHECK_EQUAL(back->locked, false);
}

CAF_TEST(ids with JSON metacharacters and large sequence numbers round trip) {
  conference_snapshot s;
  s.host_id = "quote\"back\\slash\nnew";
  s.banned = {"\xC3\xA9t\xC3\xA9", ""};
  s.last_seq = std::numeric_limits<std::uint64_t>::max();
  auto back = decode_snapshot(2, encode_snapshot(s));
  CAF_CHECK(back.has_value());
  if (back)
    check_same(*back, s);
}

CAF_TEST(the encoding is a JSON object with the documented names) {
  auto v = boost::json::parse(encode_snapshot(full_snapshot()));
  CAF_CHECK(v.is_object());
  if (!v.is_object())
    return;
  auto& o = v.as_object();
  for (auto key : {"hostId", "coHosts", "locked", "chatEnabled", "raisedHands", "banned", "lastSeq"})
    CAF_CHECK(o.contains(key));
  CAF_CHECK_EQUAL(o.size(), 7u);
  CAF_CHECK(o.at("hostId") == boost::json::value("host_1"));
  CAF_CHECK(o.at("lastSeq").to_number<std::uint64_t>() == 4242u);
}

CAF_TEST(current_version is 2) {
  CAF_CHECK_EQUAL(conference_snapshot::current_version, 2);
}

CAF_TEST(a version 1 document gives its fields and defaults for the rest) {
  auto s = decode_snapshot(1, R"({"host":"a","locked":true,"chatEnabled":false})");
  CAF_CHECK(s.has_value());
  if (!s)
    return;
  CAF_CHECK_EQUAL(s->host_id, "a");
  CAF_CHECK_EQUAL(s->locked, true);
  CAF_CHECK_EQUAL(s->chat_enabled, false);
  CAF_CHECK(s->co_hosts.empty());
  CAF_CHECK(s->raised_hands.empty());
  CAF_CHECK(s->banned.empty());
  CAF_CHECK_EQUAL(s->last_seq, 0u);
}

CAF_TEST(a version 1 document ignores fields version 1 did not have) {
  auto s = decode_snapshot(1, R"({"host":"a","locked":false,"chatEnabled":true,"banned":["x"],"lastSeq":9})");
  CAF_CHECK(s.has_value());
  if (!s)
    return;
  CAF_CHECK(s->banned.empty());
  CAF_CHECK_EQUAL(s->last_seq, 0u);
}

CAF_TEST(version 1 names the host host and version 2 names it hostId) {
  CAF_CHECK(!decode_snapshot(1, R"({"hostId":"a","locked":true,"chatEnabled":false})"));
  CAF_CHECK(!decode_snapshot(2, R"({"host":"a","locked":true,"chatEnabled":false})"));
}

CAF_TEST(a version 2 document without optional lists gives empty ones) {
  auto s = decode_snapshot(2, R"({"hostId":"h","locked":false,"chatEnabled":true})");
  CAF_CHECK(s.has_value());
  if (!s)
    return;
  CAF_CHECK_EQUAL(s->host_id, "h");
  CAF_CHECK(s->co_hosts.empty());
  CAF_CHECK(s->raised_hands.empty());
  CAF_CHECK(s->banned.empty());
  CAF_CHECK_EQUAL(s->last_seq, 0u);
}

CAF_TEST(unknown versions are not decoded) {
  auto text = encode_snapshot(full_snapshot());
  for (std::int32_t version : {0, 3, -1, 100})
    CAF_CHECK(!decode_snapshot(version, text));
  CAF_CHECK(!decode_snapshot(0, R"({"host":"a","locked":true,"chatEnabled":false})"));
}

CAF_TEST(garbage is not decoded) {
  for (auto text : {"", "not json", "{", "[]", "null", "42", "\"hostId\"", "{\"hostId\":\"h\",}"})
    CAF_CHECK(!decode_snapshot(2, text));
}

CAF_TEST(documents with missing or mistyped fields are not decoded) {
  std::vector<std::string> decoded; // documents that should have been refused
  for (auto text : {
         R"({"locked":false,"chatEnabled":true})",
         R"({"hostId":"h","chatEnabled":true})",
         R"({"hostId":"h","locked":false})",
         R"({"hostId":5,"locked":false,"chatEnabled":true})",
         R"({"hostId":"h","locked":"no","chatEnabled":true})",
         R"({"hostId":"h","locked":false,"chatEnabled":1})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"coHosts":"a"})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"coHosts":[1]})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"raisedHands":{}})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"banned":[null]})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"lastSeq":"7"})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"lastSeq":-1})",
         R"({"hostId":"h","locked":false,"chatEnabled":true,"lastSeq":1.5})",
       }) {
    if (decode_snapshot(2, text))
      decoded.emplace_back(text);
  }
  CAF_CHECK_EQUAL(decoded, std::vector<std::string>{});
  CAF_CHECK(!decode_snapshot(1, R"({"host":"a","locked":1,"chatEnabled":false})"));
  CAF_CHECK(!decode_snapshot(1, R"({"host":null,"locked":true,"chatEnabled":false})"));
}
