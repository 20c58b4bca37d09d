#include "endpoints/conference_endpoint.hpp"

#include <caf/all.hpp>

#include "actors/conference_connection.hpp"
#include "actors/conference_room.hpp"
#include "actors/message_types.hpp"
#include "actors/rate_limiter.hpp"
#include "auth/jwt_verifier.hpp"
#include "dialects/conference_codec.hpp"
#include "gateway/endpoint.hpp"
#include "gateway/metrics.hpp"

namespace roomcast {

namespace {

/// What every conference connection of the node shares.
struct conference_env {
  caf::actor_system& sys;
  caf::actor registry;
  settings cfg;
  codec_limits limits;
  std::shared_ptr<const rate_limit> flood; ///< server.rate_limit_*, changed by a reload
};

class conference_ws final : public ws_connection {
public:
  conference_ws(std::shared_ptr<const conference_env> env, std::string room_id, std::string url_token)
    : env_(std::move(env)),
      room_id_(std::move(room_id)),
      url_token_(std::move(url_token)),
      limiter_(env_->flood) {}

  void start(client_link_ptr link) override {
    conn_ = env_->sys.spawn(conference_connection, std::move(link), room_id_, env_->registry);
  }

  bool on_text(std::string_view text, client_link& link) override {
    if (!allowed(link))
      return false;
    auto result = decode_conference(text, env_->limits);
    if (auto* err = std::get_if<decode_error>(&result)) {
      link.send(render_error(err->code, err->message, err->event));
      return false;
    }
    auto& cmd = std::get<conference_command>(result);
    if (!conn_)
      return false; // released (slow consumer): its commands go nowhere
    if (cmd.op == conference_op::join && !authenticate(cmd, link))
      return false;
    caf::anon_send(conn_, std::move(cmd));
    return true;
  }

  bool on_binary(std::string_view, client_link& link) override {
    // Counted like text: refusing binary must not cost more than the flood.
    if (allowed(link))
      link.send(render_error(conference_error::unsupported_data));
    return false;
  }

  void on_too_big(std::size_t limit, client_link& link) override {
    link.send(render_error(conference_error::message_too_large,
                           "Messages are limited to " + std::to_string(limit) + " bytes"));
  }

  void on_release() override {
    if (conn_) {
      caf::anon_send(conn_, disconnect_atom::value);
      conn_ = nullptr;
    }
  }

private:
  /// The rate limit; one error a second at most, so the error is not the flood.
  bool allowed(client_link& link) {
    auto now = std::chrono::steady_clock::now();
    if (limiter_.allow(now))
      return true;
    metrics::bump(&metrics::lane::rate_limit_refusals);
    if (now - last_limit_error_ >= std::chrono::seconds(1)) {
      last_limit_error_ = now;
      link.send(render_error(conference_error::rate_limited));
    }
    return false;
  }

  /// Token authentication of a join (the URL's ?token= or the join's
  /// `token`), once per connection; false if it was refused.
  bool authenticate(conference_command& join, client_link& link) {
    auto& cfg = env_->cfg;
    auto& token = join.auth_token.empty() ? url_token_ : join.auth_token;
    if (cfg.jwt_secret.empty()) {
      join.auth_token.clear();
      return true; // no auth configured: a token (perhaps another system's) is ignored
    }
    if (token.empty()) {
      if (!cfg.require_token)
        return true; // the conference contract allows anonymous use
      link.send(render_error(conference_error::unauthorized, "A token is required to join", "join"));
      return false;
    }
    auto result = verify_jwt_now(token, cfg.jwt());
    if (!result.identity) {
      link.send(render_error(conference_error::unauthorized, "Token refused: " + result.error, "join"));
      return false;
    }
    // The verified name wins over whatever the payload claimed.
    if (auto name = sanitize_username(result.identity->name, env_->limits))
      join.username = std::move(*name);
    join.role = result.identity->role;
    join.auth_token.clear();
    return true;
  }

  std::shared_ptr<const conference_env> env_;
  std::string room_id_;
  std::string url_token_; ///< ?token= from the upgrade request
  caf::actor conn_;
  rate_limiter limiter_;
  std::chrono::steady_clock::time_point last_limit_error_{};
};

class conference_endpoint final : public ws_endpoint {
public:
  explicit conference_endpoint(std::shared_ptr<const conference_env> env) : env_(std::move(env)) {}

  ws_admission accept(const http_request& req) override {
    // An invalid room id is refused in the dialect's own words, at join.
    return std::make_unique<conference_ws>(env_, std::string{req.param("roomId")}, req.query_param("token"));
  }

private:
  std::shared_ptr<const conference_env> env_;
};

} // namespace

dialect conference_dialect(const dialect_env& env) {
  auto& cfg = env.cfg;
  conference_room_config room_cfg;
  room_cfg.capacity = cfg.room_capacity;
  room_cfg.history_limit = cfg.chat_history;
  room_cfg.host_grace = cfg.host_grace;
  room_cfg.token_secret = env.token_secret;
  room_cfg.escape_html = cfg.conference_escape_html;
  room_cfg.life.persistence = env.persistence;
  room_cfg.life.idle_timeout = cfg.room_idle;
  room_cfg.life.snapshot_debounce = cfg.snapshot_debounce;
  auto retention = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.room_retention);
  if (retention.count() > 0)
    room_cfg.life.refresh_interval = retention / 4;

  dialect d;
  d.name = "conference";
  room_kind kind;
  kind.name = "conference";
  kind.retention = retention;
  kind.spawn = [room_cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    auto c = room_cfg;
    c.life.registry = registry;
    return sys.spawn(conference_room, id, std::move(c));
  };
  d.kinds.push_back(std::move(kind));
  auto flood = std::make_shared<rate_limit>(cfg.rate_limit_per_second, cfg.rate_limit_burst);
  d.reload = [flood](const settings& now) { flood->set(now.rate_limit_per_second, now.rate_limit_burst); };
  d.mount = [&sys = env.sys, cfg, flood](router& routes, const caf::actor& registry) {
    auto shared = std::make_shared<const conference_env>(
      conference_env{sys, registry, cfg, codec_limits{cfg.max_message_chars, cfg.max_username_chars}, flood});
    routes.add(upgrade_route{"/room/:roomId/websocket", std::make_shared<conference_endpoint>(shared),
                             cfg.conference_origins});
  };
  return d;
}

} // namespace roomcast
