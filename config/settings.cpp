#include "config/settings.hpp"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

extern char** environ;

namespace roomcast {
namespace {

// One setter per key; TOML, the environment and `--set` all go through it, so
// every source validates the same way.
using setter = std::function<std::string(settings&, const std::string&)>;

template <class T>
std::string parse_number(const std::string& text, T& out, T min, T max) {
  T v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size())
    return "'" + text + "' is not a number";
  if (v < min || v > max)
    return "'" + text + "' is out of range";
  out = v;
  return {};
}

std::string parse_listen(settings& s, const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return "listen address must be HOST:PORT";
  std::uint16_t port = 0;
  if (auto err = parse_number<std::uint16_t>(text.substr(colon + 1), port, 0, 65535); !err.empty())
    return "listen port " + err;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  s.listen_host = host.empty() ? "0.0.0.0" : host;
  s.listen_port = port;
  return {};
}

template <class T>
setter number(T settings::*field, T min, T max) {
  return [=](settings& s, const std::string& v) { return parse_number(v, s.*field, min, max); };
}

setter milliseconds(std::chrono::milliseconds settings::*field) {
  return [=](settings& s, const std::string& v) {
    long long ms = 0;
    auto err = parse_number<long long>(v, ms, 1, 86'400'000);
    if (err.empty())
      s.*field = std::chrono::milliseconds{ms};
    return err;
  };
}

setter real(double settings::*field) {
  return [=](settings& s, const std::string& v) -> std::string {
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (end != v.c_str() + v.size() || !(d > 0))
      return "'" + v + "' is not a positive number";
    s.*field = d;
    return {};
  };
}

setter text(std::string settings::*field) {
  return [=](settings& s, const std::string& v) -> std::string {
    s.*field = v;
    return {};
  };
}

setter boolean(bool settings::*field) {
  return [=](settings& s, const std::string& v) -> std::string {
    if (v != "true" && v != "false")
      return "'" + v + "' must be true or false";
    s.*field = v == "true";
    return {};
  };
}

/// A comma-separated list; blanks around items are dropped.
setter list(std::vector<std::string> settings::*field) {
  return [=](settings& s, const std::string& v) -> std::string {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= v.size()) {
      auto end = v.find(',', start);
      if (end == std::string::npos)
        end = v.size();
      auto item = v.substr(start, end - start);
      auto b = item.find_first_not_of(' ');
      if (b != std::string::npos)
        items.push_back(item.substr(b, item.find_last_not_of(' ') - b + 1));
      start = end + 1;
    }
    s.*field = std::move(items);
    return {};
  };
}

const std::map<std::string, setter>& keys() {
  static const std::map<std::string, setter> table{
    {"server.listen", parse_listen},
    {"server.io_threads", number(&settings::io_threads, 0u, 256u)},
    {"server.actor_threads", number(&settings::actor_threads, 0u, 256u)},
    {"server.actor_scheduler",
     [](settings& s, const std::string& v) -> std::string {
       if (v != "sharing" && v != "stealing")
         return "actor_scheduler must be \"sharing\" or \"stealing\"";
       s.actor_scheduler = v;
       return {};
     }},
    {"server.max_frame_bytes", number<std::size_t>(&settings::max_frame_bytes, 128, 64u << 20)},
    {"server.send_queue_bytes", number<std::size_t>(&settings::send_queue_bytes, 1024, std::size_t{1} << 34)},
    {"server.max_inflight_commands", number<std::size_t>(&settings::max_inflight_commands, 1, 1u << 20)},
    {"server.heartbeat_interval_ms", milliseconds(&settings::heartbeat_interval)},
    {"server.heartbeat_timeout_ms", milliseconds(&settings::heartbeat_timeout)},
    {"server.request_timeout_ms", milliseconds(&settings::request_timeout)},
    {"server.tls_cert", text(&settings::tls_cert)},
    {"server.tls_key", text(&settings::tls_key)},
    {"server.drain_seconds",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 0, 3600);
       if (err.empty())
         s.drain_timeout = std::chrono::seconds{n};
       return err;
     }},
    {"server.max_connections", number<std::size_t>(&settings::max_connections, 1, 10'000'000)},
    {"server.max_connections_per_ip", number<std::size_t>(&settings::max_connections_per_ip, 1, 10'000'000)},
    {"server.max_pending_http", number<std::size_t>(&settings::max_pending_http, 1, 10'000'000)},
    {"server.max_rooms_per_connection", number<std::size_t>(&settings::max_rooms_per_connection, 1, 100'000)},
    {"server.cors_origins", list(&settings::cors_origins)},
    {"server.rate_limit_per_second", real(&settings::rate_limit_per_second)},
    {"server.rate_limit_burst", real(&settings::rate_limit_burst)},
    {"server.deflate", boolean(&settings::deflate)},
    {"server.deflate_threshold", number<std::size_t>(&settings::deflate_threshold, 0, 64u << 20)},
    {"server.deflate_level", number(&settings::deflate_level, 1, 9)},
    {"server.deflate_mem_level", number(&settings::deflate_mem_level, 1, 9)},
    {"server.deflate_client_window_bits", number(&settings::deflate_client_window_bits, 9, 15)},
    {"server.deflate_client_context_takeover", boolean(&settings::deflate_client_context_takeover)},
    {"server.env",
     [](settings& s, const std::string& v) -> std::string {
       if (v != "development" && v != "production" && v != "test")
         return "env must be development, production or test";
       s.env = v;
       return {};
     }},
    {"server.log_level",
     [](settings& s, const std::string& v) -> std::string {
       static const char* const levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
       if (std::find(std::begin(levels), std::end(levels), v) == std::end(levels))
         return "log_level must be trace, debug, info, warn, error, critical or off";
       s.log_level = v;
       return {};
     }},
    {"socketio.path",
     [](settings& s, const std::string& v) -> std::string {
       if (v.size() < 2 || v.front() != '/' || v.back() != '/')
         return "path must start and end with '/'";
       s.socketio_path = v;
       return {};
     }},
    {"socketio.ping_interval_ms", milliseconds(&settings::socketio_ping_interval)},
    {"socketio.ping_timeout_ms", milliseconds(&settings::socketio_ping_timeout)},
    {"socketio.max_payload", number<std::size_t>(&settings::socketio_max_payload, 1024, 64u << 20)},
    {"socketio.connect_timeout_ms", milliseconds(&settings::socketio_connect_timeout)},
    {"socketio.conformance", boolean(&settings::socketio_conformance)},
    {"storage.data_dir", text(&settings::data_dir)},
    {"storage.synchronous",
     [](settings& s, const std::string& v) -> std::string {
       if (v != "full" && v != "normal")
         return "synchronous must be \"full\" or \"normal\"";
       s.synchronous_full = v == "full";
       return {};
     }},
    {"storage.snapshot_debounce_ms", milliseconds(&settings::snapshot_debounce)},
    {"storage.room_idle_seconds",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 1, 86'400 * 365);
       if (err.empty())
         s.room_idle = std::chrono::seconds{n};
       return err;
     }},
    {"storage.room_retention_hours",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 1, 24 * 365 * 10);
       if (err.empty())
         s.room_retention = std::chrono::hours{n};
       return err;
     }},
    {"auth.jwt_secret", text(&settings::jwt_secret)},
    {"auth.require_token",
     [](settings& s, const std::string& v) -> std::string {
       if (v != "true" && v != "false")
         return "require_token must be true or false";
       s.require_token = v == "true";
       return {};
     }},
    {"auth.jwt_issuer", text(&settings::jwt_issuer)},
    {"auth.jwt_audience", text(&settings::jwt_audience)},
    {"auth.jwt_leeway_seconds",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 0, 86'400);
       if (err.empty())
         s.jwt_leeway = std::chrono::seconds{n};
       return err;
     }},
    {"conference.escape_html", boolean(&settings::conference_escape_html)},
    {"conference.allowed_origins", list(&settings::conference_origins)},
    {"conference.room_capacity", number<std::size_t>(&settings::room_capacity, 1, 1'000'000)},
    {"conference.chat_history", number<std::size_t>(&settings::chat_history, 0, 100'000)},
    {"conference.max_message_chars", number<std::size_t>(&settings::max_message_chars, 1, 1'000'000)},
    {"conference.max_username_chars", number<std::size_t>(&settings::max_username_chars, 1, 1024)},
    {"shop.escape_html", boolean(&settings::shop_escape_html)},
    {"shop.chat_history", number<std::size_t>(&settings::shop_chat_history, 0, 100'000)},
    {"shop.max_message_chars", number<std::size_t>(&settings::shop_max_message_chars, 1, 1'000'000)},
    {"shop.max_username_chars", number<std::size_t>(&settings::shop_max_username_chars, 1, 1024)},
    {"shop.chat_per_second", real(&settings::shop_chat_per_second)},
    {"shop.chat_burst", real(&settings::shop_chat_burst)},
    {"shop.likes_per_second", real(&settings::shop_likes_per_second)},
    {"shop.likes_burst", real(&settings::shop_likes_burst)},
    {"shop.support_per_second", real(&settings::shop_support_per_second)},
    {"shop.support_burst", real(&settings::shop_support_burst)},
    {"conference.host_grace_seconds",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 0, 86'400);
       if (err.empty())
         s.host_grace = std::chrono::seconds{n};
       return err;
     }},
    {"signaling.auto_create_rooms", boolean(&settings::signaling_auto_create_rooms)},
    {"signaling.default_max_participants",
     number<std::uint32_t>(&settings::signaling_default_max_participants, 1, 1'000'000)},
    {"signaling.max_participants_cap", number<std::uint32_t>(&settings::signaling_max_participants_cap, 1, 1'000'000)},
    {"signaling.sfu_threshold", number<std::size_t>(&settings::signaling_sfu_threshold, 1, 1'000'000)},
    {"signaling.join_link_base", text(&settings::signaling_join_link_base)},
    {"signaling.stun_urls", list(&settings::signaling_stun_urls)},
    {"signaling.turn_url", text(&settings::signaling_turn_url)},
    {"signaling.turn_username", text(&settings::signaling_turn_username)},
    {"signaling.turn_credential", text(&settings::signaling_turn_credential)},
    {"signaling.turn_secret", text(&settings::signaling_turn_secret)},
    {"signaling.turn_ttl_seconds",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 60, 86'400 * 365);
       if (err.empty())
         s.signaling_turn_ttl = std::chrono::seconds{n};
       return err;
     }},
    {"signaling.require_auth", boolean(&settings::signaling_require_auth)},
    {"signaling.escape_html", boolean(&settings::signaling_escape_html)},
    {"signaling.room_retention_hours",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 1, 24 * 365 * 10);
       if (err.empty())
         s.signaling_room_retention = std::chrono::hours{n};
       return err;
     }},
    {"admin.enabled",
     [](settings& s, const std::string& v) -> std::string {
       if (v != "auto" && v != "true" && v != "false")
         return "enabled must be \"auto\", true or false";
       s.admin_enabled = v;
       return {};
     }},
    {"admin.listen",
     [](settings& s, const std::string& v) -> std::string {
       if (!v.empty()) {
         settings probe; // HOST:PORT, checked the way server.listen is
         if (auto err = parse_listen(probe, v); !err.empty())
           return err;
       }
       s.admin_listen = v;
       return {};
     }},
    {"metrics.enabled", boolean(&settings::metrics_enabled)},
    {"chatrooms.namespace",
     [](settings& s, const std::string& v) -> std::string {
       if (v.empty() || v.front() != '/' || v.find_first_of(",?# ") != std::string::npos)
         return "namespace must start with '/' and hold no ',', '?', '#' or blank";
       s.chat_namespace = v;
       return {};
     }},
    {"chatrooms.enable_metrics", boolean(&settings::chat_enable_metrics)},
    {"chatrooms.enable_heartbeat", boolean(&settings::chat_enable_heartbeat)},
    {"chatrooms.heartbeat_interval_ms", milliseconds(&settings::chat_heartbeat_interval)},
    {"chatrooms.allow_anonymous", boolean(&settings::chat_allow_anonymous)},
    {"chatrooms.max_content_chars", number<std::size_t>(&settings::chat_max_content_chars, 1, 1'000'000)},
    {"chatrooms.history", number<std::size_t>(&settings::chat_room_history, 0, 100'000)},
    {"chatrooms.typing_timeout_ms", milliseconds(&settings::chat_typing_timeout)},
    {"chatrooms.presence_grace_ms",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 0, 3'600'000);
       if (err.empty())
         s.chat_presence_grace = std::chrono::milliseconds{n};
       return err;
     }},
    {"chatrooms.broadcast_presence", boolean(&settings::chat_broadcast_presence)},
    {"chatrooms.retention_hours",
     [](settings& s, const std::string& v) {
       long long n = 0;
       auto err = parse_number<long long>(v, n, 0, 24 * 365 * 100);
       if (err.empty())
         s.chat_retention = std::chrono::hours{n};
       return err;
     }},
    {"chatrooms.rate_window_ms", milliseconds(&settings::chat_rate_window)},
    {"chatrooms.rate_messages_production", number(&settings::chat_rate_messages_production, 0u, 1'000'000'000u)},
    {"chatrooms.rate_messages_development", number(&settings::chat_rate_messages_development, 0u, 1'000'000'000u)},
    {"chatrooms.rate_joins_production", number(&settings::chat_rate_joins_production, 0u, 1'000'000'000u)},
    {"chatrooms.rate_joins_development", number(&settings::chat_rate_joins_development, 0u, 1'000'000'000u)},
    {"chatrooms.rate_typing_production", number(&settings::chat_rate_typing_production, 0u, 1'000'000'000u)},
    {"chatrooms.rate_typing_development", number(&settings::chat_rate_typing_development, 0u, 1'000'000'000u)},
  };
  return table;
}

std::string set_key(settings& s, const std::string& key, const std::string& value) {
  auto i = keys().find(key);
  if (i == keys().end())
    return "unknown setting '" + key + "'";
  if (auto err = i->second(s, value); !err.empty())
    return key + ": " + err;
  return {};
}

std::string node_text(const toml::node& n) {
  if (auto v = n.as_string())
    return v->get();
  if (auto v = n.as_integer())
    return std::to_string(v->get());
  if (auto v = n.as_floating_point()) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v->get()); // shortest exact form
    return std::string(buf, end);
  }
  if (auto v = n.as_boolean())
    return v->get() ? "true" : "false";
  return {};
}

std::string read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read config file " + path;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

std::string apply_listen(settings& s, const std::string& host_port) {
  return parse_listen(s, host_port);
}

std::string settings::db_path() const {
  return data_dir + "/roomcast.db";
}

std::string apply_toml(settings& s, const std::string& toml_text, const std::string& origin) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << origin << ":" << e.source().begin.line << ": " << e.description();
    return out.str();
  }
  for (auto&& [section, node] : doc) {
    auto* table = node.as_table();
    if (!table)
      return origin + ": '" + std::string{section.str()} + "' must be a [section]";
    for (auto&& [key, value] : *table) {
      auto name = std::string{section.str()} + "." + std::string{key.str()};
      if (!value.is_value())
        return origin + ": " + name + " must be a plain value";
      if (auto err = set_key(s, name, node_text(value)); !err.empty())
        return origin + ": " + err;
    }
  }
  return {};
}

std::string apply_environment(settings& s, char** envp) {
  static const std::map<std::string, std::string> contract_names{
    {"JWT_SECRET", "auth.jwt_secret"},
    {"NODE_ENV", "server.env"},
    {"WS_HEARTBEAT_INTERVAL", "server.heartbeat_interval_ms"},
    {"CLIENT_URL", "server.cors_origins"},
    {"FRONTEND_URL", "server.cors_origins"},
    {"STUN_URLS", "signaling.stun_urls"},
    {"TURN_URL", "signaling.turn_url"},
    {"TURN_USERNAME", "signaling.turn_username"},
    {"TURN_CREDENTIAL", "signaling.turn_credential"},
    {"WS_NAMESPACE", "chatrooms.namespace"},
    {"WS_ENABLE_METRICS", "chatrooms.enable_metrics"},
    {"WS_ENABLE_HEARTBEAT", "chatrooms.enable_heartbeat"},
  };
  // Names that set a second setting too, applied after the first succeeded:
  // the chatrooms contract's ping period follows the server's heartbeat.
  static const std::map<std::string, std::string> also_sets{
    {"WS_HEARTBEAT_INTERVAL", "chatrooms.heartbeat_interval_ms"},
  };
  std::map<std::string, std::string> mirrored;
  std::map<std::string, std::string> found;
  for (auto e = envp; e && *e; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq == std::string::npos)
      continue;
    auto name = entry.substr(0, eq), value = entry.substr(eq + 1);
    if (auto c = contract_names.find(name); c != contract_names.end()) {
      found[c->second] = value;
      if (auto m = also_sets.find(name); m != also_sets.end())
        mirrored[m->second] = value;
    } else if (name.rfind("ROOMCAST_", 0) == 0 && name != "ROOMCAST_CONFIG") {
      // ROOMCAST_SERVER_IO_THREADS -> server.io_threads
      auto rest = name.substr(9);
      auto us = rest.find('_');
      if (us == std::string::npos)
        continue;
      std::string key;
      for (char ch : rest.substr(0, us) + "." + rest.substr(us + 1))
        key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      if (keys().count(key))
        found[key] = value;
      else
        return "environment variable " + name + " names no setting";
    }
  }
  // NODE_ENV=test and friends map onto server.env; anything else is left to defaults.
  for (auto& [key, value] : found)
    if (auto err = set_key(s, key, value); !err.empty())
      return "environment: " + err;
  for (auto& [key, value] : mirrored)
    if (auto err = set_key(s, key, value); !err.empty())
      return "environment: " + err;
  return {};
}

settings_result load_settings(int argc, char** argv) {
  CLI::App app{"roomcast: real-time rooms over WebSocket and Socket.IO"};
  app.set_version_flag("--version", "roomcast " ROOMCAST_VERSION);
  std::string listen, data_dir, jwt_secret, config_path, env;
  std::vector<std::string> overrides;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free one)");
  app.add_option("--data-dir", data_dir, "directory of roomcast.db");
  app.add_option("--jwt-secret", jwt_secret, "HS256 secret for client tokens");
  app.add_option("--config", config_path, "TOML config file (see config/roomcast.toml)");
  app.add_option("--env", env, "development | production | test");
  app.add_option("--set", overrides, "override one setting: section.key=value (repeatable)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    int rc = app.exit(e, out, err);
    return {std::nullopt, out.str() + err.str(), rc == 0 ? 0 : 2};
  }

  settings s;
  if (config_path.empty())
    if (const char* p = std::getenv("ROOMCAST_CONFIG"))
      config_path = p;
  if (!config_path.empty()) {
    std::string error;
    auto text = read_file(config_path, error);
    if (!error.empty())
      return {std::nullopt, error, 2};
    if (auto err = apply_toml(s, text, config_path); !err.empty())
      return {std::nullopt, err, 2};
  }
  if (auto err = apply_environment(s, environ); !err.empty())
    return {std::nullopt, err, 2};

  std::vector<std::pair<std::string, std::string>> flags;
  if (!listen.empty())
    flags.emplace_back("server.listen", listen);
  if (!data_dir.empty())
    flags.emplace_back("storage.data_dir", data_dir);
  if (!jwt_secret.empty())
    flags.emplace_back("auth.jwt_secret", jwt_secret);
  if (!env.empty())
    flags.emplace_back("server.env", env);
  for (auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos)
      return {std::nullopt, "--set expects section.key=value, got '" + o + "'", 2};
    flags.emplace_back(o.substr(0, eq), o.substr(eq + 1));
  }
  for (auto& [key, value] : flags)
    if (auto err = set_key(s, key, value); !err.empty())
      return {std::nullopt, "flag: " + err, 2};
  if (s.require_token && s.jwt_secret.empty())
    return {std::nullopt, "auth.require_token needs auth.jwt_secret (or --jwt-secret / JWT_SECRET)", 2};
  if (s.socketio_conformance) {
    if (s.env == "production")
      return {std::nullopt, "socketio.conformance is a test mode and is refused in production", 2};
    // The reference servers' settings, as the test suites' READMEs give them.
    s.socketio_ping_interval = std::chrono::milliseconds{300};
    s.socketio_ping_timeout = std::chrono::milliseconds{200};
    s.socketio_max_payload = 1000000;
    s.socketio_connect_timeout = std::chrono::milliseconds{1000};
    s.cors_origins = {"*"};
  }
  if (s.cors_origins == std::vector<std::string>{"auto"})
    s.cors_origins = s.env == "production" ? std::vector<std::string>{} : std::vector<std::string>{"*"};
  if (s.signaling_require_auth && s.jwt_secret.empty())
    return {std::nullopt, "signaling.require_auth needs auth.jwt_secret (or --jwt-secret / JWT_SECRET)", 2};
  if (s.signaling_default_max_participants > s.signaling_max_participants_cap)
    return {std::nullopt, "signaling.default_max_participants exceeds signaling.max_participants_cap", 2};
  if (s.heartbeat_timeout <= s.heartbeat_interval)
    return {std::nullopt, "server.heartbeat_timeout_ms must exceed server.heartbeat_interval_ms", 2};
  return {s, {}, 0};
}

} // namespace roomcast
