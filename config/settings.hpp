#pragma once
// Runtime settings: embedded defaults < roomcast.toml < environment < flags.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt_policy.hpp"

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
  /// At shutdown, how long clients get to read what is queued for them
  /// before their sockets are cut.
  std::chrono::milliseconds drain_timeout{5000};
  /// A client must send its whole HTTP request (or upgrade) within this.
  std::chrono::milliseconds request_timeout{30000};
  /// PEM files; with both set the listener speaks TLS only (https://,
  /// wss://). The certificate file may hold the chain after the leaf.
  /// Reloaded at SIGHUP.
  std::string tls_cert;
  std::string tls_key;
  /// Open TCP connections, HTTP and WebSocket; more are answered 503.
  std::size_t max_connections = 50000;
  /// Open TCP connections from one remote address; more are answered 503.
  std::size_t max_connections_per_ip = 1000;
  /// Connections still in HTTP (not upgraded, request unfinished); more are answered 503.
  std::size_t max_pending_http = 5000;
  /// Rooms one client connection may be in at once; each dialect enforces it.
  std::size_t max_rooms_per_connection = 16;
  /// Browser origins allowed to open WebSockets, poll Engine.IO and call
  /// REST routes ("*": any). The same origin as the Host always is. "auto":
  /// any in development and test, only the same origin in production.
  std::vector<std::string> cors_origins{"auto"};
  double rate_limit_per_second = 50.0;
  double rate_limit_burst = 100.0;
  std::string env = "development";
  /// spdlog level: trace | debug | info | warn | error | critical | off
  /// (SPDLOG_LEVEL in the environment wins).
  std::string log_level = "info";
  /// permessage-deflate (RFC 7692): offered to clients that ask for it.
  bool deflate = true;
  /// Outbound messages smaller than this go uncompressed.
  std::size_t deflate_threshold = 256;
  /// zlib level (1 fastest .. 9 smallest) and memory level (1..9) of the
  /// compressor; a broadcast is compressed once, not per recipient.
  int deflate_level = 6;
  int deflate_mem_level = 8;
  /// Largest LZ77 window (bits, 9..15) a client may compress with: the
  /// inflater needs 2^bits bytes while it inflates.
  int deflate_client_window_bits = 15;
  /// false: clients are asked for client_no_context_takeover, so an
  /// inflater is needed only while a message is inflated and idle clients
  /// hold none; true: each client keeps its own inflater (2^bits + ~7 KiB)
  /// for its connection's life, for better compression of what it sends.
  bool deflate_client_context_takeover = false;

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
  std::string jwt_issuer;     ///< tokens must carry this `iss`; empty: not checked
  std::string jwt_audience;   ///< tokens' `aud` must name this; empty: not checked
  std::chrono::seconds jwt_leeway{0}; ///< clock skew allowed on `exp` and `nbf`

  // [conference]
  bool conference_escape_html = true; ///< false: names and chat are delivered raw
  std::vector<std::string> conference_origins; ///< empty: server.cors_origins
  std::size_t room_capacity = 100;
  std::size_t chat_history = 100;
  std::size_t max_message_chars = 2000;
  std::size_t max_username_chars = 64;
  std::chrono::seconds host_grace{30};

  // [signaling]
  bool signaling_auto_create_rooms = true; ///< join-room to an unknown room creates it
  std::uint32_t signaling_default_max_participants = 10;
  std::uint32_t signaling_max_participants_cap = 100; ///< POST /api/rooms maxParticipants upper bound
  std::size_t signaling_sfu_threshold = 4; ///< more participants: connectionMode "sfu"
  std::string signaling_join_link_base = "http://localhost:3000/meeting";
  std::vector<std::string> signaling_stun_urls{"stun:stun.l.google.com:19302"}; ///< STUN_URLS
  std::string signaling_turn_url;        ///< TURN_URL
  std::string signaling_turn_username;   ///< TURN_USERNAME
  std::string signaling_turn_credential; ///< TURN_CREDENTIAL
  std::string signaling_turn_secret;     ///< set: TURN REST credentials (coturn use-auth-secret)
  std::chrono::seconds signaling_turn_ttl{86400};
  bool signaling_require_auth = false; ///< with auth.jwt_secret: the upgrade needs ?token=
  bool signaling_escape_html = true;
  std::chrono::hours signaling_room_retention{24 * 7};
  // [admin] and [metrics]: the operator's console and /metrics
  std::string admin_enabled = "auto"; ///< "auto" (on unless env is production), "true", "false"
  std::string admin_listen;           ///< "" = the main port; HOST:PORT: the console and /metrics there
  bool metrics_enabled = true;
  /// Whether the admin console and its API are served.
  bool admin_on() const { return admin_enabled == "auto" ? env != "production" : admin_enabled == "true"; }
  // [shop]
  bool shop_escape_html = true;         ///< chat, names and support text HTML-escaped on output
  std::size_t shop_chat_history = 50;   ///< stream chat messages a newcomer gets
  std::size_t shop_max_message_chars = 500;
  std::size_t shop_max_username_chars = 64;
  double shop_chat_per_second = 2.0;    ///< per connection: chat_message
  double shop_chat_burst = 5.0;
  double shop_likes_per_second = 2.0;   ///< per connection: toggle_like
  double shop_likes_burst = 5.0;
  double shop_support_per_second = 1.0; ///< per connection: customer_message / staff_message
  double shop_support_burst = 5.0;
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
  /// How client and admin tokens are checked (auth.*).
  jwt_policy jwt() const { return {jwt_secret, jwt_issuer, jwt_audience, jwt_leeway.count()}; }

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

/// Sets `s`'s listen host and port from "HOST:PORT"; returns an error text or empty.
std::string apply_listen(settings& s, const std::string& host_port);

/// Applies one TOML document over `s`; returns an error text or empty.
std::string apply_toml(settings& s, const std::string& toml_text, const std::string& origin);

/// Applies environment variables (ROOMCAST_SECTION_KEY, plus the names the
/// client contracts use: JWT_SECRET, NODE_ENV, WS_HEARTBEAT_INTERVAL, WS_*).
std::string apply_environment(settings& s, char** envp);

} // namespace roomcast
