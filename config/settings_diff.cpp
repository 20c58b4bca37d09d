#include "config/settings_diff.hpp"

#include <charconv>
#include <chrono>
#include <functional>
#include <type_traits>

namespace roomcast {
namespace {

std::string show(const std::string& v) {
  std::string out = "\"";
  out += v;
  out += '"';
  return out;
}
std::string show(bool v) {
  return v ? "true" : "false";
}
std::string show(double v) {
  char buf[400]; // the longest double in fixed notation fits
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return ec == std::errc{} ? std::string(buf, end) : std::to_string(v);
}
template <class Int>
  requires std::is_integral_v<Int>
std::string show(Int v) {
  return std::to_string(v);
}
template <class Rep, class Period>
std::string show(std::chrono::duration<Rep, Period> v) {
  return std::to_string(v.count());
}
std::string show(const std::vector<std::string>& v) {
  std::string joined;
  for (auto& item : v) {
    if (!joined.empty())
      joined += ',';
    joined += item;
  }
  return show(joined);
}

/// One setting: how to show it, and how to take it over when it is live.
struct field {
  const char* key;
  std::function<std::string(const settings&)> text;
  std::function<void(settings&, const settings&)> take; ///< empty: needs a restart
  bool secret = false;
};

enum class mode { restart, live, secret };

template <class T>
field f(const char* key, T settings::*m, mode how = mode::restart) {
  field out{key, [m](const settings& s) { return show(s.*m); }, {}, how == mode::secret};
  if (how == mode::live)
    out.take = [m](settings& to, const settings& from) { to.*m = from.*m; };
  return out;
}

/// Every setting, in the order of roomcast.toml. The live ones are those a
/// reload applies: the gateway's connection limits, the rate limits each
/// dialect registers, the rooms a new connection may join, the log level.
const std::vector<field>& fields() {
  static const std::vector<field> table{
    {"server.listen", [](const settings& s) { return s.listen_host + ":" + std::to_string(s.listen_port); }, {}},
    f("server.io_threads", &settings::io_threads),
    f("server.actor_threads", &settings::actor_threads),
    f("server.actor_scheduler", &settings::actor_scheduler),
    f("server.max_frame_bytes", &settings::max_frame_bytes),
    f("server.send_queue_bytes", &settings::send_queue_bytes),
    f("server.max_inflight_commands", &settings::max_inflight_commands),
    f("server.heartbeat_interval_ms", &settings::heartbeat_interval),
    f("server.heartbeat_timeout_ms", &settings::heartbeat_timeout),
    {"server.drain_seconds",
     [](const settings& s) { return show(std::chrono::duration_cast<std::chrono::seconds>(s.drain_timeout)); },
     [](settings& to, const settings& from) { to.drain_timeout = from.drain_timeout; }},
    f("server.request_timeout_ms", &settings::request_timeout),
    f("server.max_connections", &settings::max_connections, mode::live),
    f("server.max_connections_per_ip", &settings::max_connections_per_ip, mode::live),
    f("server.max_pending_http", &settings::max_pending_http, mode::live),
    f("server.max_rooms_per_connection", &settings::max_rooms_per_connection, mode::live),
    f("server.cors_origins", &settings::cors_origins),
    f("server.rate_limit_per_second", &settings::rate_limit_per_second, mode::live),
    f("server.rate_limit_burst", &settings::rate_limit_burst, mode::live),
    f("server.env", &settings::env),
    f("server.log_level", &settings::log_level, mode::live),
    f("socketio.path", &settings::socketio_path),
    f("socketio.ping_interval_ms", &settings::socketio_ping_interval),
    f("socketio.ping_timeout_ms", &settings::socketio_ping_timeout),
    f("socketio.max_payload", &settings::socketio_max_payload),
    f("socketio.connect_timeout_ms", &settings::socketio_connect_timeout),
    f("socketio.conformance", &settings::socketio_conformance),
    f("storage.data_dir", &settings::data_dir),
    {"storage.synchronous", [](const settings& s) { return show(std::string{s.synchronous_full ? "full" : "normal"}); },
     {}},
    f("storage.snapshot_debounce_ms", &settings::snapshot_debounce),
    f("storage.room_idle_seconds", &settings::room_idle),
    f("storage.room_retention_hours", &settings::room_retention),
    f("auth.jwt_secret", &settings::jwt_secret, mode::secret),
    f("auth.require_token", &settings::require_token),
    f("auth.jwt_issuer", &settings::jwt_issuer),
    f("auth.jwt_audience", &settings::jwt_audience),
    f("auth.jwt_leeway_seconds", &settings::jwt_leeway),
    f("conference.escape_html", &settings::conference_escape_html),
    f("conference.allowed_origins", &settings::conference_origins),
    f("conference.room_capacity", &settings::room_capacity),
    f("conference.chat_history", &settings::chat_history),
    f("conference.max_message_chars", &settings::max_message_chars),
    f("conference.max_username_chars", &settings::max_username_chars),
    f("conference.host_grace_seconds", &settings::host_grace),
    f("signaling.auto_create_rooms", &settings::signaling_auto_create_rooms),
    f("signaling.default_max_participants", &settings::signaling_default_max_participants),
    f("signaling.max_participants_cap", &settings::signaling_max_participants_cap),
    f("signaling.sfu_threshold", &settings::signaling_sfu_threshold),
    f("signaling.join_link_base", &settings::signaling_join_link_base),
    f("signaling.stun_urls", &settings::signaling_stun_urls),
    f("signaling.turn_url", &settings::signaling_turn_url),
    f("signaling.turn_username", &settings::signaling_turn_username),
    f("signaling.turn_credential", &settings::signaling_turn_credential, mode::secret),
    f("signaling.turn_secret", &settings::signaling_turn_secret, mode::secret),
    f("signaling.turn_ttl_seconds", &settings::signaling_turn_ttl),
    f("signaling.require_auth", &settings::signaling_require_auth),
    f("signaling.escape_html", &settings::signaling_escape_html),
    f("signaling.room_retention_hours", &settings::signaling_room_retention),
    f("admin.enabled", &settings::admin_enabled),
    f("admin.listen", &settings::admin_listen),
    f("metrics.enabled", &settings::metrics_enabled),
    f("shop.escape_html", &settings::shop_escape_html),
    f("shop.chat_history", &settings::shop_chat_history),
    f("shop.max_message_chars", &settings::shop_max_message_chars),
    f("shop.max_username_chars", &settings::shop_max_username_chars),
    f("shop.chat_per_second", &settings::shop_chat_per_second, mode::live),
    f("shop.chat_burst", &settings::shop_chat_burst, mode::live),
    f("shop.likes_per_second", &settings::shop_likes_per_second, mode::live),
    f("shop.likes_burst", &settings::shop_likes_burst, mode::live),
    f("shop.support_per_second", &settings::shop_support_per_second, mode::live),
    f("shop.support_burst", &settings::shop_support_burst, mode::live),
    f("chatrooms.namespace", &settings::chat_namespace),
    f("chatrooms.enable_metrics", &settings::chat_enable_metrics),
    f("chatrooms.enable_heartbeat", &settings::chat_enable_heartbeat),
    f("chatrooms.heartbeat_interval_ms", &settings::chat_heartbeat_interval),
    f("chatrooms.allow_anonymous", &settings::chat_allow_anonymous),
    f("chatrooms.max_content_chars", &settings::chat_max_content_chars),
    f("chatrooms.history", &settings::chat_room_history),
    f("chatrooms.typing_timeout_ms", &settings::chat_typing_timeout),
    f("chatrooms.presence_grace_ms", &settings::chat_presence_grace),
    f("chatrooms.broadcast_presence", &settings::chat_broadcast_presence),
    f("chatrooms.retention_hours", &settings::chat_retention),
    f("chatrooms.rate_window_ms", &settings::chat_rate_window),
    f("chatrooms.rate_messages_production", &settings::chat_rate_messages_production),
    f("chatrooms.rate_messages_development", &settings::chat_rate_messages_development),
    f("chatrooms.rate_joins_production", &settings::chat_rate_joins_production),
    f("chatrooms.rate_joins_development", &settings::chat_rate_joins_development),
    f("chatrooms.rate_typing_production", &settings::chat_rate_typing_production),
    f("chatrooms.rate_typing_development", &settings::chat_rate_typing_development),
  };
  return table;
}

} // namespace

std::vector<setting_change> diff_settings(const settings& running, const settings& loaded) {
  std::vector<setting_change> out;
  for (auto& fl : fields()) {
    auto before = fl.text(running), after = fl.text(loaded);
    if (before == after)
      continue;
    if (fl.secret)
      before = after = "(hidden)";
    out.push_back({fl.key, std::move(before), std::move(after), static_cast<bool>(fl.take)});
  }
  return out;
}

settings take_live(settings running, const settings& loaded) {
  for (auto& fl : fields())
    if (fl.take)
      fl.take(running, loaded);
  return running;
}

} // namespace roomcast
