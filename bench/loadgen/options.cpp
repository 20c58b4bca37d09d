#include "loadgen/options.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

namespace bench {
namespace {

constexpr const char* usage = R"(loadgen: WebSocket load generator for roomcast and the servers it is compared with.

  --target HOST:PORT         server to load (default host 127.0.0.1)
  --dialect conference|socketio|shop
  --scenario fanout|rooms|idle|storm|durable|shop
  --connections N            connections to open (storm: at most N per step)
  --rooms R | --room-size S  how connections are grouped (fanout: one room)
  --rate X                   msgs/s: fanout of the one sender, rooms/durable of every member;
                             storm: connections/s of the first step
  --rate-max Y --rate-factor F   raise the rate by F per step up to Y (stops at saturation)
  --duration S --warmup S --drain S --slo-ms MS --max-steps N
  --threads T                worker threads (at most one per core)
  --server-pid PID           read the server's RSS and CPU time from /proc
  --payload N                characters of chat text per message
  --connect-concurrency N --handshake-timeout S --source-ips N
  --jwt-secret S --namespace NS  (socketio dialect; shop: the admin token's secret)
  --senders N                shop: viewers that chat at --rate each (every 4th message also a like)
  --label NAME --max-seconds S --no-progress
  --tls [--tls-ca FILE]      wss://: TLS on every connection; with a CA file the server
                             certificate is verified, else not
  --deflate                  offer permessage-deflate (as browsers do) and inflate compressed messages
  --prose                    pad chat text with words, compressible like real chat, instead of 'aaa...'

Progress goes to stderr; the result is one JSON line on stdout.
)";

[[noreturn]] void die(const char* what, std::string_view arg) {
  std::fprintf(stderr, "loadgen: %s: %.*s\n\n%s", what, static_cast<int>(arg.size()), arg.data(), usage);
  std::exit(2);
}

double to_double(std::string_view flag, const char* v) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end != '\0' || d < 0) die("bad number for", flag);
  return d;
}

} // namespace

options parse_options(int argc, char** argv) {
  options o;
  bool rooms_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (flag == "--no-progress") {
      o.progress = false;
      continue;
    }
    if (flag == "--tls") {
      o.tls = true;
      continue;
    }
    if (flag == "--deflate") {
      o.deflate = true;
      continue;
    }
    if (flag == "--prose") {
      o.prose = true;
      continue;
    }
    if (i + 1 >= argc) die("missing value for", flag);
    const char* v = argv[++i];
    auto num = [&] { return to_double(flag, v); };
    auto count = [&] { return static_cast<std::uint32_t>(num()); };
    if (flag == "--target") {
      const std::string_view t = v;
      const auto colon = t.rfind(':');
      if (colon == std::string_view::npos) die("expected HOST:PORT for", flag);
      o.host = std::string(t.substr(0, colon));
      o.port = static_cast<std::uint16_t>(std::atoi(std::string(t.substr(colon + 1)).c_str()));
    } else if (flag == "--dialect") {
      if (std::strcmp(v, "conference") == 0) o.dia = dialect::conference;
      else if (std::strcmp(v, "socketio") == 0) o.dia = dialect::socketio;
      else if (std::strcmp(v, "shop") == 0) o.dia = dialect::shop;
      else die("unknown dialect", v);
    } else if (flag == "--scenario") {
      const std::string_view s = v;
      if (s == "fanout") o.scen = scenario::fanout;
      else if (s == "rooms") o.scen = scenario::rooms;
      else if (s == "idle") o.scen = scenario::idle;
      else if (s == "storm") o.scen = scenario::storm;
      else if (s == "durable") o.scen = scenario::durable;
      else if (s == "shop") o.scen = scenario::shop;
      else die("unknown scenario", s);
    } else if (flag == "--label") o.label = v;
    else if (flag == "--connections") o.connections = count();
    else if (flag == "--rooms") { o.rooms = count(); rooms_given = true; }
    else if (flag == "--room-size") o.room_size = count();
    else if (flag == "--rate") o.rate = num();
    else if (flag == "--tls-ca") {
      o.tls = true;
      o.tls_ca = v;
    } else if (flag == "--rate-max") o.rate_max = num();
    else if (flag == "--rate-factor") o.rate_factor = num();
    else if (flag == "--duration") o.duration = num();
    else if (flag == "--warmup") o.warmup = num();
    else if (flag == "--drain") o.drain = num();
    else if (flag == "--slo-ms") o.slo_ms = num();
    else if (flag == "--max-steps") o.max_steps = count();
    else if (flag == "--threads") o.threads = count();
    else if (flag == "--server-pid") o.server_pid = static_cast<pid_t>(num());
    else if (flag == "--payload") o.payload = count();
    else if (flag == "--connect-concurrency") o.connect_concurrency = count();
    else if (flag == "--handshake-timeout") o.handshake_timeout = num();
    else if (flag == "--source-ips") o.source_ips = count();
    else if (flag == "--max-seconds") o.max_seconds = num();
    else if (flag == "--jwt-secret") o.jwt_secret = v;
    else if (flag == "--namespace") o.ns = v;
    else if (flag == "--senders") o.senders = count();
    else die("unknown flag", flag);
  }
  if (o.port == 0) die("required:", "--target HOST:PORT");
  if (o.connections == 0) die("need at least one connection:", "--connections");
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  o.threads = std::clamp(o.threads, 1u, cores);
  o.source_ips = std::clamp(o.source_ips, 1u, 250u);
  o.payload = std::clamp(o.payload, 24u, 1900u);
  o.max_steps = std::clamp(o.max_steps, 1u, 16u);
  if (o.rate_factor <= 1.0) o.rate_factor = 2.0;
  if (o.rate_max < o.rate) o.rate_max = o.rate;
  if (o.connect_concurrency == 0) o.connect_concurrency = 1;
  if (o.scen == scenario::fanout || o.scen == scenario::shop) {
    o.rooms = 1;
    o.room_size = o.connections;
  } else if (rooms_given && o.rooms > 0) {
    o.room_size = (o.connections + o.rooms - 1) / o.rooms;
  } else {
    if (o.room_size == 0) o.room_size = 1;
    o.rooms = (o.connections + o.room_size - 1) / o.room_size;
  }
  return o;
}

const char* to_string(dialect d) {
  return d == dialect::conference ? "conference" : d == dialect::socketio ? "socketio" : "shop";
}

const char* to_string(scenario s) {
  switch (s) {
  case scenario::fanout: return "fanout";
  case scenario::rooms: return "rooms";
  case scenario::idle: return "idle";
  case scenario::storm: return "storm";
  case scenario::durable: return "durable";
  case scenario::shop: return "shop";
  }
  return "?";
}

} // namespace bench
