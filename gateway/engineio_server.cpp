#include "gateway/engineio_server.hpp"

#include <utility>

#include "gateway/engineio_session.hpp"
#include "gateway/session_id.hpp"
#include "gateway/lane.hpp"
#include "gateway/metrics.hpp"

namespace roomcast {

namespace {

http_response eio_error(int code, std::string_view message) {
  return http_response::json(400, "{\"code\":" + std::to_string(code) + ",\"message\":\"" + std::string{message} + "\"}");
}

std::string open_packet(const std::string& sid, const eio_options& o, bool upgrades) {
  return "0{\"sid\":\"" + sid + "\",\"upgrades\":" + (upgrades ? "[\"websocket\"]" : "[]") + ",\"pingInterval\":"
         + std::to_string(o.ping_interval.count()) + ",\"pingTimeout\":" + std::to_string(o.ping_timeout.count())
         + ",\"maxPayload\":" + std::to_string(o.max_payload) + "}";
}

/// Operators see a WebSocket that carries an Engine.IO session as such; the
/// session is listed (and counted) on its own.
void mark_carrier(client_link& ws, const std::string& sid) {
  std::string note = "{\"carries\":\"engine.io\",\"sid\":\"";
  note += sid; // sids are URL-safe base64: nothing to escape
  note += "\"}";
  ws.annotate(std::move(note));
}

/// A WebSocket of an Engine.IO session: direct, or upgrading a polling one.
class engineio_ws final : public ws_connection {
public:
  engineio_ws(std::shared_ptr<engineio_server> server, http_request handshake, std::string sid)
    : server_(std::move(server)), handshake_(std::move(handshake)), sid_(std::move(sid)) {}

  void start(client_link_ptr link) override {
    link_ = link.get();
    // Only the start needs the request and the sid: the session keeps what
    // it authenticates with, so an idle client does not hold every header.
    auto handshake = std::exchange(handshake_, http_request{});
    auto sid = std::exchange(sid_, std::string{});
    if (sid.empty()) {
      session_ = server_->create(handshake);
      mark_carrier(*link, session_->sid());
      session_->open(std::move(link));
      return;
    }
    session_ = server_->find(sid);
    if (!session_ || !session_->attach(link)) {
      session_.reset();
      link->close(1008, "session not available for an upgrade");
      return;
    }
    mark_carrier(*link, sid);
  }

  bool on_text(std::string_view text, client_link& link) override {
    if (session_)
      session_->on_ws_message(text, false, link);
    return false;
  }

  bool on_binary(std::string_view data, client_link& link) override {
    if (session_)
      session_->on_ws_message(data, true, link);
    return false;
  }

  void on_too_big(std::size_t, client_link&) override {
    if (session_)
      session_->on_too_big();
  }

  void on_release() override {
    if (session_)
      session_->on_ws_gone(link_);
    session_.reset();
  }

private:
  std::shared_ptr<engineio_server> server_;
  http_request handshake_;
  std::string sid_;
  std::shared_ptr<engineio_session> session_;
  const client_link* link_ = nullptr; ///< identity only: the session holds the link
};

class engineio_endpoint final : public ws_endpoint {
public:
  explicit engineio_endpoint(std::weak_ptr<engineio_server> server) : server_(std::move(server)) {}

  ws_admission accept(const http_request& req) override {
    auto server = server_.lock();
    if (!server)
      return http_response::error(503, "shutting down");
    if (auto err = check_engineio_query(req, "websocket"))
      return std::move(*err);
    auto sid = req.query_param("sid");
    if (!sid.empty() && !server->find(sid))
      return eio_error(1, "Session ID unknown");
    return std::make_unique<engineio_ws>(server, req, sid);
  }

private:
  std::weak_ptr<engineio_server> server_;
};

} // namespace

std::optional<http_response> check_engineio_query(const http_request& req, std::string_view transport) {
  if (req.query_param("EIO") != "4")
    return eio_error(5, "Unsupported protocol version");
  auto t = req.query_param("transport");
  if (t != "polling" && t != "websocket")
    return eio_error(0, "Transport unknown");
  if (t != transport)
    return eio_error(3, "Bad request");
  return std::nullopt;
}

engineio_server::engineio_server(eio_mount mount, std::vector<boost::asio::io_context*> lanes, gateway_context& ctx)
  : mount_(std::move(mount)), lanes_(std::move(lanes)), ctx_(ctx) {}

std::shared_ptr<engineio_session> engineio_server::find(const std::string& sid) {
  std::lock_guard lk(mu_);
  auto i = sessions_.find(sid);
  return i == sessions_.end() ? nullptr : i->second;
}

namespace {

/// What a session keeps of its first request: what namespaces may read to
/// authenticate (query, Authorization, Cookie, Origin), not every header.
http_request kept_of(const http_request& req) {
  http_request kept;
  kept.method = req.method;
  kept.target = req.target;
  kept.path = req.path;
  kept.remote_address = req.remote_address;
  for (auto& [name, value] : req.headers)
    if (name == "authorization" || name == "cookie" || name == "origin")
      kept.headers.emplace_back(name, value);
  return kept;
}

} // namespace

std::shared_ptr<engineio_session> engineio_server::create(const http_request& handshake) {
  auto sid = new_session_id();
  // The session's timers run on the thread that serves its first request.
  boost::asio::io_context* lane = current_lane();
  if (!lane) {
    std::lock_guard lk(mu_);
    lane = lanes_[next_lane_++ % lanes_.size()];
  }
  auto session = std::make_shared<engineio_session>(
    *lane, sid, mount_.options, mount_.factory(), kept_of(handshake),
    [weak = weak_from_this()](const std::string& id) {
      if (auto self = weak.lock())
        self->forget(id);
    });
  {
    std::lock_guard lk(mu_);
    sessions_.emplace(sid, session);
  }
  {
    std::lock_guard lk(ctx_.sessions_mu);
    ctx_.sessions.emplace(session.get(), std::weak_ptr<transport_session>{session});
  }
  ++ctx_.open_sessions;
  // An operator sees the logical client; its WebSocket, if any, is listed too.
  ctx_.connections->add(std::weak_ptr<transport_session>{session}, handshake.remote_address,
                         mount_.path + " (engine.io " + std::string{handshake.query_param("transport")} + ")");
  metrics::bump(handshake.query_param("transport") == "websocket" ? &metrics::lane::eio_websocket_opened
                                                                   : &metrics::lane::eio_polling_opened);
  return session;
}

void engineio_server::forget(const std::string& sid) {
  std::shared_ptr<engineio_session> gone;
  {
    std::lock_guard lk(mu_);
    auto i = sessions_.find(sid);
    if (i == sessions_.end())
      return;
    gone = std::move(i->second);
    sessions_.erase(i);
  }
  {
    std::lock_guard lk(ctx_.sessions_mu);
    ctx_.sessions.erase(gone.get());
  }
  --ctx_.open_sessions;
}

std::size_t engineio_server::sessions() const {
  std::lock_guard lk(mu_);
  return sessions_.size();
}

void engineio_server::mount(router& routes) {
  auto weak = std::weak_ptr<engineio_server>{shared_from_this()};
  auto& o = mount_.options;
  // A poll is answered at the latest with the next ping.
  auto poll_timeout = o.ping_interval + o.ping_timeout + std::chrono::seconds(5);
  http_route get;
  get.method = http_method::get;
  get.pattern = mount_.path;
  get.cors = true;
  get.check_origin = true;
  get.timeout = poll_timeout;
  get.handler = [weak](http_request& req, responder res) {
    auto self = weak.lock();
    if (!self)
      return res.error(503, "shutting down");
    if (auto err = check_engineio_query(req, "polling"))
      return res.reply(std::move(*err));
    auto sid = req.query_param("sid");
    if (sid.empty()) {
      if (self->ctx_.draining)
        return res.error(503, "shutting down");
      auto session = self->create(req);
      http_response r;
      r.body = open_packet(session->sid(), self->mount_.options, true);
      r.content_type = "text/plain; charset=UTF-8";
      res.reply(std::move(r));
      session->open(nullptr);
      return;
    }
    auto session = self->find(sid);
    if (!session)
      return res.reply(eio_error(1, "Session ID unknown"));
    session->poll(std::move(res));
  };
  routes.add(std::move(get));

  http_route post;
  post.method = http_method::post;
  post.pattern = mount_.path;
  post.cors = true;
  post.check_origin = true;
  post.body_limit = o.max_payload + 1; // larger bodies end the session (engineio_session::post)
  post.handler = [weak](http_request& req, responder res) {
    auto self = weak.lock();
    if (!self)
      return res.error(503, "shutting down");
    if (auto err = check_engineio_query(req, "polling"))
      return res.reply(std::move(*err));
    auto sid = req.query_param("sid");
    if (sid.empty())
      return res.reply(eio_error(2, "Bad handshake method"));
    auto session = self->find(sid);
    if (!session)
      return res.reply(eio_error(1, "Session ID unknown"));
    session->post(req.body, std::move(res));
  };
  routes.add(std::move(post));

  // Other methods get Engine.IO's "bad handshake method", as the reference does.
  for (auto m : {http_method::put, http_method::del, http_method::patch}) {
    http_route other;
    other.method = m;
    other.pattern = mount_.path;
    other.handler = [](http_request&, responder res) { res.reply(eio_error(2, "Bad handshake method")); };
    routes.add(std::move(other));
  }
  routes.add(upgrade_route{mount_.path, std::make_shared<engineio_endpoint>(weak)});
}

} // namespace roomcast
