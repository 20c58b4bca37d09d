#define CAF_SUITE settings_diff

#include "config/settings_diff.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>

using namespace roomcast;

namespace {

const setting_change* find(const std::vector<setting_change>& changes, const std::string& key) {
  auto i = std::find_if(changes.begin(), changes.end(), [&](auto& c) { return c.key == key; });
  return i == changes.end() ? nullptr : &*i;
}

} // namespace

CAF_TEST(equal settings have no changes) {
  CAF_CHECK(diff_settings(settings{}, settings{}).empty());
}

CAF_TEST(a changed limit is listed with old and new value and as live) {
  settings before, after;
  after.max_connections_per_ip = 2;
  after.rate_limit_per_second = 0.5;
  auto changes = diff_settings(before, after);
  CAF_REQUIRE_EQUAL(changes.size(), 2u);
  auto* per_ip = find(changes, "server.max_connections_per_ip");
  CAF_REQUIRE(per_ip != nullptr);
  CAF_CHECK_EQUAL(per_ip->before, "1000");
  CAF_CHECK_EQUAL(per_ip->after, "2");
  CAF_CHECK(per_ip->live);
  auto* rate = find(changes, "server.rate_limit_per_second");
  CAF_REQUIRE(rate != nullptr);
  CAF_CHECK_EQUAL(rate->after, "0.5");
}

CAF_TEST(settings that cannot change live are marked as needing a restart) {
  settings before, after;
  after.data_dir = "/var/lib/roomcast";
  after.listen_port = 9000;
  after.log_level = "debug";
  auto changes = diff_settings(before, after);
  CAF_REQUIRE_EQUAL(changes.size(), 3u);
  CAF_CHECK(!find(changes, "storage.data_dir")->live);
  CAF_CHECK_EQUAL(find(changes, "server.listen")->after, "0.0.0.0:9000");
  CAF_CHECK(find(changes, "server.log_level")->live);
}

CAF_TEST(secrets are never shown) {
  settings before, after;
  before.jwt_secret = "old-secret-value";
  after.jwt_secret = "new-secret-value";
  after.signaling_turn_secret = "turn-secret-value";
  auto changes = diff_settings(before, after);
  CAF_REQUIRE_EQUAL(changes.size(), 2u);
  for (auto& c : changes) {
    CAF_CHECK_EQUAL(c.before, "(hidden)");
    CAF_CHECK_EQUAL(c.after, "(hidden)");
  }
}

CAF_TEST(taking the live settings leaves the others as they started) {
  settings running, loaded;
  loaded.max_connections = 7;
  loaded.shop_chat_burst = 3;
  loaded.data_dir = "elsewhere";
  loaded.jwt_issuer = "https://auth.example";
  auto now = take_live(running, loaded);
  CAF_CHECK_EQUAL(now.max_connections, 7u);
  CAF_CHECK(now.shop_chat_burst == 3.0);
  CAF_CHECK_EQUAL(now.data_dir, "./data");
  CAF_CHECK_EQUAL(now.jwt_issuer, "");
  // what is left is what still needs a restart
  auto left = diff_settings(now, loaded);
  CAF_REQUIRE_EQUAL(left.size(), 2u);
  CAF_CHECK(!left[0].live && !left[1].live);
}
