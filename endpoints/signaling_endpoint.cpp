#include "endpoints/signaling_endpoint.hpp"

#include <caf/all.hpp>

#include "actors/message_types.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/signaling_connection.hpp"
#include "actors/signaling_room.hpp"
#include "auth/jwt_verifier.hpp"
#include "dialects/signaling_codec.hpp"
#include "endpoints/signaling_rest.hpp"
#include "gateway/endpoint.hpp"
#include "wire/text.hpp"

namespace roomcast {

namespace {

/// What every signaling connection of the node shares.
struct signaling_env {
  caf::actor_system& sys;
  caf::actor registry;
  settings cfg;
  signaling_limits limits;
  std::shared_ptr<const rate_limit> flood; ///< server.rate_limit_*, changed by a reload
};

class signaling_ws final : public ws_connection {
public:
  signaling_ws(std::shared_ptr<const signaling_env> env, std::string verified_name)
    : env_(std::move(env)),
      verified_name_(std::move(verified_name)),
      limiter_(env_->flood) {}

  void start(client_link_ptr link) override {
    conn_ = env_->sys.spawn(signaling_connection, std::move(link), env_->registry,
                            signaling_connection_config{env_->cfg.signaling_auto_create_rooms});
  }

  bool on_text(std::string_view text, client_link& link) override {
    if (!allowed(link))
      return false;
    auto result = decode_signaling(text, env_->limits);
    if (auto* err = std::get_if<signaling_decode_error>(&result)) {
      link.send(render_signaling_error(err->code, err->message));
      return false;
    }
    if (!conn_)
      return false; // released (slow consumer): its commands go nowhere
    auto& cmd = std::get<signaling_command>(result);
    if (cmd.op == signaling_op::join_room && !verified_name_.empty())
      cmd.display_name = verified_name_; // the token's name wins over the payload's
    caf::anon_send(conn_, std::move(cmd));
    return true;
  }

  bool on_binary(std::string_view, client_link& link) override {
    if (allowed(link))
      link.send(render_signaling_error(signaling_error::invalid_message, "Binary messages are not supported"));
    return false;
  }

  void on_too_big(std::size_t limit, client_link& link) override {
    link.send(render_signaling_error(signaling_error::invalid_message,
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
    if (now - last_limit_error_ >= std::chrono::seconds(1)) {
      last_limit_error_ = now;
      link.send(render_signaling_error(signaling_error::rate_limited));
    }
    return false;
  }

  std::shared_ptr<const signaling_env> env_;
  std::string verified_name_; ///< from a verified token; empty: anonymous
  caf::actor conn_;
  rate_limiter limiter_;
  std::chrono::steady_clock::time_point last_limit_error_{};
};

class signaling_endpoint final : public ws_endpoint {
public:
  explicit signaling_endpoint(std::shared_ptr<const signaling_env> env) : env_(std::move(env)) {}

  ws_admission accept(const http_request& req) override {
    auto& cfg = env_->cfg;
    auto token = req.query_param("token");
    std::string name;
    if (!cfg.jwt_secret.empty() && (cfg.signaling_require_auth || !token.empty())) {
      // Once per connection, before the 101.
      if (token.empty())
        return http_response::error(401, "A token is required (?token=)");
      auto result = verify_jwt_now(token, cfg.jwt());
      if (!result.identity)
        return http_response::error(401, "Token refused: " + result.error);
      sanitize_text(result.identity->name, env_->limits.max_display_name_chars, false, name);
    }
    return std::make_unique<signaling_ws>(env_, std::move(name));
  }

private:
  std::shared_ptr<const signaling_env> env_;
};

} // namespace

dialect signaling_dialect(const dialect_env& env) {
  auto& cfg = env.cfg;
  signaling_room_config room_cfg;
  room_cfg.default_max_participants = cfg.signaling_default_max_participants;
  room_cfg.sfu_threshold = cfg.signaling_sfu_threshold;
  room_cfg.escape_html = cfg.signaling_escape_html;
  room_cfg.ice.stun_urls = cfg.signaling_stun_urls;
  room_cfg.ice.turn_url = cfg.signaling_turn_url;
  room_cfg.ice.turn_username = cfg.signaling_turn_username;
  room_cfg.ice.turn_credential = cfg.signaling_turn_credential;
  room_cfg.ice.turn_secret = cfg.signaling_turn_secret;
  room_cfg.ice.turn_ttl_seconds = cfg.signaling_turn_ttl.count();
  room_cfg.life.persistence = env.persistence;
  room_cfg.life.idle_timeout = cfg.room_idle;
  room_cfg.life.snapshot_debounce = cfg.snapshot_debounce;
  auto retention = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.signaling_room_retention);
  if (retention.count() > 0)
    room_cfg.life.refresh_interval = retention / 4;

  dialect d;
  d.name = "signaling";
  room_kind kind;
  kind.name = "signaling";
  kind.retention = retention;
  kind.spawn = [room_cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    auto c = room_cfg;
    c.life.registry = registry;
    return sys.spawn(signaling_room, id, std::move(c));
  };
  d.kinds.push_back(std::move(kind));
  auto flood = std::make_shared<rate_limit>(cfg.rate_limit_per_second, cfg.rate_limit_burst);
  d.reload = [flood](const settings& now) { flood->set(now.rate_limit_per_second, now.rate_limit_burst); };
  d.mount = [&sys = env.sys, cfg, flood](router& routes, const caf::actor& registry) {
    auto shared =
      std::make_shared<const signaling_env>(signaling_env{sys, registry, cfg, signaling_limits{}, flood});
    routes.add(upgrade_route{"/ws", std::make_shared<signaling_endpoint>(shared)});
    mount_signaling_rest(routes, std::make_shared<const signaling_rest_env>(signaling_rest_env{
                                   sys, registry, cfg, std::chrono::steady_clock::now()}));
  };
  return d;
}

} // namespace roomcast
