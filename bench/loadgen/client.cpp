#include "loadgen/client.hpp"

#include <cctype>
#include <chrono>
#include <cstring>
#include <netinet/in.h>

#include <boost/asio/write.hpp>

#include "loadgen/dialect.hpp"
#include "loadgen/jwt.hpp"

namespace bench {

namespace {
const auto start_time = std::chrono::steady_clock::now();
constexpr std::size_t max_frame = 64u << 20;
constexpr std::size_t max_backlog = 16u << 20;
constexpr std::size_t read_chunk = 256u << 10;
} // namespace

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_time)
      .count();
}

// -- connection ---------------------------------------------------------------

connection::connection(worker& w, std::uint32_t index, std::uint32_t room)
    : w_(w), sock_(w.io()), index_(index), room_(room) {}

void connection::start(std::uint32_t source_ip) {
  auto& c = w_.stats();
  bump(c.attempted);
  deadline_us_ = now_us() + static_cast<std::int64_t>(w_.opt().handshake_timeout * 1e6);
  st_ = state::connecting;
  boost::system::error_code ec;
  sock_.open(tcp::v4(), ec);
  if (!ec && source_ip > 0) {
    // Several loopback source addresses multiply the ephemeral ports; the port
    // is picked at connect() time so each address gets its own range.
    int one = 1;
    ::setsockopt(sock_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sock_.bind(tcp::endpoint(asio::ip::address_v4(0x7F000001u + source_ip), 0), ec);
  }
  if (ec) {
    fail(c.err_connect);
    return;
  }
  sock_.async_connect(w_.shared().target, [this](const boost::system::error_code& e) { on_connect(e); });
}

void connection::on_connect(const boost::system::error_code& ec) {
  if (st_ == state::dead) return;
  if (ec) return fail(w_.stats().err_connect);
  boost::system::error_code ignored;
  sock_.set_option(tcp::no_delay(true), ignored);
  sock_.non_blocking(true, ignored);
  if (auto& ctx = w_.shared().tls) {
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock_, *ctx);
    tls_in_.resize(16 * 1024);
    tls_->async_handshake(asio::ssl::stream_base::client, [this](const boost::system::error_code& e) {
      if (st_ == state::dead) return;
      if (e) return fail(w_.stats().err_connect);
      send_upgrade();
    });
    return;
  }
  send_upgrade();
}

void connection::send_upgrade() {
  const auto& o = w_.opt();
  std::string target = o.dia == dialect::conference ? "/room/" + w_.shared().room_name(room_) + "/websocket"
                       : o.dia == dialect::shop     ? std::string("/")
                                                    : std::string("/socket.io/?EIO=4&transport=websocket");
  unsigned char key[16];
  const auto r1 = w_.random(), r2 = w_.random();
  std::memcpy(key, &r1, 8);
  std::memcpy(key + 8, &r2, 8);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + ws::base64(key, 16) +
                    "\r\nSec-WebSocket-Version: 13\r\n" +
                    (o.deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "") +
                    "\r\n";
  st_ = state::upgrading;
  write(req.data(), req.size());
  if (st_ != state::dead) arm_read();
}

void connection::arm_read() {
  if (tls_) {
    tls_->async_read_some(asio::buffer(tls_in_), [this](const boost::system::error_code& ec, std::size_t n) {
      on_tls_read(ec, n);
    });
    return;
  }
  sock_.async_wait(tcp::socket::wait_read, [this](const boost::system::error_code& ec) { on_readable(ec); });
}

void connection::on_readable(const boost::system::error_code& ec) {
  if (st_ == state::dead) return;
  auto& c = w_.stats();
  if (ec) return fail(c.err_closed);
  w_.set_now(now_us());
  auto& buf = w_.read_buffer();
  // A few reads per wake-up, each parsing every complete frame it brought.
  for (int round = 0; round < 4; ++round) {
    boost::system::error_code rec;
    const std::size_t n = sock_.read_some(asio::buffer(buf.data(), buf.size()), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) break;
    if (!rec && n == buf.size() && round == 3) {
      // Still more to read. The reactor is edge-triggered: waiting now could
      // wait forever for a sender blocked on our full window, so come back
      // after the other connections had their turn.
      handle_bytes(buf.data(), n);
      if (st_ != state::dead) asio::post(w_.io(), [this] { on_readable({}); });
      return;
    }
    if (rec) return fail(c.err_closed);
    handle_bytes(buf.data(), n);
    if (st_ == state::dead) return;
    if (n < buf.size()) break;
  }
  arm_read();
}

void connection::on_tls_read(const boost::system::error_code& ec, std::size_t n) {
  if (st_ == state::dead) return;
  if (ec) return fail(w_.stats().err_closed);
  w_.set_now(now_us());
  handle_bytes(tls_in_.data(), n);
  if (st_ != state::dead) arm_read();
}

void connection::tls_flush() {
  if (tls_writing_ || out_.empty()) return;
  tls_out_.swap(out_);
  out_.clear();
  tls_writing_ = true;
  asio::async_write(*tls_, asio::buffer(tls_out_), [this](const boost::system::error_code& ec, std::size_t) {
    tls_writing_ = false;
    if (st_ == state::dead) return;
    if (ec) return fail(w_.stats().err_closed);
    tls_out_.clear();
    tls_flush();
  });
}

void connection::handle_bytes(char* data, std::size_t n) {
  bump(w_.stats().bytes_in, n);
  if (in_.empty() && st_ != state::upgrading) {
    const std::size_t used = consume(data, n);
    if (st_ == state::dead) return;
    if (used < n) in_.assign(data + used, n - used);
    return;
  }
  in_.append(data, n);
  if (st_ == state::upgrading && !on_http()) return;
  const std::size_t used = consume(in_.data(), in_.size());
  if (st_ == state::dead) return;
  in_.erase(0, used);
}

bool connection::on_http() {
  const auto end = in_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (in_.size() > 16384) fail(w_.stats().err_upgrade);
    return false;
  }
  if (in_.compare(0, 12, "HTTP/1.1 101") != 0) {
    fail(w_.stats().err_upgrade);
    return false;
  }
  if (w_.opt().deflate) {
    // The agreed extension, if any (header names are case-insensitive).
    std::string head = in_.substr(0, end);
    for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto at = head.find("\r\nsec-websocket-extensions:");
    if (at != std::string::npos) {
      const auto line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
      deflate_ = line.find("permessage-deflate") != std::string::npos;
      server_takeover_ = deflate_ && line.find("server_no_context_takeover") == std::string::npos;
    }
  }
  in_.erase(0, end + 4);
  if (w_.opt().dia == dialect::conference) {
    st_ = state::joining;
    send_text(text::conference_join(index_));
  } else if (w_.opt().dia == dialect::shop) {
    // Connection 0 is the shop's admin: it starts the stream the others watch.
    st_ = state::joining;
    if (index_ == 0)
      send_text(text::shop_register_admin(make_jwt(w_.opt().jwt_secret, "bench-admin", "Admin", "admin")));
    else
      send_text(text::shop_register(w_.shared().run_id, index_));
  } else {
    st_ = state::sio_open;
  }
  return st_ != state::dead;
}

std::size_t connection::consume(char* data, std::size_t len) {
  std::size_t off = 0;
  while (off < len) {
    ws::frame f;
    std::size_t used = 0;
    const auto s = ws::parse_frame(data + off, len - off, max_frame, f, used, deflate_);
    if (s == ws::parse_status::incomplete) break;
    if (s != ws::parse_status::complete || (f.rsv1 && (f.opcode == ws::op_continuation || f.opcode >= 8))) {
      fail(w_.stats().err_protocol);
      return len;
    }
    off += used;
    if (!f.fin && f.opcode != ws::op_continuation) {
      frag_op_ = f.opcode;
      frag_rsv1_ = f.rsv1;
      frag_.assign(f.payload);
      continue;
    }
    if (f.opcode == ws::op_continuation) {
      frag_.append(f.payload);
      if (!f.fin) continue;
      std::string whole = std::move(frag_);
      frag_.clear();
      if (!deliver(frag_op_, whole, frag_rsv1_)) return len;
    } else if (!deliver(f.opcode, f.payload, f.rsv1)) {
      return len;
    }
    if (st_ == state::dead) return len;
  }
  return off;
}

bool connection::deliver(std::uint8_t op, std::string_view payload, bool compressed) {
  if (!compressed) {
    on_frame(op, payload);
    return st_ != state::dead;
  }
  bump(w_.stats().compressed);
  const std::string* plain = nullptr;
  if (server_takeover_) {
    if (!inflater_) inflater_ = std::make_unique<inflater>();
    if (inflater_->inflate(payload, w_.inflate_buffer(), false)) plain = &w_.inflate_buffer();
  } else {
    plain = w_.inflate_shared(payload);
  }
  if (!plain) {
    fail(w_.stats().err_protocol);
    return false;
  }
  on_frame(op, *plain);
  return st_ != state::dead;
}

void connection::on_frame(std::uint8_t op, std::string_view payload) {
  switch (op) {
  case ws::op_text:
  case ws::op_binary:
    bump(w_.stats().frames);
    on_message(payload);
    break;
  case ws::op_ping:
    send_frame(ws::op_pong, payload);
    break;
  case ws::op_close:
    fail(w_.stats().err_closed);
    break;
  default:
    break;
  }
}

void connection::on_message(std::string_view m) {
  if (w_.opt().dia == dialect::conference) on_conference(m);
  else if (w_.opt().dia == dialect::shop) on_shop(m);
  else on_socketio(m);
}

void connection::on_shop(std::string_view m) {
  const auto type = text::shop_type(m);
  auto& c = w_.stats();
  if (type == "chat_message") {
    on_chat_text(text::string_field(m, R"("message")"), false);
  } else if (type == "registered") {
    if (st_ == state::joining) become_joined();
  } else if (type == "admin_registered") {
    send_text(text::shop_stream_start);
  } else if (type == "stream_started") {
    if (st_ == state::joining && index_ == 0) become_joined(); // the stream is live before anyone chats
  } else if (type == "error") {
    bump(c.err_event);
    if (st_ == state::joining) fail(c.err_event);
  }
}

void connection::on_conference(std::string_view m) {
  const auto ev = text::conference_event(m);
  auto& c = w_.stats();
  if (ev == "chat-message") {
    on_chat_text(text::string_field(m, R"("message")"), false);
  } else if (ev == "peers") {
    if (st_ == state::joining) become_joined();
  } else if (ev == "error") {
    bump(c.err_event);
    if (st_ == state::joining) fail(c.err_event);
  }
}

void connection::on_socketio(std::string_view m) {
  const auto p = text::parse_sio(m);
  auto& c = w_.stats();
  const auto& o = w_.opt();
  switch (p.eio) {
  case '0': // open: connect to the namespace, with the token the dialect requires
    if (st_ == state::sio_open) {
      st_ = state::sio_namespace;
      const auto who = "u" + std::to_string(index_);
      send_text(text::sio_connect(o.ns, make_jwt(o.jwt_secret, who, who)));
    }
    return;
  case '2': // ping -> pong, echoing any payload
    send_text("3" + std::string(m.substr(1)));
    return;
  case '1':
    fail(c.err_closed);
    return;
  case '4':
    break;
  default:
    return;
  }
  if (p.nsp != o.ns) return;
  switch (p.sio) {
  case '0':
    if (st_ == state::sio_namespace) {
      st_ = state::joining;
      send_text(text::sio_join(o.ns, 1, w_.shared().room_name(room_)));
    }
    break;
  case '4':
    bump(c.err_event);
    fail(c.err_event);
    break;
  case '2': {
    const auto ev = text::sio_event_name(p.json);
    if (ev == "receiveMessage") {
      on_chat_text(text::string_field(p.json, R"("content")"), false);
    } else if (ev == "joinedRoom") {
      if (st_ == state::joining) become_joined();
    } else if (ev == "error" || ev == "exception") {
      bump(c.err_event);
      if (st_ == state::joining) fail(c.err_event);
    }
    break;
  }
  case '3': {
    const bool failed = p.json.find(R"("success":false)") != std::string_view::npos;
    if (p.id == 1 && st_ == state::joining) {
      if (failed) {
        bump(c.err_event);
        fail(c.err_event);
      } else {
        become_joined();
      }
    } else if (failed) {
      bump(c.err_event);
    } else {
      on_chat_text(text::string_field(p.json, R"("content")"), true);
    }
    break;
  }
  default:
    break;
  }
}

void connection::on_chat_text(std::string_view t, bool is_ack) {
  const auto s = text::parse_chat_text(t);
  if (!s.ok) return;
  const auto latency = w_.now() - static_cast<std::int64_t>(s.us);
  if (is_ack) {
    w_.record_ack(latency);
    return;
  }
  w_.record_delivery(latency);
  // The sender's own copy of a broadcast is its acknowledgement, unless
  // Socket.IO acknowledgements were asked for.
  if (s.sender == index_ && !(w_.opt().dia == dialect::socketio && w_.opt().scen == scenario::durable))
    w_.record_ack(latency);
}

void connection::become_joined() {
  st_ = state::joined;
  auto& c = w_.stats();
  bump(c.joined);
  c.last_join_us.store(now_us(), std::memory_order_relaxed);
  w_.handshake_done(*this);
}

void connection::send_chat(std::int64_t now, bool want_ack) {
  auto& s = w_.scratch();
  s.clear();
  const auto& o = w_.opt();
  if (o.dia == dialect::conference) {
    text::conference_chat(s, index_, static_cast<std::uint64_t>(now), o.payload);
  } else if (o.dia == dialect::shop) {
    if (shop_sends_++ % 4 == 3)
      send_text(text::shop_like);
    if (st_ == state::dead) return;
    text::shop_chat(s, index_, static_cast<std::uint64_t>(now), o.payload);
  } else {
    text::sio_send(s, o.ns, want_ack ? next_ack_id_++ : -1, w_.shared().room_name(room_), index_,
                   static_cast<std::uint64_t>(now), o.payload);
  }
  // The frame is built behind the payload in the same buffer, then written.
  const std::size_t plen = s.size();
  const std::size_t h = ws::header_size(plen, true);
  s.resize(plen + h + plen);
  char* frame = s.data() + plen;
  const std::uint32_t key = w_.mask_key();
  ws::write_header(frame, ws::op_text, plen, true, key);
  std::memcpy(frame + h, s.data(), plen);
  ws::apply_mask(frame + h, plen, key);
  auto& c = w_.stats();
  bump(c.sent);
  bump(c.expected, w_.shared().room_members[room_]);
  write(frame, h + plen);
}

void connection::send_frame(std::uint8_t op, std::string_view payload) {
  std::string f;
  ws::append_frame(f, op, payload, true, w_.mask_key());
  write(f.data(), f.size());
}

void connection::write(const char* data, std::size_t len) {
  if (st_ == state::dead) return;
  if (tls_) {
    if (out_.size() > max_backlog) return bump(w_.stats().send_backlog);
    out_.append(data, len);
    return tls_flush();
  }
  if (!out_.empty()) {
    // The server is not reading: keep a bounded backlog, drop beyond it.
    if (out_.size() > max_backlog) bump(w_.stats().send_backlog);
    else out_.append(data, len);
    return;
  }
  boost::system::error_code ec;
  std::size_t n = sock_.write_some(asio::buffer(data, len), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
  } else if (ec) {
    return fail(w_.stats().err_closed);
  }
  if (n < len) {
    out_.append(data + n, len - n);
    if (!write_armed_) {
      write_armed_ = true;
      sock_.async_wait(tcp::socket::wait_write, [this](const boost::system::error_code& e) { on_writable(e); });
    }
  }
}

void connection::on_writable(const boost::system::error_code& ec) {
  write_armed_ = false;
  if (st_ == state::dead) return;
  if (ec) return fail(w_.stats().err_closed);
  boost::system::error_code wec;
  const std::size_t n = sock_.write_some(asio::buffer(out_), wec);
  if (wec && wec != asio::error::would_block && wec != asio::error::try_again)
    return fail(w_.stats().err_closed);
  out_.erase(0, n);
  if (!out_.empty()) {
    write_armed_ = true;
    sock_.async_wait(tcp::socket::wait_write, [this](const boost::system::error_code& e) { on_writable(e); });
  }
}

void connection::fail(std::atomic<std::uint64_t>& kind) {
  if (st_ == state::dead) return;
  const bool was_handshaking = handshaking();
  bump(kind);
  if (was_handshaking) bump(w_.stats().failed);
  st_ = state::dead;
  boost::system::error_code ignored;
  sock_.close(ignored);
  in_.clear();
  in_.shrink_to_fit();
  out_.clear();
  out_.shrink_to_fit();
  if (was_handshaking) w_.handshake_done(*this);
}

void connection::close() {
  if (st_ == state::dead) return;
  const bool was_handshaking = handshaking() && st_ != state::idle;
  st_ = state::dead;
  boost::system::error_code ignored;
  sock_.close(ignored);
  in_ = std::string();
  out_ = std::string();
  if (was_handshaking) w_.handshake_done(*this);
}

// -- worker -------------------------------------------------------------------

worker::worker(run_shared& rs, int id)
    : rs_(rs), id_(id), guard_(io_.get_executor()), rbuf_(read_chunk),
      rng_(0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(id + 1) ^ static_cast<std::uint64_t>(now_us())),
      pace_timer_(io_), sweep_timer_(io_), send_timer_(io_) {
  if (rng_ == 0) rng_ = 1;
  for (int i = 0; i < max_steps; ++i) {
    delivery_[i] = std::make_unique<latency_histogram>();
    ack_[i] = std::make_unique<latency_histogram>();
  }
}

worker::~worker() { stop(); }

void worker::start() {
  asio::post(io_, [this] { arm_sweep(); });
  thread_ = std::thread([this] { io_.run(); });
}

void worker::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    close_all();
    pace_timer_.cancel();
    sweep_timer_.cancel();
    send_timer_.cancel();
    io_.stop();
  });
  thread_.join();
}

void worker::connect(std::vector<std::pair<std::uint32_t, std::uint32_t>> specs, double rate,
                     std::uint32_t max_inflight) {
  for (auto& s : specs) to_connect_.push_back(s);
  connect_rate_ = rate;
  max_inflight_ = std::max<std::uint32_t>(1, max_inflight);
  tokens_ = 1;
  last_pace_ = now_us();
  if (rate > 0) arm_pace();
  else pump_connects();
}

void worker::pump_connects() {
  while (!to_connect_.empty() && inflight_ < max_inflight_) {
    if (connect_rate_ > 0) {
      if (tokens_ < 1) return;
      tokens_ -= 1;
    }
    const auto [index, room] = to_connect_.front();
    to_connect_.pop_front();
    conns_.push_back(std::make_unique<connection>(*this, index, room));
    auto* c = conns_.back().get();
    ++inflight_;
    handshaking_.push_back(c);
    c->start(next_source_);
    next_source_ = (next_source_ + 1) % opt().source_ips;
  }
}

void worker::arm_pace() {
  if (pace_armed_) return;
  pace_armed_ = true;
  pace_timer_.expires_after(std::chrono::milliseconds(1));
  pace_timer_.async_wait([this](const boost::system::error_code& ec) {
    pace_armed_ = false;
    if (ec || connect_rate_ <= 0) return;
    const auto t = now_us();
    // Tokens accrue with time; a burst after a stall is capped at 10 ms worth.
    tokens_ = std::min(tokens_ + connect_rate_ * static_cast<double>(t - last_pace_) / 1e6,
                       std::max(1.0, connect_rate_ / 100));
    last_pace_ = t;
    pump_connects();
    if (!to_connect_.empty()) arm_pace();
  });
}

void worker::handshake_done(connection&) {
  if (inflight_ > 0) --inflight_;
  if (!to_connect_.empty() && (connect_rate_ <= 0 || tokens_ >= 1)) asio::post(io_, [this] { pump_connects(); });
}

void worker::arm_sweep() {
  sweep_timer_.expires_after(std::chrono::milliseconds(100));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto t = now_us();
    std::size_t keep = 0;
    for (auto* c : handshaking_) {
      if (!c->handshaking()) continue;
      if (c->deadline() < t) {
        c->fail(c_.err_timeout);
        continue;
      }
      handshaking_[keep++] = c;
    }
    handshaking_.resize(keep);
    arm_sweep();
  });
}

void worker::start_sending(double rate, std::uint32_t max_senders, bool want_ack) {
  schedule_ = {};
  ++send_generation_;
  want_ack_ = want_ack;
  if (rate <= 0) return;
  period_us_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(1e6 / rate));
  const auto t = now_us();
  std::uint32_t senders = 0;
  for (auto& c : conns_) {
    if (!c->joined()) continue;
    // Random phases spread the senders over the period instead of a thundering herd.
    schedule_.push({t + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(period_us_)), c.get()});
    if (max_senders > 0 && ++senders >= max_senders) break;
  }
  arm_send();
}

void worker::stop_sending() {
  schedule_ = {};
  ++send_generation_;
  send_timer_.cancel();
}

void worker::arm_send() {
  if (schedule_.empty()) return;
  const auto gen = send_generation_;
  send_timer_.expires_at(std::chrono::steady_clock::time_point(start_time) +
                         std::chrono::microseconds(schedule_.top().at));
  send_timer_.async_wait([this, gen](const boost::system::error_code& ec) {
    if (ec || gen != send_generation_) return;
    on_send_timer();
  });
}

void worker::on_send_timer() {
  const auto t = now_us();
  int budget = 20000; // stay responsive to reads when far behind
  while (!schedule_.empty() && schedule_.top().at <= t && budget-- > 0) {
    auto d = schedule_.top();
    schedule_.pop();
    if (!d.c->joined()) continue;
    // Open loop, but more than a second behind we skip ahead and say so.
    if (t - d.at > 1000000) {
      bump(c_.skipped_sends, static_cast<std::uint64_t>((t - d.at) / period_us_));
      d.at = t;
    }
    d.c->send_chat(t, want_ack_);
    schedule_.push({d.at + period_us_, d.c});
  }
  arm_send();
}

void worker::count_members(std::vector<std::uint32_t>& members) const {
  for (const auto& c : conns_)
    if (c->joined() && c->room() < members.size()) ++members[c->room()];
}

void worker::close_all() {
  stop_sending();
  to_connect_.clear();
  for (auto& c : conns_) c->close();
  handshaking_.clear();
  inflight_ = 0;
}

void worker::record_delivery(std::int64_t latency_us) {
  bump(c_.delivered);
  const int s = rs_.step.load(std::memory_order_relaxed);
  if (s >= 0) delivery_[s]->record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency_us)));
}

void worker::record_ack(std::int64_t latency_us) {
  bump(c_.acked);
  const int s = rs_.step.load(std::memory_order_relaxed);
  if (s >= 0) ack_[s]->record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency_us)));
}

} // namespace bench
