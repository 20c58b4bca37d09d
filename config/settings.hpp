#pragma once
// Runtime settings: embedded defaults < roomcast.toml < environment < flags.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roomcast {

struct settings {
  // [server]
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 8080;
  unsigned io_threads = 0;    ///< 0: one per core
  unsigned actor_threads = 0; ///< 0: one per core
  std::string actor_scheduler = "sharing"; ///< CAF policy: sharing | stealing
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t send_queue_bytes = 4 * 1024 * 1024;
  std::size_t max_inflight_commands = 64;
  std::chrono::milliseconds heartbeat_interval{25000};
  std::chrono::milliseconds heartbeat_timeout{60000};
  /// A client must send its whole HTTP request (or upgrade) within this.
  std::chrono::milliseconds request_timeout{30000};
  /// Open TCP connections, HTTP and WebSocket; more are answered 503.
  std::size_t max_connections = 50000;
  /// Open TCP connections from one remote address; more are answered 503.
  std::size_t max_connections_per_ip = 1000;
  /// Connections still in HTTP (not upgraded, request unfinished); more are answered 503.
  std::size_t max_pending_http = 5000;
  /// Rooms one client connection may be in at once; each dialect enforces it.
  std::size_t max_rooms_per_connection = 16;
  /// Origins allowed to call REST routes from a browser ("*": any).
  std::vector<std::string> cors_origins{"*"};
  double rate_limit_per_second = 50.0;
  double rate_limit_burst = 100.0;
  std::string env = "development";

  // [socketio]
  std::string socketio_path = "/socket.io/";
  std::chrono::milliseconds socketio_ping_interval{25000};
  std::chrono::milliseconds socketio_ping_timeout{20000};
  std::size_t socketio_max_payload = 1000000;
  std::chrono::milliseconds socketio_connect_timeout{45000};
  /// Mounts the reference servers of Socket.IO's protocol test suites
  /// (never in production).
  bool socketio_conformance = false;

  // [storage]
  std::string data_dir = "./data";
  bool synchronous_full = true;
  std::chrono::milliseconds snapshot_debounce{200};
  std::chrono::seconds room_idle{300};
  std::chrono::hours room_retention{24 * 7};

  // [auth]
  std::string jwt_secret;
  bool require_token = false; ///< refuse joins without a valid JWT

  // [conference]
  bool conference_escape_html = true; ///< false: names and chat are delivered raw
  std::size_t room_capacity = 100;
  std::size_t chat_history = 100;
  std::size_t max_message_chars = 2000;
  std::size_t max_username_chars = 64;
  std::chrono::seconds host_grace{30};

  // [chatrooms] (protocols/chatrooms.md)
  std::string chat_namespace = "/chat";          ///< WS_NAMESPACE
  bool chat_enable_metrics = true;               ///< WS_ENABLE_METRICS: false hides /websocket/stats
  bool chat_enable_heartbeat = true;             ///< WS_ENABLE_HEARTBEAT: the periodic `ping` event
  std::chrono::milliseconds chat_heartbeat_interval{30000}; ///< WS_HEARTBEAT_INTERVAL
  bool chat_allow_anonymous = false;             ///< the contract requires a JWT
  std::size_t chat_max_content_chars = 2000;
  std::size_t chat_room_history = 50;                ///< messages a room keeps in memory (all stay on disk)
  std::chrono::milliseconds chat_typing_timeout{5000};
  std::chrono::milliseconds chat_presence_grace{1500}; ///< last tab gone this long: userOffline
  bool chat_broadcast_presence = true;           ///< false: no userOnline/userOffline (O(N²) while N connect)
  std::chrono::hours chat_retention{0};          ///< 0: chat rooms are kept for good
  std::chrono::milliseconds chat_rate_window{60000};
  unsigned chat_rate_messages_production = 30;
  unsigned chat_rate_messages_development = 60;
  unsigned chat_rate_joins_production = 10;
  unsigned chat_rate_joins_development = 20;
  unsigned chat_rate_typing_production = 60;
  unsigned chat_rate_typing_development = 120;

  std::string db_path() const;

  friend bool operator==(const settings&, const settings&) = default;
};

/// Result of loading: settings, or an error text for the user (exit 2), or a
/// request to exit 0 after printing help/version.
struct settings_result {
  std::optional<settings> value;
  std::string message;
  int exit_code = 0;
};

/// Parses `argv` (flags), the environment and the TOML file named by
/// `--config` (or ROOMCAST_CONFIG), over the embedded defaults.
settings_result load_settings(int argc, char** argv);

/// Applies one TOML document over `s`; returns an error text or empty.
std::string apply_toml(settings& s, const std::string& toml_text, const std::string& origin);

/// Applies environment variables (ROOMCAST_SECTION_KEY, plus the names the
/// client contracts use: JWT_SECRET, NODE_ENV, WS_HEARTBEAT_INTERVAL, WS_*).
std::string apply_environment(settings& s, char** envp);

} // namespace roomcast
