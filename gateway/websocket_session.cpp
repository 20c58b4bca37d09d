#include "gateway/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

#include <array>

#include "gateway/deflate_codec.hpp"
#include "gateway/metrics.hpp"
#include "gateway/write_batcher.hpp"

namespace asio = boost::asio;

namespace roomcast {

namespace {

constexpr std::size_t max_reads_per_wakeup = 16; // then let other sockets run
constexpr std::size_t max_batch_bytes = 1 << 20;
constexpr std::size_t max_write_buffers = 64;
constexpr std::chrono::milliseconds close_timeout{5000};
constexpr std::chrono::milliseconds overflow_close_timeout{10000};
constexpr std::size_t max_waiting_pongs = 16; // more pings than this between writes: answer the latest
constexpr std::size_t tls_read_bytes = 16 * 1024; // one TLS record

} // namespace

template <class Stream>
basic_websocket_session<Stream>::basic_websocket_session(Stream&& stream, gateway_context& ctx,
                                                         std::unique_ptr<ws_connection> conn, connection_slot slot,
                                                         tls_context_ptr tls, const deflate_agreement* deflate)
  : tls_(std::move(tls)),
    stream_(std::move(stream)),
    ctx_(ctx),
    slot_(std::move(slot)),
    conn_(std::move(conn)),
    parser_(ctx.cfg.max_frame_bytes),
    timer_(stream_.get_executor()),
    batcher_(write_batcher::of(stream_.get_executor())) {
  ++ctx_.open_sessions;
  if (deflate) {
    deflate_ = true;
    parser_.enable_deflate(!deflate->client_no_context_takeover, ctx_.cfg.deflate_client_window_bits);
    if (deflate->server_window_bits < 15)
      deflate_max_payload_ = std::size_t{1} << deflate->server_window_bits;
  }
}

template <class Stream>
basic_websocket_session<Stream>::~basic_websocket_session() {
  if (conn_)
    conn_->on_release();
  if (!closed_)
    --ctx_.open_sessions;
  std::lock_guard lk(ctx_.sessions_mu);
  ctx_.sessions.erase(this);
}

template <class Stream>
void basic_websocket_session<Stream>::shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->terminate("server shutdown"); });
}

template <class Stream>
void basic_websocket_session<Stream>::start(std::string leftover) {
  boost::system::error_code ec;
  if constexpr (!tls)
    stream_.non_blocking(true, ec);
  tcp_socket_of(stream_).set_option(tcp::no_delay(true), ec);
  {
    std::lock_guard lk(ctx_.sessions_mu);
    ctx_.sessions.emplace(this, std::weak_ptr<transport_session>{shared_from_this()});
  }
  conn_->start(client_link_ptr{shared_from_this()});
  last_read_ = last_ping_ = std::chrono::steady_clock::now();
  arm_timer();
  if (!leftover.empty())
    consume(leftover.data(), leftover.size());
  if (!paused_)
    do_wait_read();
}

// -- reading ------------------------------------------------------------------

template <class Stream>
void basic_websocket_session<Stream>::do_wait_read() {
  if (waiting_read_ || closed_)
    return;
  waiting_read_ = true;
  if constexpr (tls) {
    if (!tls_io_.in)
      tls_io_.in = std::make_unique<char[]>(tls_read_bytes);
    stream_.async_read_some(asio::buffer(tls_io_.in.get(), tls_read_bytes),
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                              self->on_tls_read(ec, n);
                            });
  } else {
    stream_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
  }
}

template <class Stream>
void basic_websocket_session<Stream>::on_tls_read(const boost::system::error_code& ec, std::size_t n) {
  waiting_read_ = false;
  if (closed_)
    return;
  if (ec)
    return terminate(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ? "peer closed"
                                                                                         : "read failed");
  last_read_ = std::chrono::steady_clock::now();
  metrics::bump(&metrics::lane::bytes_in, n);
  if constexpr (tls)
    consume(tls_io_.in.get(), n);
  if (!paused_ && !closed_) // else command_done() resumes reading
    do_wait_read();
}

template <class Stream>
void basic_websocket_session<Stream>::on_readable(const boost::system::error_code& ec) {
  waiting_read_ = false;
  auto& socket_ = tcp_socket_of(stream_); // plain TCP only: TLS reads through on_tls_read
  if (ec)
    return terminate("read wait failed");
  // One buffer per I/O thread: an idle client holds no read buffer at all.
  static thread_local std::array<char, 64 * 1024> buf;
  for (std::size_t i = 0; i < max_reads_per_wakeup && !closed_; ++i) {
    boost::system::error_code rec;
    auto n = socket_.read_some(asio::buffer(buf), rec);
    if (rec == asio::error::would_block)
      break;
    if (rec)
      return terminate(rec == asio::error::eof ? "peer closed" : "read failed");
    last_read_ = std::chrono::steady_clock::now();
    metrics::bump(&metrics::lane::bytes_in, n);
    consume(buf.data(), n);
    if (paused_)
      return; // command_done() resumes reading
  }
  if (!closed_)
    do_wait_read();
}

template <class Stream>
void basic_websocket_session<Stream>::consume(char* data, std::size_t n) {
  if (parser_.failed()) {
    // Closing after a framing error: what else arrives is dropped, not kept.
    std::string{}.swap(pending_);
    return;
  }
  auto handler = [this](const ws_event& e) { on_frame(e); };
  if (pending_.empty()) {
    auto used = parser_.feed(data, n, handler);
    if (used < n)
      pending_.assign(data + used, n - used);
    return;
  }
  pending_.append(data, n);
  auto used = parser_.feed(pending_.data(), pending_.size(), handler);
  pending_.erase(0, used);
  if (pending_.empty())
    std::string{}.swap(pending_);
}

template <class Stream>
void basic_websocket_session<Stream>::on_frame(const ws_event& e) {
  switch (e.kind) {
    case ws_event_kind::text:
      ++ctx_.frames_in;
      metrics::bump(&metrics::lane::messages_in);
      return dispatched(conn_ && conn_->on_text(e.payload, *this));
    case ws_event_kind::binary:
      ++ctx_.frames_in;
      metrics::bump(&metrics::lane::messages_in);
      return dispatched(conn_ && conn_->on_binary(e.payload, *this));
    case ws_event_kind::ping: return send_pong(e.payload);
    case ws_event_kind::pong: return; // any traffic counts as alive
    case ws_event_kind::close: {
      // Echo the code, as RFC 6455 asks, then wait for the peer to hang up.
      // No code in the frame: 1000. An explicit 0 is not a valid code (1002 below).
      std::uint16_t code = e.has_close_code ? e.close_code : 1000;
      // Codes a peer may not send (RFC 6455 7.4): answer with a protocol error.
      if (code < 1000 || code == 1004 || code == 1005 || code == 1006 || (code > 1014 && code < 3000) || code > 4999)
        code = 1002;
      return start_closing(make_close_frame(code, {}), false, close_timeout);
    }
    case ws_event_kind::too_big:
      if (conn_)
        conn_->on_too_big(ctx_.cfg.max_frame_bytes, *this);
      return;
    case ws_event_kind::bad_utf8:
      // RFC 6455 8.1: a text message that is not UTF-8 fails the connection.
      spdlog::info("invalid UTF-8 in a text message; closing with 1007");
      return start_closing(make_close_frame(1007, "invalid UTF-8"), true, close_timeout);
    case ws_event_kind::inflated_too_big:
      // A compressed message past the limit from a client that keeps its
      // window: skipping it would leave the two windows out of step.
      spdlog::info("compressed message over {} bytes; closing with 1009", ctx_.cfg.max_frame_bytes);
      return start_closing(make_close_frame(1009, "message too big"), true, close_timeout);
    case ws_event_kind::bad_deflate:
      // Invalid compressed data is invalid payload data (as Autobahn expects).
      spdlog::info("invalid permessage-deflate data; closing with 1007");
      return start_closing(make_close_frame(1007, "invalid compressed data"), true, close_timeout);
    case ws_event_kind::protocol:
      spdlog::info("websocket protocol error; closing with 1002");
      return start_closing(make_close_frame(1002, "protocol error"), true, close_timeout);
  }
}

template <class Stream>
void basic_websocket_session<Stream>::dispatched(bool handed_to_actor) {
  if (handed_to_actor && ++inflight_ >= ctx_.cfg.max_inflight_commands)
    paused_ = true;
}

template <class Stream>
void basic_websocket_session<Stream>::command_done() {
  auto n = --inflight_;
  if (n <= ctx_.cfg.max_inflight_commands / 2 && paused_.exchange(false))
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->do_wait_read(); });
}

// -- writing ------------------------------------------------------------------

template <class Stream>
wire_frame_ptr basic_websocket_session<Stream>::for_deflate(wire_frame_ptr frame) const {
  auto n = frame->payload().size();
  auto op = frame->opcode();
  if (n < ctx_.cfg.deflate_threshold || n > deflate_max_payload_ || (op != ws_opcode::text && op != ws_opcode::binary)
      || frame->compressed())
    return frame;
  auto& cfg = ctx_.cfg;
  // The first client to get this frame compresses it; the others reuse that.
  const auto& z = frame->deflated(
    [&cfg](const wire_frame& plain) { return deflate_frame(plain, cfg.deflate_level, cfg.deflate_mem_level); });
  return z ? z : frame;
}

template <class Stream>
bool basic_websocket_session<Stream>::send(wire_frame_ptr frame) {
  if (deflate_)
    frame = for_deflate(std::move(frame)); // outside the lock: compressing takes a while
  std::unique_lock lk(mu_);
  if (closing_)
    return false;
  if (queued_bytes_ + frame->size() > ctx_.cfg.send_queue_bytes) {
    auto queued = queued_bytes_;
    lk.unlock();
    spdlog::warn("client too slow ({} bytes queued); closing with 1008", queued);
    overflow();
    return false;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  schedule_flush_locked();
  return true;
}

template <class Stream>
void basic_websocket_session<Stream>::overflow() {
  metrics::bump(&metrics::lane::slow_consumer_closes);
  // It leaves its rooms now; its socket gets a while to read up to the 1008
  // (the queue is dropped, only the write in flight stays).
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->release_connection(); });
  start_closing(make_close_frame(1008, "send queue overflow"), true, overflow_close_timeout);
}

template <class Stream>
void basic_websocket_session<Stream>::send_pong(std::string_view payload) {
  auto pong = std::make_shared<const wire_frame>(ws_opcode::pong, payload);
  std::unique_lock lk(mu_);
  if (closing_)
    return;
  if (pongs_waiting_ >= max_waiting_pongs) {
    // A ping flood: the newest pong replaces the last one waiting (RFC 6455
    // 5.5.3 lets us answer only the latest ping).
    queued_bytes_ -= queue_[pong_at_]->size();
    queued_bytes_ += pong->size();
    queue_[pong_at_] = std::move(pong);
    return;
  }
  if (queued_bytes_ + pong->size() > ctx_.cfg.send_queue_bytes) {
    lk.unlock();
    spdlog::warn("client pings but does not read; closing with 1008");
    return overflow();
  }
  queued_bytes_ += pong->size();
  pong_at_ = queue_.size();
  ++pongs_waiting_;
  queue_.push_back(std::move(pong));
  schedule_flush_locked();
}

template <class Stream>
void basic_websocket_session<Stream>::send_control(wire_frame_ptr frame) {
  std::lock_guard lk(mu_);
  if (closing_)
    return;
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  schedule_flush_locked();
}

template <class Stream>
void basic_websocket_session<Stream>::close(std::uint16_t code, std::string reason) {
  start_closing(make_close_frame(code, reason), false, close_timeout);
}

template <class Stream>
void basic_websocket_session<Stream>::start_closing(wire_frame_ptr close_frame, bool drop_queued,
                                      std::chrono::milliseconds deadline) {
  {
    std::lock_guard lk(mu_);
    if (closing_ || closed_)
      return;
    closing_ = true;
    if (drop_queued) {
      for (auto& f : queue_)
        queued_bytes_ -= f->size();
      queue_.clear();
      pong_at_ = no_pong;
      pongs_waiting_ = 0;
    }
    close_frame_ = close_frame;
    queued_bytes_ += close_frame->size();
    queue_.push_back(std::move(close_frame));
    schedule_flush_locked();
  }
  // Bound the closing handshake: a peer that never reads or never answers
  // is cut off.
  asio::post(stream_.get_executor(), [self = shared_from_this(), deadline] {
    self->close_deadline_ = true;
    self->timer_.expires_after(deadline);
    self->timer_.async_wait([self](const boost::system::error_code& ec) { self->on_timer(ec); });
  });
}

template <class Stream>
std::size_t basic_websocket_session<Stream>::backlog() const {
  std::lock_guard lk(mu_);
  return queued_bytes_;
}

template <class Stream>
void basic_websocket_session<Stream>::schedule_flush_locked() {
  if (flushing_)
    return;
  flushing_ = true;
  batcher_.add(shared_from_this());
}

template <class Stream>
void basic_websocket_session<Stream>::flush() {
  do_write();
}

template <class Stream>
void basic_websocket_session<Stream>::do_write() {
  if (closed_ || write_waiting_)
    return;
  if constexpr (tls)
    do_write_tls();
  else
    do_write_plain();
}

// One async_write per batch, from one contiguous copy: the TLS stream cuts it
// into full records and keeps no buffer of its own between writes.
template <class Stream>
void basic_websocket_session<Stream>::do_write_tls() {
  if constexpr (tls) {
    if (batch_.empty() && !take_batch()) {
      std::string{}.swap(tls_io_.out); // idle: no write buffer held
      return;
    }
    auto& out = tls_io_.out;
    out.clear();
    out.reserve(batch_bytes_);
    for (auto& f : batch_) {
      auto bytes = asio::buffer(f->bytes());
      out.append(static_cast<const char*>(bytes.data()), bytes.size());
    }
    write_waiting_ = true;
    asio::async_write(stream_, asio::buffer(out),
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                        self->write_waiting_ = false;
                        if (self->closed_)
                          return;
                        if (ec)
                          return self->terminate("write failed");
                        metrics::bump(&metrics::lane::bytes_out, n);
                        if (self->finish_batch())
                          self->do_write();
                      });
  }
}

// Writes straight from this thread while the socket takes the bytes; only a
// full socket buffer makes it wait (for writability, then it goes on).
template <class Stream>
void basic_websocket_session<Stream>::do_write_plain() {
  auto& socket_ = tcp_socket_of(stream_);
  for (;;) {
    if (batch_.empty() && !take_batch())
      return;
    // From the first frame not fully written; one call takes at most
    // max_write_buffers pieces (Asio's own limit per gathered write).
    buffers_.clear();
    for (auto i = next_; i < batch_.size() && buffers_.size() < max_write_buffers; ++i)
      buffers_.push_back(asio::buffer(batch_[i]->bytes()) + (i == next_ ? offset_ : 0));
    boost::system::error_code ec;
    auto n = socket_.write_some(buffers_, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      write_waiting_ = true;
      socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](const boost::system::error_code& wec) {
        self->write_waiting_ = false;
        if (wec)
          return self->terminate("write wait failed");
        self->do_write();
      });
      return;
    }
    if (ec)
      return terminate("write failed");
    metrics::bump(&metrics::lane::bytes_out, n);
    while (n > 0) {
      auto left = batch_[next_]->size() - offset_;
      if (n < left) {
        offset_ += n;
        break;
      }
      n -= left;
      ++next_;
      offset_ = 0;
    }
    if (next_ == batch_.size() && !finish_batch())
      return;
  }
}

template <class Stream>
bool basic_websocket_session<Stream>::take_batch() {
  std::lock_guard lk(mu_);
  batch_.swap(queue_); // everything queued goes out in gathered writes
  pong_at_ = no_pong;
  pongs_waiting_ = 0;
  if (batch_.empty()) {
    flushing_ = false;
    return false;
  }
  std::size_t bytes = 0;
  std::size_t i = 0;
  for (; i < batch_.size() && bytes < max_batch_bytes; ++i)
    bytes += batch_[i]->size();
  if (i < batch_.size()) { // too much for one batch: the rest goes back first in line
    queue_.insert(queue_.begin(), std::make_move_iterator(batch_.begin() + i), std::make_move_iterator(batch_.end()));
    batch_.resize(i);
  }
  batch_bytes_ = bytes;
  next_ = offset_ = 0;
  return true;
}

template <class Stream>
bool basic_websocket_session<Stream>::finish_batch() {
  bool sent_close = false;
  for (auto& f : batch_)
    sent_close |= f == close_frame_;
  if (deflate_) {
    std::uint64_t compressed = 0;
    for (auto& f : batch_)
      compressed += f->compressed();
    if (compressed)
      metrics::bump(&metrics::lane::deflate_sent, compressed);
  }
  metrics::bump(&metrics::lane::deliveries_out, batch_.size());
  batch_.clear();
  if (batch_.capacity() > 64)
    std::vector<wire_frame_ptr>{}.swap(batch_);
  {
    std::lock_guard lk(mu_);
    queued_bytes_ -= batch_bytes_;
    if (sent_close) {
      flushing_ = false;
      queue_.clear();
    }
  }
  batch_bytes_ = next_ = offset_ = 0;
  if (sent_close) {
    // Our close is out; the peer answers and hangs up, or the deadline hits.
    boost::system::error_code sec;
    tcp_socket_of(stream_).shutdown(tcp::socket::shutdown_send, sec);
    return false;
  }
  return true;
}

// -- heartbeat and teardown -----------------------------------------------------

template <class Stream>
void basic_websocket_session<Stream>::arm_timer() {
  if (closed_ || close_deadline_)
    return;
  auto& cfg = ctx_.cfg;
  auto next = std::min(last_ping_ + cfg.heartbeat_interval, last_read_ + cfg.heartbeat_timeout);
  timer_.expires_at(next);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); });
}

template <class Stream>
void basic_websocket_session<Stream>::on_timer(const boost::system::error_code& ec) {
  if (closed_)
    return;
  if (close_deadline_) {
    if (ec != asio::error::operation_aborted)
      terminate("closing handshake timed out");
    return;
  }
  if (ec == asio::error::operation_aborted)
    return;
  auto now = std::chrono::steady_clock::now();
  if (now >= last_read_ + ctx_.cfg.heartbeat_timeout)
    return terminate("heartbeat timeout");
  if (now >= last_ping_ + ctx_.cfg.heartbeat_interval) {
    last_ping_ = now;
    send_control(make_ping_frame());
  }
  arm_timer();
}

template <class Stream>
void basic_websocket_session<Stream>::terminate(const char* why) {
  if (closed_.exchange(true))
    return;
  spdlog::debug("connection closed: {}", why);
  --ctx_.open_sessions;
  boost::system::error_code ec;
  timer_.cancel();
  tcp_socket_of(stream_).close(ec);
  slot_.release(); // the session object may outlive its socket (held by an actor)
  {
    std::lock_guard lk(mu_);
    closing_ = true;
    queue_.clear();
    pong_at_ = no_pong;
    pongs_waiting_ = 0;
    queued_bytes_ = 0;
  }
  release_connection();
}

template <class Stream>
void basic_websocket_session<Stream>::release_connection() {
  if (conn_) {
    conn_->on_release();
    conn_.reset();
  }
}

template class basic_websocket_session<plain_stream>;
template class basic_websocket_session<tls_stream>;

} // namespace roomcast
