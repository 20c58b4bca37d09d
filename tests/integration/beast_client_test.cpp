// Integration test with a C++ client: Boost.Beast's websocket::stream against
// the real roomcast binary (argv[1]). Starts the server on 127.0.0.1:0 with a
// temporary data directory, drives one conference room with three clients, a
// signaling room (/ws) with two peers and a shop live session (an admin and
// two customers on ws://HOST/), then stops it with SIGTERM and expects close
// code 1001 and exit code 0.
//
// Prints one line per check and `N passed, M failed`; exits non-zero on any
// failure.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/src.hpp> // header-only Boost.JSON: this is the only TU
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

extern char** environ;

namespace {

constexpr auto io_timeout = 5s;

// -- checks -------------------------------------------------------------------

int passed = 0;
int failed = 0;

void check(bool ok, const std::string& what) {
  (ok ? passed : failed)++;
  std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
}

struct test_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// -- the server process ---------------------------------------------------------

class server_process {
public:
  explicit server_process(std::string binary) : binary_(std::move(binary)) {}

  ~server_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0)
      ::close(out_fd_);
    if (!data_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(data_dir_, ec);
    }
  }

  /// Forks and execs the binary; returns once it printed its listening line.
  void start() {
    char dir[] = "/tmp/roomcast-beast-XXXXXX";
    if (!::mkdtemp(dir))
      throw std::runtime_error("mkdtemp failed");
    data_dir_ = dir;
    int fds[2];
    if (::pipe(fds) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      // The server reads ROOMCAST_* and the contracts' variables as
      // settings: keep the caller's out.
      static const char* const contract_names[] = {"NODE_ENV", "WS_HEARTBEAT_INTERVAL", "JWT_SECRET", "STUN_URLS",
                                                   "TURN_URL", "TURN_USERNAME", "TURN_CREDENTIAL", "CLIENT_URL",
                                                   "FRONTEND_URL", "WS_NAMESPACE", "WS_ENABLE_METRICS",
                                                   "WS_ENABLE_HEARTBEAT"};
      std::vector<std::string> names{std::begin(contract_names), std::end(contract_names)};
      for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "ROOMCAST_", 9) == 0)
          names.emplace_back(*e, std::strchr(*e, '=') - *e);
      for (auto& n : names)
        ::unsetenv(n.c_str());
      std::vector<std::string> args{binary_,        "--listen", "127.0.0.1:0", "--data-dir", data_dir_,
                                    "--set",        "server.io_threads=2",      "--set",
                                    "server.actor_threads=2", "--jwt-secret", "beast-secret",
                                    "--set", "shop.chat_per_second=1000", "--set", "shop.chat_burst=1000"};
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary_.c_str(), argv.data());
      std::perror("execv");
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    static const std::regex listening{R"(listening on 127\.0\.0\.1:(\d+))"};
    std::smatch m;
    while (!std::regex_search(out, m, listening)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        throw std::runtime_error("no listening line within 10 s; stdout so far: " + out);
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char buf[256];
      auto n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0)
        throw std::runtime_error("the server exited before listening; stdout: " + out);
      out.append(buf, static_cast<std::size_t>(n));
    }
    port_ = static_cast<unsigned short>(std::stoi(m[1]));
  }

  unsigned short port() const { return port_; }

  void signal_term() {
    if (pid_ > 0)
      ::kill(pid_, SIGTERM);
  }

  /// Waits for the exit: its exit status, -1 on timeout or a signal.
  int wait_exit(std::chrono::seconds timeout = 15s) {
    if (pid_ <= 0)
      return -1;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      auto r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_)
        break;
      if (std::chrono::steady_clock::now() > deadline)
        return -1; // the destructor kills it
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  std::string binary_;
  std::string data_dir_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  unsigned short port_ = 0;
};

// -- a conference client on Beast ---------------------------------------------------

/// Beast's websocket::stream, used step by step: each operation runs on the
/// client's own io_context with a deadline, so a missing frame fails the
/// check instead of hanging the test.
class client {
public:
  /// `key`: "event" for conference events, "type" for shop messages.
  explicit client(std::string name, std::string key = "event")
    : name_(std::move(name)), key_(std::move(key)), ws_(ioc_) {}

  const std::string& name() const { return name_; }

  void connect(unsigned short port, const std::string& room) {
    connect_path(port, "/room/" + room + "/websocket");
  }

  /// Upgrades on any path (signaling lives at /ws, the shop at /).
  void connect_path(unsigned short port, const std::string& path) {
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    run([&](auto done) { ws_.next_layer().async_connect(ep, done); }, "connect");
    run([&](auto done) { ws_.async_handshake("127.0.0.1:" + std::to_string(port), path, done); }, "handshake");
  }

  void send_json(const json::object& o) { send_text(json::serialize(o)); }

  void send_text(const std::string& text) {
    ws_.text(true);
    run([&](auto done) { ws_.async_write(net::buffer(text), done); }, "write");
  }

  void send(const std::string& event, json::object data = {}) {
    json::object o;
    o["event"] = event;
    o["data"] = std::move(data);
    send_text(json::serialize(o));
  }

  /// The next event named `event` (earlier other events stay queued): its
  /// data (conference), or the whole message (signaling, shop).
  json::object next(const std::string& event) {
    for (auto i = pending_.begin(); i != pending_.end(); ++i)
      if (event_of(*i) == event) {
        auto data = body_of(*i);
        pending_.erase(i);
        return data;
      }
    for (;;) {
      auto msg = read_one();
      if (event_of(msg) == event)
        return body_of(msg);
      pending_.push_back(std::move(msg));
    }
  }

  /// True if an event of this name arrived and was not consumed.
  bool has_pending(const std::string& event) const {
    for (auto& m : pending_)
      if (event_of(m) == event)
        return true;
    return false;
  }

  /// Reads until the server closes; returns its close code (0: no close frame).
  int wait_close() {
    for (;;) {
      beast::flat_buffer buf;
      beast::error_code ec = try_run([&](auto done) { ws_.async_read(buf, done); });
      if (ec == websocket::error::closed)
        return ws_.reason().code;
      if (ec)
        return 0;
    }
  }

private:
  std::string event_of(const json::object& msg) const {
    auto* e = msg.if_contains(key_);
    return e && e->is_string() ? std::string{e->as_string()} : std::string{};
  }

  json::object body_of(json::object& msg) const {
    return key_ == "event" ? msg["data"].as_object() : msg;
  }

  json::object read_one() {
    beast::flat_buffer buf;
    run([&](auto done) { ws_.async_read(buf, done); }, "read");
    auto text = beast::buffers_to_string(buf.data());
    json::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object() || !v.as_object().contains(key_ == "event" ? "data" : "type"))
      throw test_failure(name_ + ": not a " + (key_ == "event" ? "conference event: " : "{type} message: ") + text);
    return v.as_object();
  }

  template <class Start>
  beast::error_code try_run(Start&& start) {
    beast::error_code result;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(io_timeout);
    if (!done) {
      beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run();
      return net::error::timed_out;
    }
    return result;
  }

  template <class Start>
  void run(Start&& start, const char* what) {
    if (auto ec = try_run(std::forward<Start>(start)))
      throw test_failure(name_ + ": " + what + " failed: " + ec.message());
  }

  std::string name_;
  std::string key_; ///< the envelope's name field: "event" (conference) or "type" (shop)
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  std::deque<json::object> pending_;
};

std::string str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string{v->as_string()} : std::string{"<missing>"};
}

bool flag(const json::object& o, const char* key, bool expected) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool() == expected;
}

std::vector<std::string> strings(const json::object& o, const char* key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key); v && v->is_array())
    for (auto& x : v->as_array())
      out.push_back(x.is_string() ? std::string{x.as_string()} : "<not a string>");
  return out;
}

// -- the scenario ---------------------------------------------------------------------

void scenario(server_process& server, client& a, client& b, client& c) {
  const std::string room = "beast-room";
  auto port = server.port();

  // join -> peers, then chat-history; the first joiner is host.
  a.connect(port, room);
  a.send("join", {{"peerId", "beast_a"}, {"username", "Alice"}});
  auto pa = a.next("peers");
  check(str(pa, "yourId") == "beast_a", "join: peers.yourId is the requested peerId");
  check(flag(pa, "isHost", true) && str(pa, "hostId") == "beast_a", "join: the first joiner is host");
  check(strings(pa, "peers").empty(), "join: nobody else is in the room yet");
  check(flag(pa, "roomLocked", false) && flag(pa, "chatEnabled", true), "join: room unlocked, chat enabled");
  check(str(pa, "resumeToken").size() == 32, "join: a resumeToken comes with peers");
  auto ha = a.next("chat-history");
  check(ha.contains("messages") && ha["messages"].is_array() && ha["messages"].as_array().empty(),
        "join: chat-history follows with no messages");

  b.connect(port, room);
  b.send("join", {{"peerId", "beast_b"}, {"username", "Bob"}});
  auto pb = b.next("peers");
  check(flag(pb, "isHost", false) && str(pb, "hostId") == "beast_a", "second joiner: not host, hostId is Alice");
  check(strings(pb, "peers") == std::vector<std::string>{"beast_a"}, "second joiner: peers lists Alice");
  b.next("chat-history");
  auto j1 = a.next("peer-joined");
  check(str(j1, "peerId") == "beast_b" && str(j1, "username") == "Bob", "Alice gets peer-joined for Bob");

  c.connect(port, room);
  c.send("join", {{"peerId", "beast_c"}, {"username", "Carol"}});
  auto pc = c.next("peers");
  check(strings(pc, "peers") == std::vector<std::string>{"beast_a", "beast_b"}, "third joiner: peers in join order");
  c.next("chat-history");
  check(str(a.next("peer-joined"), "peerId") == "beast_c", "Alice gets peer-joined for Carol");
  check(str(b.next("peer-joined"), "peerId") == "beast_c", "Bob gets peer-joined for Carol");

  // offer: only to its target, with the sender's real peerId.
  a.send("offer", {{"peerId", "beast_c"}, {"targetPeerId", "beast_b"}, {"sdp", "v=0 offer"}});
  auto offer = b.next("offer");
  check(str(offer, "peerId") == "beast_a", "offer: relayed with the sender's peerId, not the spoofed one");
  check(str(offer, "targetPeerId") == "beast_b" && str(offer, "sdp") == "v=0 offer", "offer: target and sdp intact");
  // A broadcast after the offer reaches Carol after anything sent before it.
  a.send("chat-message", {{"message", "after the offer"}});
  for (auto* x : {&a, &b, &c})
    check(str(x->next("chat-message"), "message") == "after the offer", x->name() + " gets the chat after the offer");
  check(!c.has_pending("offer") && !a.has_pending("offer"), "offer: nobody but its target received it");

  // Chat broadcast: everyone, sender included, in send order.
  constexpr int n = 50;
  for (int i = 0; i < n; ++i)
    b.send("chat-message", {{"message", "msg " + std::to_string(i)}});
  for (auto* x : {&a, &b, &c}) {
    bool in_order = true;
    std::string first_bad;
    for (int i = 0; i < n; ++i) {
      auto m = x->next("chat-message");
      if (str(m, "message") != "msg " + std::to_string(i) || str(m, "peerId") != "beast_b") {
        in_order = false;
        if (first_bad.empty())
          first_bad = str(m, "message");
      }
    }
    check(in_order, x->name() + " received all " + std::to_string(n) + " chat messages in order"
                      + (first_bad.empty() ? "" : " (first unexpected: " + first_bad + ")"));
  }

  // Bad input: an error event, and the same connection keeps working.
  c.send_text("{this is not json");
  auto err = c.next("error");
  check(str(err, "code") == "INVALID_JSON", "invalid JSON: error event with code INVALID_JSON");
  c.send("chat-message", {{"message", "still here"}});
  for (auto* x : {&a, &b, &c})
    check(str(x->next("chat-message"), "message") == "still here",
          x->name() + " gets Carol's chat after her invalid JSON");
  c.send("no-such-event", {});
  check(str(c.next("error"), "code") == "UNKNOWN_EVENT", "unknown event: error event with code UNKNOWN_EVENT");
}

/// The signaling dialect on /ws: two peers join, an offer is relayed with
/// fromPeerId taken from the sender's connection.
void signaling_scenario(server_process& server, client& d, client& e) {
  auto port = server.port();
  d.connect_path(port, "/ws");
  d.send_text(R"({"type":"join-room","roomId":"beast-sig","peerId":"sig_d","displayName":"Dora",)"
              R"("mediaState":{"audio":true,"video":false,"screen":false},"timestamp":1})");
  auto jd = d.next("room-joined");
  check(str(jd, "peerId") == "sig_d" && jd["peers"].as_array().empty(), "signaling: room-joined, nobody else yet");
  check(jd["iceServers"].is_array() && jd["timestamp"].is_int64(), "signaling: room-joined has iceServers and a timestamp");
  e.connect_path(port, "/ws");
  e.send_text(R"({"type":"join-room","roomId":"beast-sig","peerId":"sig_e","displayName":"Eve"})");
  auto je = e.next("room-joined");
  auto& peers = je["peers"].as_array();
  check(peers.size() == 1 && str(peers[0].as_object(), "peerId") == "sig_d", "signaling: the second peer sees the first");
  check(str(d.next("peer-joined"), "peerId") == "sig_e", "signaling: the first peer gets peer-joined");
  e.send_text(R"({"type":"offer","roomId":"beast-sig","fromPeerId":"sig_d","toPeerId":"sig_d",)"
              R"("offer":{"type":"offer","sdp":"v=0 beast"}})");
  auto offer = d.next("offer");
  check(str(offer, "fromPeerId") == "sig_e", "signaling: offer relayed with fromPeerId from the connection, not the payload");
  check(offer["offer"].is_object() && str(offer["offer"].as_object(), "sdp") == "v=0 beast", "signaling: the SDP object is intact");
  e.send_text("{not json");
  check(str(e.next("error"), "code") == "INVALID_MESSAGE", "signaling: invalid JSON answers INVALID_MESSAGE");
}

// -- the shop dialect on ws://HOST/ ----------------------------------------------------

std::string base64url(const std::string& in) {
  std::string out((in.size() + 2) / 3 * 4 + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (auto& ch : out)
    ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  return out;
}

/// An HS256 JWT signed with the server's --jwt-secret.
std::string sign(const json::object& claims) {
  auto head = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(json::serialize(claims));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string key = "beast-secret";
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(head.data()),
       head.size(), mac, &len);
  return head + "." + base64url(std::string(reinterpret_cast<char*>(mac), len));
}

std::int64_t num(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : -1;
}

void shop_scenario(server_process& server, client& admin, client& ann, client& bob) {
  auto exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() + 600;
  for (auto* x : {&admin, &ann, &bob})
    x->connect_path(server.port(), x == &bob ? "/shop" : "/");

  admin.send_json({{"type", "register_admin"}, {"userId", "spoofed"}});
  check(str(admin.next("error"), "message") == "Token required", "shop: register_admin without a token: Token required");
  admin.send_json({{"type", "register_admin"},
                   {"token", sign({{"sub", "admin-1"}, {"name", "Grace"}, {"role", "admin"}, {"exp", exp}})}});
  check(str(admin.next("admin_registered"), "userId") == "admin-1", "shop: admin_registered with the token's userId");
  admin.send_json({{"type", "stream_start"}, {"title", "Launch"}, {"quality", "1080p"}});
  auto started = admin.next("stream_started");
  check(str(started["streamData"].as_object(), "title") == "Launch", "shop: stream_start over WebSocket is broadcast");

  ann.send_text("{oops");
  check(str(ann.next("error"), "message") == "Invalid message format", "shop: bad JSON: Invalid message format");
  ann.send_json({{"type", "register"}, {"sessionId", "sess-ann"}});
  check(str(ann.next("registered"), "status") == "connected", "shop: register answers registered/connected");
  auto state = ann.next("stream_started");
  check(num(state["streamData"].as_object(), "viewerCount") == 1, "shop: a newcomer gets the live state (1 viewer)");
  ann.next("chat_history");
  bob.send_json({{"type", "register"}, {"sessionId", "sess-bob"}});
  bob.next("registered");
  check(num(bob.next("stream_started")["streamData"].as_object(), "viewerCount") == 2, "shop: viewerCount counts Bob");

  ann.send_json({{"type", "toggle_like"}, {"userId", "someone-else"}});
  auto like = bob.next("stream_update");
  while (num(like, "likes") != 1)
    like = bob.next("stream_update");
  check(strings(like, "likedBy") == std::vector<std::string>{"sess-ann"}, "shop: a like counts the session, not the payload");

  bob.send_json({{"type", "chat_message"}, {"username", "Bob"}, {"isAdmin", true}, {"message", "<b>hi</b>"}});
  auto chat = ann.next("chat_message");
  check(!flag(chat, "isAdmin", true) && str(chat, "message") == "&lt;b&gt;hi&lt;/b&gt;",
        "shop: chat isAdmin from the connection, text HTML-escaped");

  ann.send_json({{"type", "customer_message"}, {"message", "Where is my order?"}});
  auto cm = admin.next("customer_message");
  check(str(cm, "sessionId") == "sess-ann" && str(cm, "message") == "Where is my order?",
        "shop: customer_message reaches the admin");
  admin.send_json({{"type", "staff_message"}, {"sessionId", "sess-ann"}, {"content", "On its way"}});
  check(str(ann.next("staff_reply"), "message") == "On its way", "shop: staff_message reaches the customer");

  ann.send_json({{"type", "ping"}});
  ann.next("pong");
  check(true, "shop: ping answers pong");
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " PATH_TO_ROOMCAST\n";
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  server_process server{argv[1]};
  try {
    server.start();
    std::cout << "roomcast listening on port " << server.port() << std::endl;
    client a{"Alice"}, b{"Bob"}, c{"Carol"}, d{"Dora", "type"}, e{"Eve", "type"};
    try {
      scenario(server, a, b, c);
    } catch (const std::exception& e) {
      check(false, std::string{"scenario aborted: "} + e.what());
    }
    try {
      signaling_scenario(server, d, e);
    } catch (const std::exception& ex) {
      check(false, std::string{"signaling scenario aborted: "} + ex.what());
    }
    client admin{"ShopAdmin", "type"}, ann{"Ann", "type"}, bob{"ShopBob", "type"};
    try {
      shop_scenario(server, admin, ann, bob);
    } catch (const std::exception& e) {
      check(false, std::string{"shop scenario aborted: "} + e.what());
    }
    // The clients answer the server's close while it shuts down.
    server.signal_term();
    for (auto* x : {&a, &b, &c, &d, &e, &admin, &ann, &bob})
      check(x->wait_close() == 1001, x->name() + " is closed with 1001 on SIGTERM");
    int rc = server.wait_exit();
    check(rc == 0, "SIGTERM: the server exits with code 0 (got " + std::to_string(rc) + ")");
  } catch (const std::exception& e) {
    check(false, std::string{"setup failed: "} + e.what());
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 && passed > 0 ? 0 : 1;
}
