#include "gateway/engineio_session.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "gateway/engineio_payload.hpp"
#include "gateway/metrics.hpp"

namespace asio = boost::asio;

namespace roomcast {

namespace {

wire_frame_ptr packet_frame(std::string_view text) {
  return make_text_frame(text);
}

http_response text_response(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain; charset=UTF-8";
  return r;
}

} // namespace

engineio_session::engineio_session(asio::io_context& ioc, std::string sid, const eio_options& opts,
                                   std::unique_ptr<eio_handler> handler, http_request handshake, closed_fn on_closed)
  : ioc_(ioc),
    sid_(std::move(sid)),
    opts_(opts),
    handshake_(std::move(handshake)),
    on_closed_(std::move(on_closed)),
    handler_(std::move(handler)),
    ping_timer_(ioc) {}

engineio_session::~engineio_session() = default;

void engineio_session::open(client_link_ptr ws) {
  if (ws) {
    std::lock_guard lk(mu_);
    phase_ = phase::websocket;
    ws_ = ws;
  }
  if (ws) {
    std::string open = "0{\"sid\":\"" + sid_ + "\",\"upgrades\":[],\"pingInterval\":"
                       + std::to_string(opts_.ping_interval.count()) + ",\"pingTimeout\":"
                       + std::to_string(opts_.ping_timeout.count()) + ",\"maxPayload\":"
                       + std::to_string(opts_.max_payload) + "}";
    ws->send(packet_frame(open));
  }
  {
    std::lock_guard lk(in_mu_);
    handler_->on_open(shared_from_this(), *this);
  }
  arm_ping();
}

// -- heartbeat ------------------------------------------------------------------

void engineio_session::arm_ping() {
  std::uint64_t gen;
  {
    std::lock_guard lk(mu_);
    if (phase_ == phase::closed)
      return;
    gen = ++ping_generation_;
    awaiting_pong_ = false;
  }
  // The timer belongs to the session's home thread.
  asio::post(ioc_, [self = shared_from_this(), gen] {
    self->ping_timer_.expires_after(self->opts_.ping_interval);
    self->ping_timer_.async_wait([self, gen](const boost::system::error_code& ec) {
      if (!ec)
        self->on_ping_timer(gen);
    });
  });
}

void engineio_session::on_ping_timer(std::uint64_t generation) {
  std::unique_lock lk(mu_);
  if (phase_ == phase::closed || generation != ping_generation_)
    return;
  if (awaiting_pong_)
    return end_locked(lk, "ping timeout", "1");
  awaiting_pong_ = true;
  lk.unlock();
  send(packet_frame("2"));
  ping_timer_.expires_after(opts_.ping_timeout);
  ping_timer_.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
    if (!ec)
      self->on_ping_timer(generation);
  });
}

// -- polling ----------------------------------------------------------------------

std::string engineio_session::drain_queue_locked() {
  std::string body;
  for (auto& f : queue_)
    append_eio_packet(body, *f);
  queue_.clear();
  queued_bytes_ = 0;
  return body;
}

std::optional<std::pair<responder, std::string>> engineio_session::take_poll_locked() {
  if (!poll_ || queue_.empty())
    return std::nullopt;
  metrics::bump(&metrics::lane::eio_polls);
  auto res = std::move(*poll_);
  poll_.reset();
  return std::make_pair(std::move(res), drain_queue_locked());
}

void engineio_session::poll(responder res) {
  std::unique_lock lk(mu_);
  switch (phase_) {
    case phase::closed:
    case phase::websocket:
      lk.unlock();
      return res.reply(http_response::json(400, R"({"code":1,"message":"Session ID unknown"})"));
    case phase::probing:
      lk.unlock();
      return res.reply(text_response(200, "6")); // the WebSocket takes over: nothing more here
    case phase::polling: break;
  }
  if (poll_) {
    // One outstanding GET per session, as the reference server enforces.
    auto first = std::move(*poll_);
    poll_.reset();
    lk.unlock();
    res.reply(http_response::json(400, R"({"code":3,"message":"Bad request"})"));
    first.reply(text_response(200, "1"));
    return end("duplicate poll", {});
  }
  if (queue_.empty()) {
    poll_ = std::move(res);
    return;
  }
  metrics::bump(&metrics::lane::eio_polls);
  auto body = drain_queue_locked();
  bool last = closing_;
  lk.unlock();
  res.reply(text_response(200, std::move(body)));
  if (last)
    end("closed by the server", {});
}

void engineio_session::post(std::string_view body, responder res) {
  {
    std::lock_guard lk(mu_);
    if (phase_ != phase::polling && phase_ != phase::probing)
      return res.reply(http_response::json(400, R"({"code":1,"message":"Session ID unknown"})"));
  }
  if (body.size() > opts_.max_payload) {
    res.reply(http_response::json(413, R"({"code":3,"message":"Payload too large"})"));
    return end("payload over maxPayload", "1");
  }
  std::lock_guard in(in_mu_);
  bool valid = for_each_eio_packet(body, [&](std::string_view packet) { return on_packet(packet, false, *this); });
  if (!valid) {
    res.reply(http_response::json(400, R"({"code":3,"message":"Bad request"})"));
    return end("invalid packet", "1");
  }
  http_response ok = text_response(200, "ok");
  ok.content_type = "text/html; charset=UTF-8";
  res.reply(std::move(ok));
}

// -- packets ------------------------------------------------------------------------

bool engineio_session::on_packet(std::string_view p, bool binary, client_link& via) {
  if (binary) {
    deliver(p, true, via);
    return true;
  }
  if (p.empty())
    return false;
  switch (p[0]) {
    case '1':
      end("client closed", "6");
      return true;
    case '2': // a client ping (not used by v4 clients outside the probe): answer it
      send(packet_frame("3" + std::string{p.substr(1)}));
      return true;
    case '3': {
      bool rearm;
      {
        std::lock_guard lk(mu_);
        rearm = awaiting_pong_;
      }
      if (rearm)
        arm_ping();
      return true;
    }
    case '4':
      deliver(p.substr(1), false, via);
      return true;
    case 'b': {
      std::string data;
      if (!decode_eio_base64(p.substr(1), data))
        return false;
      deliver(data, true, via);
      return true;
    }
    case '5':
    case '6': return true;
    default: return false;
  }
}

void engineio_session::deliver(std::string_view data, bool binary, client_link&) {
  {
    std::lock_guard lk(mu_);
    if (phase_ == phase::closed)
      return;
  }
  if (!handler_->on_message(data, binary, *this))
    end("invalid message", "1");
}

// -- WebSocket ------------------------------------------------------------------------

bool engineio_session::attach(client_link_ptr ws) {
  std::lock_guard lk(mu_);
  if (phase_ != phase::polling || ws_)
    return false;
  ws_ = std::move(ws);
  return true;
}

void engineio_session::on_ws_message(std::string_view data, bool binary, client_link& ws) {
  std::unique_lock lk(mu_);
  if (ws_.get() != &ws || phase_ == phase::closed)
    return;
  if (phase_ == phase::polling || phase_ == phase::probing) {
    if (!binary && data == "2probe") {
      phase_ = phase::probing;
      auto held = std::move(poll_);
      poll_.reset();
      lk.unlock();
      ws.send(packet_frame("3probe"));
      if (held) // release the pending GET: the WebSocket takes over
        held->reply(text_response(200, "6"));
      return;
    }
    if (!binary && data == "5" && phase_ == phase::probing) {
      // Upgraded: what waited for a poll goes out on the WebSocket, in order.
      phase_ = phase::websocket;
      metrics::bump(&metrics::lane::eio_upgrades);
      auto pending = std::move(queue_);
      queue_.clear();
      queued_bytes_ = 0;
      auto held = std::move(poll_);
      poll_.reset();
      auto socket = ws_;
      lk.unlock();
      if (held)
        held->reply(text_response(200, "6"));
      for (auto& f : pending)
        socket->send(std::move(f));
      return;
    }
  }
  lk.unlock();
  std::lock_guard in(in_mu_);
  if (!on_packet(data, binary, ws))
    end("invalid packet", "1");
}

void engineio_session::on_ws_gone(const client_link* ws) {
  std::unique_lock lk(mu_);
  if (ws_.get() != ws)
    return;
  ws_.reset();
  if (phase_ == phase::websocket)
    return end_locked(lk, "websocket closed", {});
  if (phase_ == phase::probing)
    phase_ = phase::polling; // the upgrade failed: polling goes on
}

void engineio_session::on_too_big() {
  end("message over maxPayload", "1");
}

// -- client_link ------------------------------------------------------------------------

bool engineio_session::send(wire_frame_ptr frame) {
  std::unique_lock lk(mu_);
  if (phase_ == phase::closed || closing_)
    return false;
  if (phase_ == phase::websocket) {
    auto socket = ws_;
    lk.unlock();
    return socket && socket->send(std::move(frame));
  }
  if (queued_bytes_ + frame->size() > opts_.send_queue_bytes) {
    spdlog::warn("engine.io session {}: client too slow ({} bytes queued); closing", sid_, queued_bytes_);
    end_locked(lk, "send queue overflow", "1");
    return false;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  auto ready = take_poll_locked();
  lk.unlock();
  if (ready)
    ready->first.reply(text_response(200, std::move(ready->second)));
  return true;
}

void engineio_session::close(std::uint16_t code, std::string reason) {
  std::unique_lock lk(mu_);
  if (phase_ == phase::closed || closing_)
    return;
  if (phase_ == phase::websocket) {
    auto socket = ws_;
    lk.unlock();
    if (socket)
      socket->close(code, reason); // its release ends the session
    return;
  }
  // Polling: the close packet goes out with what is queued, on the next poll.
  closing_ = true;
  queue_.push_back(packet_frame("1"));
  auto ready = take_poll_locked();
  lk.unlock();
  if (ready) {
    ready->first.reply(text_response(200, std::move(ready->second)));
    return end("closed by the server", {});
  }
  // A client that never polls again is forgotten after the ping timeout.
  after(opts_.ping_timeout, [self = shared_from_this()] { self->end("closed by the server", {}); });
}

std::size_t engineio_session::backlog() const {
  std::lock_guard lk(mu_);
  if (phase_ == phase::websocket && ws_)
    return ws_->backlog();
  return queued_bytes_;
}

void engineio_session::command_done() {
  // Engine.IO does not pause reading per command: requests are bounded by
  // maxPayload and the per-connection rate limits of each dialect.
}

void engineio_session::shutdown() {
  end("server shutdown", "1");
}

void engineio_session::after(std::chrono::milliseconds delay, std::function<void()> f) {
  auto timer = std::make_shared<asio::steady_timer>(ioc_);
  asio::post(ioc_, [timer, delay, f = std::move(f), weak = weak_from_this()]() mutable {
    timer->expires_after(delay);
    timer->async_wait([timer, f = std::move(f), weak](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self)
        return;
      {
        std::lock_guard lk(self->mu_);
        if (self->phase_ == phase::closed)
          return;
      }
      std::lock_guard in(self->in_mu_);
      f();
    });
  });
}

// -- the end ------------------------------------------------------------------------------

void engineio_session::end(const char* why, std::string_view farewell) {
  std::unique_lock lk(mu_);
  end_locked(lk, why, farewell);
}

void engineio_session::end_locked(std::unique_lock<std::mutex>& lk, const char* why, std::string_view farewell) {
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  ++ping_generation_;
  auto held = std::move(poll_);
  poll_.reset();
  auto socket = std::move(ws_);
  ws_.reset();
  queue_.clear();
  queued_bytes_ = 0;
  lk.unlock();
  spdlog::debug("engine.io session {} ended: {}", sid_, why);
  if (held)
    held->reply(text_response(200, farewell.empty() ? std::string{"1"} : std::string{farewell}));
  if (socket)
    socket->close(1000, why);
  on_closed_(sid_);
  // The handler hears of it outside whatever lock the caller holds.
  asio::post(ioc_, [self = shared_from_this()] {
    self->ping_timer_.cancel();
    std::lock_guard in(self->in_mu_);
    self->handler_->on_close();
  });
}

} // namespace roomcast
