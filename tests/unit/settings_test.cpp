#define CAF_SUITE settings

#include <caf/test/unit_test.hpp>

#include "config/settings.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

using namespace roomcast;

namespace {

/// The repository root, found from this file's own path.
std::string source_root() {
  namespace fs = std::filesystem;
  std::string self = __FILE__;
  const std::string tail = "tests/unit/settings_test.cpp";
  bool found = self.size() >= tail.size() && self.compare(self.size() - tail.size(), tail.size(), tail) == 0;
  CAF_CHECK(found);
  if (!found)
    return {};
  // A relative __FILE__ (ccache's base_dir makes paths relative to the build
  // directory) is relative to where the compiler ran, an ancestor of where
  // the test runs (ctest: build/tests/unit).
  if (fs::path rel{self}; rel.is_relative())
    for (auto dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / rel)) {
        self = (dir / rel).string();
        break;
      }
      if (dir == dir.parent_path())
        break;
    }
  return self.substr(0, self.size() - tail.size());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  CAF_CHECK(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Checks every field of two settings, naming the field that differs.
void check_same(const settings& a, const settings& b) {
  CAF_CHECK_EQUAL(a.listen_host, b.listen_host);
  CAF_CHECK_EQUAL(a.listen_port, b.listen_port);
  CAF_CHECK_EQUAL(a.io_threads, b.io_threads);
  CAF_CHECK_EQUAL(a.actor_threads, b.actor_threads);
  CAF_CHECK_EQUAL(a.max_frame_bytes, b.max_frame_bytes);
  CAF_CHECK_EQUAL(a.send_queue_bytes, b.send_queue_bytes);
  CAF_CHECK_EQUAL(a.max_inflight_commands, b.max_inflight_commands);
  CAF_CHECK_EQUAL(a.heartbeat_interval.count(), b.heartbeat_interval.count());
  CAF_CHECK_EQUAL(a.heartbeat_timeout.count(), b.heartbeat_timeout.count());
  CAF_CHECK(a.rate_limit_per_second == b.rate_limit_per_second);
  CAF_CHECK(a.rate_limit_burst == b.rate_limit_burst);
  CAF_CHECK_EQUAL(a.env, b.env);
  CAF_CHECK_EQUAL(a.data_dir, b.data_dir);
  CAF_CHECK_EQUAL(a.synchronous_full, b.synchronous_full);
  CAF_CHECK_EQUAL(a.snapshot_debounce.count(), b.snapshot_debounce.count());
  CAF_CHECK_EQUAL(a.room_idle.count(), b.room_idle.count());
  CAF_CHECK_EQUAL(a.room_retention.count(), b.room_retention.count());
  CAF_CHECK_EQUAL(a.jwt_secret, b.jwt_secret);
  CAF_CHECK_EQUAL(a.require_token, b.require_token);
  CAF_CHECK_EQUAL(a.room_capacity, b.room_capacity);
  CAF_CHECK_EQUAL(a.chat_history, b.chat_history);
  CAF_CHECK_EQUAL(a.max_message_chars, b.max_message_chars);
  CAF_CHECK_EQUAL(a.max_username_chars, b.max_username_chars);
  CAF_CHECK_EQUAL(a.request_timeout.count(), b.request_timeout.count());
  CAF_CHECK_EQUAL(a.max_connections, b.max_connections);
  CAF_CHECK_EQUAL(a.max_connections_per_ip, b.max_connections_per_ip);
  CAF_CHECK_EQUAL(a.max_pending_http, b.max_pending_http);
  CAF_CHECK_EQUAL(a.max_rooms_per_connection, b.max_rooms_per_connection);
  CAF_CHECK_EQUAL(a.conference_escape_html, b.conference_escape_html);
  CAF_CHECK_EQUAL(a.signaling_auto_create_rooms, b.signaling_auto_create_rooms);
  CAF_CHECK_EQUAL(a.signaling_default_max_participants, b.signaling_default_max_participants);
  CAF_CHECK_EQUAL(a.signaling_max_participants_cap, b.signaling_max_participants_cap);
  CAF_CHECK_EQUAL(a.signaling_sfu_threshold, b.signaling_sfu_threshold);
  CAF_CHECK_EQUAL(a.signaling_join_link_base, b.signaling_join_link_base);
  CAF_CHECK_EQUAL(a.signaling_stun_urls, b.signaling_stun_urls);
  CAF_CHECK_EQUAL(a.signaling_turn_url, b.signaling_turn_url);
  CAF_CHECK_EQUAL(a.signaling_turn_username, b.signaling_turn_username);
  CAF_CHECK_EQUAL(a.signaling_turn_credential, b.signaling_turn_credential);
  CAF_CHECK_EQUAL(a.signaling_turn_secret, b.signaling_turn_secret);
  CAF_CHECK_EQUAL(a.signaling_turn_ttl.count(), b.signaling_turn_ttl.count());
  CAF_CHECK_EQUAL(a.signaling_require_auth, b.signaling_require_auth);
  CAF_CHECK_EQUAL(a.signaling_escape_html, b.signaling_escape_html);
  CAF_CHECK_EQUAL(a.signaling_room_retention.count(), b.signaling_room_retention.count());
  CAF_CHECK_EQUAL(a.chat_namespace, b.chat_namespace);
  CAF_CHECK_EQUAL(a.chat_enable_metrics, b.chat_enable_metrics);
  CAF_CHECK_EQUAL(a.chat_enable_heartbeat, b.chat_enable_heartbeat);
  CAF_CHECK_EQUAL(a.chat_heartbeat_interval.count(), b.chat_heartbeat_interval.count());
  CAF_CHECK_EQUAL(a.chat_allow_anonymous, b.chat_allow_anonymous);
  CAF_CHECK_EQUAL(a.chat_max_content_chars, b.chat_max_content_chars);
  CAF_CHECK_EQUAL(a.chat_room_history, b.chat_room_history);
  CAF_CHECK_EQUAL(a.chat_typing_timeout.count(), b.chat_typing_timeout.count());
  CAF_CHECK_EQUAL(a.chat_presence_grace.count(), b.chat_presence_grace.count());
  CAF_CHECK_EQUAL(a.chat_broadcast_presence, b.chat_broadcast_presence);
  CAF_CHECK_EQUAL(a.chat_retention.count(), b.chat_retention.count());
  CAF_CHECK_EQUAL(a.chat_rate_window.count(), b.chat_rate_window.count());
  CAF_CHECK_EQUAL(a.chat_rate_messages_production, b.chat_rate_messages_production);
  CAF_CHECK_EQUAL(a.chat_rate_messages_development, b.chat_rate_messages_development);
  CAF_CHECK_EQUAL(a.chat_rate_joins_production, b.chat_rate_joins_production);
  CAF_CHECK_EQUAL(a.chat_rate_joins_development, b.chat_rate_joins_development);
  CAF_CHECK_EQUAL(a.chat_rate_typing_production, b.chat_rate_typing_production);
  CAF_CHECK_EQUAL(a.chat_rate_typing_development, b.chat_rate_typing_development);
  // Every field, including those added after this list was written.
  CAF_CHECK(a == b);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// apply_toml over the defaults; the error text (empty: success).
std::string toml_error(const std::string& doc) {
  settings s;
  return apply_toml(s, doc, "test.toml");
}

/// apply_environment over the defaults with a fake envp.
std::pair<settings, std::string> from_env(std::vector<std::string> vars) {
  std::vector<char*> envp;
  for (auto& v : vars)
    envp.push_back(v.data());
  envp.push_back(nullptr);
  settings s;
  auto err = apply_environment(s, envp.data());
  return {s, err};
}

/// Hides every variable load_settings would read while a test runs, and
/// restores the process environment afterwards.
class clean_environment {
public:
  clean_environment() {
    std::vector<std::string> names;
    for (auto e = environ; e && *e; ++e) {
      std::string entry{*e};
      auto name = entry.substr(0, entry.find('='));
      if (name.rfind("ROOMCAST_", 0) == 0 || name == "JWT_SECRET" || name == "NODE_ENV"
          || name == "WS_HEARTBEAT_INTERVAL" || name == "STUN_URLS" || name.rfind("TURN_", 0) == 0
          || name == "WS_NAMESPACE" || name == "WS_ENABLE_METRICS" || name == "WS_ENABLE_HEARTBEAT"
          || name == "CLIENT_URL" || name == "FRONTEND_URL") {
        names.push_back(name);
        saved_.emplace_back(name, entry.substr(name.size() + 1));
      }
    }
    for (auto& n : names)
      unsetenv(n.c_str());
  }
  ~clean_environment() {
    for (auto& n : set_)
      unsetenv(n.c_str());
    for (auto& [n, v] : saved_)
      setenv(n.c_str(), v.c_str(), 1);
  }
  void set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }

private:
  std::vector<std::pair<std::string, std::string>> saved_;
  std::vector<std::string> set_;
};

/// A TOML file that is removed again at the end of the test.
class temp_toml {
public:
  explicit temp_toml(const std::string& text) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path()
             / ("roomcast_settings_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter) + ".toml"))
              .string();
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }
  ~temp_toml() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

settings_result load(std::vector<std::string> args) {
  args.insert(args.begin(), "roomcast");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return load_settings(static_cast<int>(args.size()), argv.data());
}

/// load_settings that must succeed.
settings loaded(std::vector<std::string> args) {
  auto r = load(std::move(args));
  CAF_CHECK_EQUAL(r.message, "");
  CAF_CHECK_EQUAL(r.exit_code, 0);
  CAF_CHECK(r.value.has_value());
  return r.value ? *r.value : settings{};
}

/// load_settings that must fail with exit code 2; returns the message.
std::string load_error(std::vector<std::string> args) {
  auto r = load(std::move(args));
  CAF_CHECK(!r.value);
  CAF_CHECK_EQUAL(r.exit_code, 2);
  CAF_CHECK(!r.message.empty());
  return r.message;
}

} // namespace

// -- the documented default file ----------------------------------------------

CAF_TEST(the shipped roomcast.toml documents exactly the embedded defaults) {
  auto path = source_root() + "config/roomcast.toml";
  auto text = read_text(path);
  settings s;
  s.listen_port = 1; // make sure the file really sets every field we compare
  s.listen_host = "x";
  s.io_threads = 99;
  s.actor_threads = 99;
  s.max_frame_bytes = 1;
  s.send_queue_bytes = 1;
  s.max_inflight_commands = 1;
  s.heartbeat_interval = std::chrono::milliseconds{1};
  s.heartbeat_timeout = std::chrono::milliseconds{2};
  s.rate_limit_per_second = 1;
  s.rate_limit_burst = 1;
  s.env = "test";
  s.data_dir = "elsewhere";
  s.synchronous_full = false;
  s.snapshot_debounce = std::chrono::milliseconds{1};
  s.room_idle = std::chrono::seconds{1};
  s.room_retention = std::chrono::hours{1};
  s.jwt_secret = "not the default";
  s.require_token = true;
  s.room_capacity = 1;
  s.chat_history = 1;
  s.max_message_chars = 1;
  s.max_username_chars = 1;
  s.request_timeout = std::chrono::milliseconds{1};
  s.drain_timeout = std::chrono::milliseconds{1};
  s.max_connections = 1;
  s.max_connections_per_ip = 1;
  s.max_pending_http = 1;
  s.max_rooms_per_connection = 1;
  s.cors_origins = {"x"};
  s.conference_origins = {"x"};
  s.conference_escape_html = false;
  s.socketio_path = "/x/";
  s.socketio_ping_interval = std::chrono::milliseconds{1};
  s.socketio_ping_timeout = std::chrono::milliseconds{1};
  s.socketio_max_payload = 1;
  s.socketio_connect_timeout = std::chrono::milliseconds{1};
  s.socketio_conformance = true;
  s.admin_enabled = "false";
  s.metrics_enabled = false;
  s.chat_namespace = "/x";
  s.chat_enable_metrics = false;
  s.chat_enable_heartbeat = false;
  s.chat_heartbeat_interval = std::chrono::milliseconds{1};
  s.chat_allow_anonymous = true;
  s.chat_max_content_chars = 1;
  s.chat_room_history = 1;
  s.chat_typing_timeout = std::chrono::milliseconds{1};
  s.chat_presence_grace = std::chrono::milliseconds{1};
  s.chat_broadcast_presence = false;
  s.chat_retention = std::chrono::hours{1};
  s.chat_rate_window = std::chrono::milliseconds{1};
  s.chat_rate_messages_production = 1;
  s.chat_rate_messages_development = 1;
  s.chat_rate_joins_production = 1;
  s.chat_rate_joins_development = 1;
  s.chat_rate_typing_production = 1;
  s.chat_rate_typing_development = 1;
  CAF_CHECK_EQUAL(apply_toml(s, text, path), "");
  check_same(s, settings{});
}

CAF_TEST(the embedded defaults are the documented ones) {
  settings s;
  CAF_CHECK_EQUAL(s.listen_port, 8080);
  CAF_CHECK_EQUAL(s.data_dir, "./data");
  CAF_CHECK_EQUAL(s.db_path(), "./data/roomcast.db");
  CAF_CHECK_LESS(s.heartbeat_interval.count(), s.heartbeat_timeout.count());
}

CAF_TEST(admin.enabled is on by default in development and off in production unless set) {
  settings s;
  CAF_CHECK(s.admin_on());
  CAF_CHECK_EQUAL(apply_toml(s, "[server]\nenv = \"production\"\n", "p.toml"), "");
  CAF_CHECK(!s.admin_on());
  CAF_CHECK_EQUAL(apply_toml(s, "[admin]\nenabled = true\n", "p.toml"), "");
  CAF_CHECK(s.admin_on());
  CAF_CHECK_EQUAL(apply_toml(s, "[server]\nenv = \"development\"\n[admin]\nenabled = false\n", "p.toml"), "");
  CAF_CHECK(!s.admin_on());
  CAF_CHECK(apply_toml(s, "[admin]\nenabled = \"maybe\"\n", "p.toml").find("admin.enabled") != std::string::npos);
  CAF_CHECK_EQUAL(apply_toml(s, "[admin]\nlisten = \"127.0.0.1:9\"\n", "p.toml"), "");
  CAF_CHECK_EQUAL(s.admin_listen, "127.0.0.1:9");
  CAF_CHECK(apply_toml(s, "[admin]\nlisten = \"nowhere\"\n", "p.toml").find("HOST:PORT") != std::string::npos);
}

// -- apply_toml ---------------------------------------------------------------

CAF_TEST(an empty TOML document changes nothing) {
  settings s;
  CAF_CHECK_EQUAL(apply_toml(s, "", "empty.toml"), "");
  CAF_CHECK_EQUAL(apply_toml(s, "# only a comment\n[server]\n", "empty.toml"), "");
  check_same(s, settings{});
}

CAF_TEST(every key in TOML reaches its field) {
  settings s;
  auto err = apply_toml(s, R"(
[server]
listen = "127.0.0.1:9001"
io_threads = 3
actor_threads = 5
max_frame_bytes = 1024
send_queue_bytes = 2048
max_inflight_commands = 7
heartbeat_interval_ms = 1000
heartbeat_timeout_ms = 3000
rate_limit_per_second = 2.5
rate_limit_burst = 9
env = "production"
max_connections = 300
max_connections_per_ip = 30
max_pending_http = 40
max_rooms_per_connection = 3
[storage]
data_dir = "/var/lib/roomcast"
synchronous = "normal"
snapshot_debounce_ms = 50
room_idle_seconds = 60
room_retention_hours = 2
[auth]
jwt_secret = "hunter2"
require_token = true
[conference]
room_capacity = 12
chat_history = 0
max_message_chars = 500
max_username_chars = 20
[chatrooms]
namespace = "/talk"
rate_joins_development = 3
retention_hours = 0
)",
                        "all.toml");
  CAF_CHECK_EQUAL(s.chat_namespace, "/talk");
  CAF_CHECK_EQUAL(s.chat_rate_joins_development, 3u);
  CAF_CHECK_EQUAL(s.chat_retention.count(), 0);
  CAF_CHECK_EQUAL(err, "");
  CAF_CHECK_EQUAL(s.listen_host, "127.0.0.1");
  CAF_CHECK_EQUAL(s.listen_port, 9001);
  CAF_CHECK_EQUAL(s.io_threads, 3u);
  CAF_CHECK_EQUAL(s.actor_threads, 5u);
  CAF_CHECK_EQUAL(s.max_frame_bytes, 1024u);
  CAF_CHECK_EQUAL(s.send_queue_bytes, 2048u);
  CAF_CHECK_EQUAL(s.max_inflight_commands, 7u);
  CAF_CHECK_EQUAL(s.heartbeat_interval.count(), 1000);
  CAF_CHECK_EQUAL(s.heartbeat_timeout.count(), 3000);
  CAF_CHECK_EQUAL(s.rate_limit_per_second, 2.5);
  CAF_CHECK_EQUAL(s.rate_limit_burst, 9.0);
  CAF_CHECK_EQUAL(s.env, "production");
  CAF_CHECK_EQUAL(s.max_connections, 300u);
  CAF_CHECK_EQUAL(s.max_connections_per_ip, 30u);
  CAF_CHECK_EQUAL(s.max_pending_http, 40u);
  CAF_CHECK_EQUAL(s.max_rooms_per_connection, 3u);
  CAF_CHECK_EQUAL(s.data_dir, "/var/lib/roomcast");
  CAF_CHECK_EQUAL(s.db_path(), "/var/lib/roomcast/roomcast.db");
  CAF_CHECK_EQUAL(s.synchronous_full, false);
  CAF_CHECK_EQUAL(s.snapshot_debounce.count(), 50);
  CAF_CHECK_EQUAL(s.room_idle.count(), 60);
  CAF_CHECK_EQUAL(s.room_retention.count(), 2);
  CAF_CHECK_EQUAL(s.jwt_secret, "hunter2");
  CAF_CHECK_EQUAL(s.require_token, true);
  CAF_CHECK_EQUAL(s.room_capacity, 12u);
  CAF_CHECK_EQUAL(s.chat_history, 0u);
  CAF_CHECK_EQUAL(s.max_message_chars, 500u);
  CAF_CHECK_EQUAL(s.max_username_chars, 20u);
}

CAF_TEST(fractional rates in TOML keep their value) {
  settings s;
  CAF_CHECK_EQUAL(apply_toml(s, "[server]\nrate_limit_per_second = 12.345678\nrate_limit_burst = 1234567.0\n", "f.toml"),
                  "");
  // Exact comparisons: CAF_CHECK_EQUAL allows a relative error of 1e-5.
  CAF_CHECK(s.rate_limit_per_second == 12.345678);
  CAF_CHECK(s.rate_limit_burst == 1234567.0);
}

CAF_TEST(unknown TOML keys are errors naming the key and the file) {
  auto err = toml_error("[server]\nlisten_port = 80\n");
  CAF_CHECK(contains(err, "test.toml"));
  CAF_CHECK(contains(err, "server.listen_port"));
  CAF_CHECK(contains(err, "unknown"));
  auto section = toml_error("[servr]\nlisten = \"0.0.0.0:1\"\n");
  CAF_CHECK(contains(section, "servr.listen"));
  auto top = toml_error("listen = \"0.0.0.0:1\"\n");
  CAF_CHECK(contains(top, "listen"));
  CAF_CHECK(contains(top, "section"));
  auto nested = toml_error("[server.tls]\ncert = \"x\"\n");
  CAF_CHECK(contains(nested, "server.tls"));
}

CAF_TEST(wrong TOML values are errors naming the key) {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"[server]\nio_threads = \"four\"\n", "server.io_threads"},
    {"[server]\nio_threads = -1\n", "server.io_threads"},
    {"[server]\nio_threads = 1000\n", "server.io_threads"},
    {"[server]\nmax_frame_bytes = 10\n", "server.max_frame_bytes"},
    {"[server]\nheartbeat_interval_ms = 0\n", "server.heartbeat_interval_ms"},
    {"[server]\nrate_limit_per_second = 0\n", "server.rate_limit_per_second"},
    {"[server]\nrate_limit_burst = -5.0\n", "server.rate_limit_burst"},
    {"[server]\nrate_limit_burst = \"lots\"\n", "server.rate_limit_burst"},
    {"[server]\nenv = \"staging\"\n", "server.env"},
    {"[server]\nmax_connections = 0\n", "server.max_connections"},
    {"[server]\nmax_connections_per_ip = -1\n", "server.max_connections_per_ip"},
    {"[server]\nmax_pending_http = \"many\"\n", "server.max_pending_http"},
    {"[server]\nmax_rooms_per_connection = 0\n", "server.max_rooms_per_connection"},
    {"[server]\nlisten = \"localhost\"\n", "server.listen"},
    {"[server]\nlisten = \"localhost:65536\"\n", "server.listen"},
    {"[server]\nlisten = \"localhost:http\"\n", "server.listen"},
    {"[server]\nlisten = [\"0.0.0.0:1\"]\n", "server.listen"},
    {"[storage]\nsynchronous = \"fast\"\n", "storage.synchronous"},
    {"[storage]\nsynchronous = true\n", "storage.synchronous"},
    {"[storage]\nroom_idle_seconds = 0\n", "storage.room_idle_seconds"},
    {"[auth]\nrequire_token = \"yes\"\n", "auth.require_token"},
    {"[conference]\nroom_capacity = 0\n", "conference.room_capacity"},
    {"[conference]\nmax_username_chars = 5000\n", "conference.max_username_chars"},
    {"[chatrooms]\nnamespace = \"chat\"\n", "chatrooms.namespace"},
    {"[chatrooms]\nrate_window_ms = 0\n", "chatrooms.rate_window_ms"},
    {"[chatrooms]\nrate_messages_production = -1\n", "chatrooms.rate_messages_production"},
    {"[chatrooms]\nenable_heartbeat = \"yes\"\n", "chatrooms.enable_heartbeat"},
  };
  std::vector<std::string> unclear; // documents whose error did not name the key and file
  for (auto& [doc, key] : cases) {
    auto err = toml_error(doc);
    if (!contains(err, key) || !contains(err, "test.toml"))
      unclear.push_back(doc + " -> '" + err + "'");
  }
  CAF_CHECK_EQUAL(unclear, std::vector<std::string>{});
}

CAF_TEST(TOML syntax errors name the file and line) {
  auto err = toml_error("[server]\n\nio_threads = = 3\n");
  CAF_CHECK(contains(err, "test.toml:3"));
}

// -- apply_environment ---------------------------------------------------------

CAF_TEST(environment variables reach their settings) {
  auto [s, err] = from_env({"PATH=/usr/bin", "ROOMCAST_SERVER_IO_THREADS=3", "JWT_SECRET=topsecret",
                            "WS_HEARTBEAT_INTERVAL=10000", "NODE_ENV=production",
                            "ROOMCAST_STORAGE_DATA_DIR=/srv/data", "ROOMCAST_CONFERENCE_ROOM_CAPACITY=8",
                            "HOME=/root"});
  CAF_CHECK_EQUAL(err, "");
  CAF_CHECK_EQUAL(s.io_threads, 3u);
  CAF_CHECK_EQUAL(s.jwt_secret, "topsecret");
  CAF_CHECK_EQUAL(s.heartbeat_interval.count(), 10000);
  CAF_CHECK_EQUAL(s.env, "production");
  CAF_CHECK_EQUAL(s.data_dir, "/srv/data");
  CAF_CHECK_EQUAL(s.room_capacity, 8u);
  // Everything else keeps its default.
  settings expected;
  expected.io_threads = 3;
  expected.jwt_secret = "topsecret";
  expected.heartbeat_interval = std::chrono::milliseconds{10000};
  expected.chat_heartbeat_interval = std::chrono::milliseconds{10000}; // WS_HEARTBEAT_INTERVAL sets both
  expected.env = "production";
  expected.data_dir = "/srv/data";
  expected.room_capacity = 8;
  check_same(s, expected);
}

CAF_TEST(the signaling contract names reach the signaling settings) {
  auto [s, err] = from_env({"STUN_URLS=stun:a:3478, stun:b:3478", "TURN_URL=turn:t:3478", "TURN_USERNAME=u",
                            "TURN_CREDENTIAL=p", "ROOMCAST_SIGNALING_TURN_SECRET=shh",
                            "ROOMCAST_SIGNALING_AUTO_CREATE_ROOMS=false"});
  CAF_CHECK_EQUAL(err, "");
  settings expected;
  expected.signaling_stun_urls = {"stun:a:3478", "stun:b:3478"};
  expected.signaling_turn_url = "turn:t:3478";
  expected.signaling_turn_username = "u";
  expected.signaling_turn_credential = "p";
  expected.signaling_turn_secret = "shh";
  expected.signaling_auto_create_rooms = false;
  check_same(s, expected);
}

CAF_TEST(the chatrooms contract variables reach their settings) {
  auto [s, err] = from_env({"WS_NAMESPACE=/rooms", "WS_ENABLE_METRICS=false", "WS_ENABLE_HEARTBEAT=false",
                            "WS_HEARTBEAT_INTERVAL=1234", "ROOMCAST_CHATROOMS_RATE_MESSAGES_PRODUCTION=7"});
  CAF_CHECK_EQUAL(err, "");
  settings expected;
  expected.chat_namespace = "/rooms";
  expected.chat_enable_metrics = false;
  expected.chat_enable_heartbeat = false;
  expected.heartbeat_interval = std::chrono::milliseconds{1234};
  expected.chat_heartbeat_interval = std::chrono::milliseconds{1234};
  expected.chat_rate_messages_production = 7;
  check_same(s, expected);
  auto [s2, err2] = from_env({"WS_NAMESPACE=chat"});
  CAF_CHECK(contains(err2, "chatrooms.namespace"));
}

CAF_TEST(an environment without roomcast variables changes nothing) {
  auto [s, err] = from_env({"PATH=/usr/bin", "HOME=/root", "NOEQUALS", "ROOMCAST_CONFIG=/etc/roomcast.toml"});
  CAF_CHECK_EQUAL(err, "");
  check_same(s, settings{});
  settings t;
  CAF_CHECK_EQUAL(apply_environment(t, nullptr), "");
  check_same(t, settings{});
}

CAF_TEST(an unknown ROOMCAST variable is an error naming it) {
  auto [s, err] = from_env({"ROOMCAST_SERVER_IO_THREAD=3"});
  CAF_CHECK(contains(err, "ROOMCAST_SERVER_IO_THREAD"));
  auto [s2, err2] = from_env({"ROOMCAST_BOGUS_KEY=1"});
  CAF_CHECK(contains(err2, "ROOMCAST_BOGUS_KEY"));
}

CAF_TEST(a bad value in the environment is an error naming the setting) {
  auto [s, err] = from_env({"ROOMCAST_SERVER_IO_THREADS=many"});
  CAF_CHECK(contains(err, "environment"));
  CAF_CHECK(contains(err, "server.io_threads"));
  auto [s2, err2] = from_env({"WS_HEARTBEAT_INTERVAL=soon"});
  CAF_CHECK(contains(err2, "server.heartbeat_interval_ms"));
  auto [s3, err3] = from_env({"NODE_ENV=qa"});
  CAF_CHECK(contains(err3, "server.env"));
}

// -- load_settings --------------------------------------------------------------

CAF_TEST(no flags and no environment give the defaults) {
  clean_environment env;
  settings expected;
  expected.cors_origins = {"*"}; // "auto" in development
  check_same(loaded({}), expected);
}

CAF_TEST(allowed origins default to any in development and to the same origin only in production) {
  clean_environment env;
  CAF_CHECK_EQUAL(loaded({"--env", "development"}).cors_origins, std::vector<std::string>{"*"});
  CAF_CHECK(loaded({"--env", "production"}).cors_origins.empty());
  CAF_CHECK_EQUAL(loaded({"--env", "production", "--set", "server.cors_origins=https://a.example, https://b.example"})
                    .cors_origins,
                  (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

CAF_TEST(each layer overrides the one below it) {
  clean_environment env;
  temp_toml file{R"(
[server]
io_threads = 2
actor_threads = 4
[storage]
data_dir = "/from/file"
[auth]
jwt_secret = "file-secret"
[conference]
room_capacity = 10
chat_history = 7
)"};
  // defaults < file
  auto f = loaded({"--config", file.path()});
  CAF_CHECK_EQUAL(f.io_threads, 2u);
  CAF_CHECK_EQUAL(f.actor_threads, 4u);
  CAF_CHECK_EQUAL(f.data_dir, "/from/file");
  CAF_CHECK_EQUAL(f.jwt_secret, "file-secret");
  CAF_CHECK_EQUAL(f.room_capacity, 10u);
  CAF_CHECK_EQUAL(f.chat_history, 7u);
  CAF_CHECK_EQUAL(f.listen_port, 8080);
  // file < environment
  env.set("ROOMCAST_SERVER_IO_THREADS", "3");
  env.set("JWT_SECRET", "env-secret");
  env.set("ROOMCAST_CONFERENCE_ROOM_CAPACITY", "20");
  auto e = loaded({"--config", file.path()});
  CAF_CHECK_EQUAL(e.io_threads, 3u);
  CAF_CHECK_EQUAL(e.jwt_secret, "env-secret");
  CAF_CHECK_EQUAL(e.room_capacity, 20u);
  CAF_CHECK_EQUAL(e.actor_threads, 4u);
  CAF_CHECK_EQUAL(e.data_dir, "/from/file");
  // environment < flags
  auto g = loaded({"--config", file.path(), "--listen", "127.0.0.1:0", "--data-dir", "/from/flag", "--jwt-secret",
                   "flag-secret", "--set", "conference.room_capacity=3", "--env", "test"});
  CAF_CHECK_EQUAL(g.listen_host, "127.0.0.1");
  CAF_CHECK_EQUAL(g.listen_port, 0);
  CAF_CHECK_EQUAL(g.data_dir, "/from/flag");
  CAF_CHECK_EQUAL(g.db_path(), "/from/flag/roomcast.db");
  CAF_CHECK_EQUAL(g.jwt_secret, "flag-secret");
  CAF_CHECK_EQUAL(g.room_capacity, 3u);
  CAF_CHECK_EQUAL(g.env, "test");
  CAF_CHECK_EQUAL(g.io_threads, 3u);     // still from the environment
  CAF_CHECK_EQUAL(g.actor_threads, 4u);  // still from the file
  CAF_CHECK_EQUAL(g.chat_history, 7u);   // still from the file
}

CAF_TEST(set flags can be repeated and the last one wins) {
  clean_environment env;
  auto s = loaded({"--set", "conference.room_capacity=3", "--set", "server.io_threads=2", "--set",
                   "conference.room_capacity=4"});
  CAF_CHECK_EQUAL(s.room_capacity, 4u);
  CAF_CHECK_EQUAL(s.io_threads, 2u);
}

CAF_TEST(ROOMCAST_CONFIG names the file when there is no config flag) {
  clean_environment env;
  temp_toml file{"[conference]\nroom_capacity = 11\n"};
  env.set("ROOMCAST_CONFIG", file.path());
  CAF_CHECK_EQUAL(loaded({}).room_capacity, 11u);
  temp_toml other{"[conference]\nroom_capacity = 12\n"};
  CAF_CHECK_EQUAL(loaded({"--config", other.path()}).room_capacity, 12u);
}

CAF_TEST(a missing or broken config file stops the start) {
  clean_environment env;
  auto missing = load_error({"--config", "/nonexistent/roomcast.toml"});
  CAF_CHECK(contains(missing, "/nonexistent/roomcast.toml"));
  temp_toml broken{"[conference]\nroom_capacity = \"many\"\n"};
  auto bad = load_error({"--config", broken.path()});
  CAF_CHECK(contains(bad, "conference.room_capacity"));
  CAF_CHECK(contains(bad, broken.path()));
}

CAF_TEST(a bad environment variable stops the start) {
  clean_environment env;
  env.set("ROOMCAST_SERVER_NO_SUCH_KEY", "1");
  CAF_CHECK(contains(load_error({}), "ROOMCAST_SERVER_NO_SUCH_KEY"));
}

CAF_TEST(listen accepts host and port and bracketed IPv6) {
  clean_environment env;
  auto v4 = loaded({"--listen", "127.0.0.1:0"});
  CAF_CHECK_EQUAL(v4.listen_host, "127.0.0.1");
  CAF_CHECK_EQUAL(v4.listen_port, 0);
  auto v6 = loaded({"--listen", "[::1]:80"});
  CAF_CHECK_EQUAL(v6.listen_host, "::1");
  CAF_CHECK_EQUAL(v6.listen_port, 80);
  auto any = loaded({"--listen", ":9000"});
  CAF_CHECK_EQUAL(any.listen_host, "0.0.0.0");
  CAF_CHECK_EQUAL(any.listen_port, 9000);
  auto named = loaded({"--listen", "localhost:65535"});
  CAF_CHECK_EQUAL(named.listen_host, "localhost");
  CAF_CHECK_EQUAL(named.listen_port, 65535);
}

CAF_TEST(listen refuses a bad port or a missing one) {
  clean_environment env;
  for (auto bad : {"127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http", "127.0.0.1:", "127.0.0.1", "[::1]:8o"}) {
    auto err = load_error({"--listen", bad});
    CAF_CHECK(contains(err, "listen"));
  }
}

CAF_TEST(the heartbeat timeout must exceed the interval) {
  clean_environment env;
  auto equal = load_error({"--set", "server.heartbeat_interval_ms=5000", "--set", "server.heartbeat_timeout_ms=5000"});
  CAF_CHECK(contains(equal, "heartbeat_timeout_ms"));
  load_error({"--set", "server.heartbeat_timeout_ms=1000"}); // below the default interval
  env.set("WS_HEARTBEAT_INTERVAL", "70000");                   // above the default timeout
  CAF_CHECK(contains(load_error({}), "heartbeat"));
  auto ok = loaded({"--set", "server.heartbeat_timeout_ms=70001"});
  CAF_CHECK_EQUAL(ok.heartbeat_interval.count(), 70000);
  CAF_CHECK_EQUAL(ok.heartbeat_timeout.count(), 70001);
}

CAF_TEST(require_token needs a jwt secret) {
  clean_environment env;
  auto err = load_error({"--set", "auth.require_token=true"});
  CAF_CHECK(contains(err, "require_token"));
  CAF_CHECK(contains(err, "jwt_secret"));
  auto ok = loaded({"--set", "auth.require_token=true", "--jwt-secret", "k"});
  CAF_CHECK_EQUAL(ok.require_token, true);
  CAF_CHECK_EQUAL(ok.jwt_secret, "k");
  env.set("JWT_SECRET", "from-env");
  CAF_CHECK_EQUAL(loaded({"--set", "auth.require_token=true"}).jwt_secret, "from-env");
}

CAF_TEST(bad flags stop the start with exit code 2) {
  clean_environment env;
  load_error({"--bogus"});
  CAF_CHECK(contains(load_error({"--set", "conference.room_capacity"}), "section.key=value"));
  CAF_CHECK(contains(load_error({"--set", "conference.room_size=3"}), "conference.room_size"));
  CAF_CHECK(contains(load_error({"--set", "conference.room_capacity=0"}), "conference.room_capacity"));
  CAF_CHECK(contains(load_error({"--env", "staging"}), "env"));
}

CAF_TEST(help exits with 0 and describes the flags) {
  clean_environment env;
  auto r = load({"--help"});
  CAF_CHECK(!r.value);
  CAF_CHECK_EQUAL(r.exit_code, 0);
  for (auto flag : {"--listen", "--data-dir", "--jwt-secret", "--config", "--env", "--set"})
    CAF_CHECK(contains(r.message, flag));
}

CAF_TEST(version exits with 0 and prints the version) {
  clean_environment env;
  auto r = load({"--version"});
  CAF_CHECK(!r.value);
  CAF_CHECK_EQUAL(r.exit_code, 0);
  CAF_CHECK(contains(r.message, "roomcast"));
}
