// limit_server: the ceiling roomcast is measured against. The conference
// dialect's join and chat broadcast with nothing else: one thread, no actors,
// no JSON parse beyond finding the fields it needs, each broadcast frame built
// once and shared. Writes wait for the end of the current batch of events:
// every socket with queued frames is then written once, with one gathered
// non-blocking write (roomcast's gateway does the same per I/O thread).
// Usage: limit_server [--listen 127.0.0.1:PORT]   (port 0 = a free port)

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/uuid/detail/sha1.hpp>
#include <sys/resource.h>

#include "loadgen/dialect.hpp"
#include "ws_frame.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using frame_ptr = std::shared_ptr<const std::string>;

namespace {

constexpr std::size_t max_message = 1 << 20;
constexpr std::size_t max_queue_bytes = 64u << 20; // a client this far behind is dropped

frame_ptr make_frame(std::string_view json) {
  auto f = std::make_shared<std::string>();
  bench::ws::append_frame(*f, bench::ws::op_text, json, false);
  return f;
}

std::string accept_key(std::string_view key) {
  boost::uuids::detail::sha1 h;
  const std::string in = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  h.process_bytes(in.data(), in.size());
  boost::uuids::detail::sha1::digest_type d;
  h.get_digest(d);
  unsigned char bytes[20];
  for (int i = 0; i < 5; ++i)
    for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<unsigned char>(d[i] >> (24 - 8 * b));
  return bench::ws::base64(bytes, 20);
}

std::string_view header_value(std::string_view req, std::string_view name) {
  std::size_t pos = req.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < req.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = req.find("\r\n", start);
    const std::string_view line = req.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const auto colon = line.find(':');
    if (colon == name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0) {
      auto v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    }
    pos = end;
  }
  return {};
}

class session;

struct room {
  std::vector<session*> members;
  std::string host;
};

std::unordered_map<std::string, room> rooms;
std::uint64_t next_message_id = 1;

// Sessions with frames to write; one posted handler writes them all.
std::vector<std::shared_ptr<session>> dirty;
asio::io_context* loop = nullptr;
void flush_dirty();

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket s) : sock_(std::move(s)) {}

  void start() {
    boost::system::error_code ignored;
    sock_.non_blocking(true, ignored);
    read();
  }

  void send(const frame_ptr& f) {
    if (closed_) return;
    queued_bytes_ += f->size();
    if (queued_bytes_ > max_queue_bytes) return close();
    queue_.push_back(f);
    if (writing_ || dirty_) return;
    dirty_ = true;
    if (dirty.empty()) asio::post(*loop, flush_dirty);
    dirty.push_back(shared_from_this());
  }

  // Writes until everything queued is out or the socket is full.
  void flush() {
    dirty_ = false;
    while (!closed_ && (!queue_.empty() || !inflight_.empty())) {
      if (inflight_.empty()) {
        inflight_.swap(queue_);
        next_ = offset_ = 0;
      }
      // From the first frame not fully written; Asio takes 64 pieces per call.
      bufs_.clear();
      for (std::size_t i = next_; i < inflight_.size() && bufs_.size() < 64; ++i)
        bufs_.emplace_back(inflight_[i]->data() + (i == next_ ? offset_ : 0),
                           inflight_[i]->size() - (i == next_ ? offset_ : 0));
      boost::system::error_code ec;
      std::size_t n = sock_.write_some(bufs_, ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        writing_ = true;
        sock_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](const boost::system::error_code& wec) {
          self->writing_ = false;
          if (wec) return self->close();
          self->flush();
        });
        return;
      }
      if (ec) return close();
      queued_bytes_ -= n;
      while (n > 0) {
        const std::size_t left = inflight_[next_]->size() - offset_;
        if (n < left) {
          offset_ += n;
          break;
        }
        n -= left;
        ++next_;
        offset_ = 0;
      }
      if (next_ == inflight_.size()) inflight_.clear();
    }
    if (closing_ && !closed_) close();
  }

private:
  // Reads land in one buffer shared by all sessions (one thread), so an idle
  // socket costs no buffer; only an incomplete frame is kept per session.
  void read() {
    sock_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (ec || closed_) return close();
    static std::vector<char> shared(256 * 1024);
    boost::system::error_code rec;
    const std::size_t n = sock_.read_some(asio::buffer(shared), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) return read();
    if (rec) return close();
    char* data = shared.data();
    std::size_t len = n;
    if (!pending_.empty()) {
      pending_.append(shared.data(), n);
      data = pending_.data();
      len = pending_.size();
    }
    const std::size_t used = consume(data, len);
    if (closed_) return;
    if (data == shared.data()) {
      pending_.assign(data + used, len - used);
    } else {
      pending_.erase(0, used);
    }
    if (pending_.size() > max_message + 16) return close();
    if (n == shared.size()) {
      // More may be waiting, and the reactor is edge-triggered: read again
      // after the other sessions instead of waiting for an edge.
      asio::post(sock_.get_executor(), [self = shared_from_this()] { self->on_readable({}); });
      return;
    }
    read();
  }

  std::size_t consume(char* data, std::size_t len) {
    std::size_t off = 0;
    if (!upgraded_) {
      const std::string_view req(data, len);
      const auto end = req.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (len > 16384) close();
        return 0;
      }
      if (!upgrade(req.substr(0, end + 4))) return len;
      off = end + 4;
    }
    // Every complete frame this read brought.
    while (off < len && !closed_) {
      bench::ws::frame f;
      std::size_t used = 0;
      const auto st = bench::ws::parse_frame(data + off, len - off, max_message, f, used);
      if (st == bench::ws::parse_status::incomplete) break;
      if (st != bench::ws::parse_status::complete) {
        close();
        return len;
      }
      off += used;
      on_frame(f);
    }
    return off;
  }

  bool upgrade(std::string_view req) {
    // GET /room/{roomId}/websocket HTTP/1.1
    constexpr std::string_view prefix = "GET /room/";
    const auto path_end = req.find(' ', prefix.size());
    const auto ws_suffix = req.find("/websocket", prefix.size());
    const auto key = header_value(req, "Sec-WebSocket-Key");
    if (req.substr(0, prefix.size()) != prefix || ws_suffix == std::string_view::npos || ws_suffix > path_end ||
        key.empty()) {
      auto self = shared_from_this();
      auto resp = std::make_shared<std::string>("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      asio::async_write(sock_, asio::buffer(*resp), [self, resp](auto, auto) { self->close(); });
      closed_ = true;
      return false;
    }
    room_id_ = std::string(req.substr(prefix.size(), ws_suffix - prefix.size()));
    upgraded_ = true;
    send(std::make_shared<const std::string>("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                             "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                                             accept_key(key) + "\r\n\r\n"));
    return true;
  }

  void on_frame(const bench::ws::frame& f) {
    switch (f.opcode) {
    case bench::ws::op_text: on_text(f.payload); break;
    case bench::ws::op_ping: {
      std::string p;
      bench::ws::append_frame(p, bench::ws::op_pong, f.payload, false);
      send(std::make_shared<const std::string>(std::move(p)));
      break;
    }
    case bench::ws::op_close: {
      std::string p;
      bench::ws::append_frame(p, bench::ws::op_close, f.payload.substr(0, 2), false);
      send(std::make_shared<const std::string>(std::move(p)));
      closing_ = true;
      break;
    }
    default: break;
    }
  }

  void on_text(std::string_view m) {
    const auto ev = bench::text::conference_event(m);
    if (ev == "chat-message") {
      if (!joined_) return;
      const auto text = bench::text::string_field(m, R"("message")");
      const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
      std::string json;
      json.reserve(text.size() + peer_id_.size() + username_.size() + 128);
      json.append(R"({"event":"chat-message","data":{"id":"msg_)").append(std::to_string(next_message_id++))
          .append(R"(","username":")").append(username_).append(R"(","message":")").append(text)
          .append(R"(","timestamp":)").append(std::to_string(ts)).append(R"(,"peerId":")").append(peer_id_)
          .append(R"("}})");
      const auto f = make_frame(json); // once, for every member
      for (auto* s : room_->members) s->send(f);
    } else if (ev == "join") {
      if (joined_) return;
      peer_id_ = std::string(bench::text::string_field(m, R"("peerId")"));
      username_ = std::string(bench::text::string_field(m, R"("username")"));
      if (peer_id_.empty()) peer_id_ = "peer_" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
      auto& r = rooms[room_id_];
      room_ = &r; // map nodes stay put until the room empties
      if (r.members.empty()) r.host = peer_id_;
      std::string peers = R"({"event":"peers","data":{"yourId":")" + peer_id_ + R"(","peers":[)";
      for (std::size_t i = 0; i < r.members.size(); ++i) {
        if (i) peers += ',';
        peers.append("\"").append(r.members[i]->peer_id_).append("\"");
      }
      peers += R"(],"isHost":)" + std::string(r.host == peer_id_ ? "true" : "false") + R"(,"hostId":")" + r.host +
               R"(","roomLocked":false}})";
      const auto joined =
          make_frame(R"({"event":"peer-joined","data":{"peerId":")" + peer_id_ + R"(","username":")" + username_ + R"("}})");
      for (auto* s : r.members) s->send(joined);
      index_ = r.members.size();
      r.members.push_back(this);
      joined_ = true;
      send(make_frame(peers));
      send(make_frame(R"({"event":"chat-history","data":{"messages":[]}})"));
    }
  }

  void close() {
    if (joined_) {
      auto it = rooms.find(room_id_);
      if (it != rooms.end()) {
        auto& v = it->second.members;
        // Swap-remove: the moved member takes this one's slot.
        v[index_] = v.back();
        v[index_]->index_ = index_;
        v.pop_back();
        if (v.empty()) rooms.erase(it);
      }
      joined_ = false;
    }
    closed_ = true;
    queue_.clear();
    boost::system::error_code ignored;
    sock_.close(ignored);
  }

  tcp::socket sock_;
  std::string pending_; // an incomplete frame (or request) from the last read
  bool upgraded_ = false, joined_ = false, closed_ = false, closing_ = false, writing_ = false, dirty_ = false;
  std::string room_id_, peer_id_, username_;
  room* room_ = nullptr;
  std::size_t index_ = 0;
  std::size_t queued_bytes_ = 0;
  std::size_t next_ = 0, offset_ = 0; // first frame of inflight_ not fully written, and its bytes out
  std::vector<frame_ptr> queue_, inflight_;
  std::vector<asio::const_buffer> bufs_;
};

void flush_dirty() {
  static std::vector<std::shared_ptr<session>> batch;
  batch.swap(dirty);
  for (auto& s : batch) s->flush();
  batch.clear();
}

void accept_loop(tcp::acceptor& acc) {
  acc.async_accept([&acc](const boost::system::error_code& ec, tcp::socket s) {
    if (!ec) {
      boost::system::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      std::make_shared<session>(std::move(s))->start();
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    accept_loop(acc);
  });
}

} // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--listen") listen = argv[++i];
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "usage: limit_server [--listen HOST:PORT]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max; // tens of thousands of sockets
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  asio::io_context io{1};
  loop = &io;
  tcp::acceptor acc(io);
  const tcp::endpoint ep(asio::ip::make_address(listen.substr(0, colon)),
                         static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
  acc.open(ep.protocol());
  acc.set_option(tcp::acceptor::reuse_address(true));
  acc.bind(ep);
  acc.listen(asio::socket_base::max_listen_connections);
  std::printf("listening on %s:%u\n", ep.address().to_string().c_str(), acc.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, auto) { io.stop(); });
  accept_loop(acc);
  io.run();
  return 0;
}
