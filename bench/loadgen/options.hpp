#pragma once
// Command line of the load generator.

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace bench {

enum class dialect { conference, socketio, shop };
enum class scenario { fanout, rooms, idle, storm, durable, shop };

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  dialect dia = dialect::conference;
  scenario scen = scenario::fanout;
  std::string label;                 ///< server name echoed into the JSON result
  std::uint32_t connections = 100;
  std::uint32_t rooms = 0;           ///< 0: derived from room_size (fanout: 1)
  std::uint32_t room_size = 10;
  double rate = 10;                  ///< msgs/s (fanout: of the one sender; rooms/durable: per member); storm: connections/s
  double rate_max = 0;               ///< > rate: raise the rate step by step up to this
  double rate_factor = 2;
  double duration = 5;               ///< seconds per measured step (idle: seconds idle)
  double warmup = 1;                 ///< seconds of sending before the first step is measured
  double drain = 3;                  ///< at most this long waiting for stragglers after a step
  double slo_ms = 100;               ///< a step whose p99 exceeds this is past saturation
  std::uint32_t max_steps = 12;
  std::uint32_t threads = 1;
  pid_t server_pid = 0;
  std::uint32_t payload = 48;        ///< characters of chat text
  std::uint32_t connect_concurrency = 256;
  double handshake_timeout = 10;     ///< seconds for connect + upgrade + join
  std::uint32_t source_ips = 4;      ///< 127.0.0.1 .. 127.0.0.N as local addresses
  double max_seconds = 600;          ///< hard stop for the whole run
  std::string jwt_secret = "roomcast-bench-secret";
  std::string ns = "/chat";          ///< Socket.IO namespace
  std::uint32_t senders = 10;        ///< shop: viewers that chat (and like), each at `rate`
  bool progress = true;
  bool tls = false;                  ///< wss:// (TLS over each connection)
  std::string tls_ca;                ///< PEM CA to verify the server with; empty: no verification
  bool deflate = false;              ///< offer permessage-deflate; inflate what arrives compressed
  bool prose = false;                ///< pad chat text with words (compresses like real chat), not one letter
};

/// Parses argv; prints usage and exits on --help or a bad flag.
options parse_options(int argc, char** argv);

const char* to_string(dialect d);
const char* to_string(scenario s);

} // namespace bench
