#include "endpoints/shop_endpoint.hpp"

#include <caf/all.hpp>

#include "actors/admin_group.hpp"
#include "actors/message_types.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/shop_connection.hpp"
#include "actors/shop_stream.hpp"
#include "actors/support_conversation.hpp"
#include "auth/jwt_verifier.hpp"
#include "dialects/shop_codec.hpp"
#include "endpoints/shop_rest.hpp"
#include "gateway/endpoint.hpp"

namespace roomcast {

namespace {

/// What every shop connection of the node shares.
struct shop_env {
  caf::actor_system& sys;
  caf::actor registry;
  settings cfg;
  shop_limits limits;
  /// The rate limits (server.rate_limit_*, shop.*_per_second/_burst), changed by a reload.
  std::shared_ptr<const rate_limit> flood, chat, likes, support;
};

class shop_ws final : public ws_connection {
public:
  explicit shop_ws(std::shared_ptr<const shop_env> env)
    : env_(std::move(env)),
      limiter_(env_->flood),
      chat_(env_->chat),
      likes_(env_->likes),
      support_(env_->support) {}

  void start(client_link_ptr link) override {
    conn_ = env_->sys.spawn(shop_connection, std::move(link), env_->registry);
  }

  bool on_text(std::string_view text, client_link& link) override {
    auto now = std::chrono::steady_clock::now();
    if (!allowed(limiter_, now, link))
      return false;
    auto result = decode_shop(text, env_->limits);
    if (auto* err = std::get_if<shop_decode_error>(&result)) {
      link.send(render_shop_error(err->code, err->message));
      return false;
    }
    auto& cmd = std::get<shop_command>(result);
    if (!conn_)
      return false;
    switch (cmd.op) {
      case shop_op::chat_message:
        if (!allowed(chat_, now, link))
          return false;
        break;
      case shop_op::toggle_like:
        if (!allowed(likes_, now, link))
          return false;
        break;
      case shop_op::customer_message:
      case shop_op::staff_message:
        if (!allowed(support_, now, link))
          return false;
        break;
      case shop_op::register_customer:
      case shop_op::register_admin:
        if (!authenticate(cmd, link))
          return false;
        break;
      default: break;
    }
    caf::anon_send(conn_, std::move(cmd));
    return true;
  }

  bool on_binary(std::string_view, client_link& link) override {
    if (allowed(limiter_, std::chrono::steady_clock::now(), link))
      link.send(render_shop_error(shop_error::unsupported_data));
    return false;
  }

  void on_too_big(std::size_t limit, client_link& link) override {
    link.send(render_shop_error(shop_error::message_too_large,
                                "Messages are limited to " + std::to_string(limit) + " bytes"));
  }

  void on_release() override {
    if (conn_) {
      caf::anon_send(conn_, disconnect_atom::value);
      conn_ = nullptr;
    }
  }

private:
  /// A token from `bucket`; one rate error a second at most.
  bool allowed(rate_limiter& bucket, std::chrono::steady_clock::time_point now, client_link& link) {
    if (bucket.allow(now))
      return true;
    if (now - last_limit_error_ >= std::chrono::seconds(1)) {
      last_limit_error_ = now;
      link.send(render_shop_error(shop_error::rate_limited));
    }
    return false;
  }

  /// register: an optional token, verified if given; register_admin: a
  /// verified token with role "admin". Identity goes into the `auth_` fields.
  bool authenticate(shop_command& cmd, client_link& link) {
    auto& secret = env_->cfg.jwt_secret;
    auto token = std::move(cmd.token);
    cmd.token.clear();
    cmd.auth_subject.clear();
    cmd.auth_name.clear();
    cmd.auth_admin = false;
    if (cmd.op == shop_op::register_customer && (token.empty() || secret.empty()))
      return true; // anonymous customers are the contract's normal case
    auto v = secret.empty() ? jwt_result{} : verify_jwt_now(token, env_->cfg.jwt());
    if (!v.identity || (cmd.op == shop_op::register_admin && !v.identity->is_admin())) {
      link.send(render_shop_error(shop_error::auth_failed));
      return false;
    }
    cmd.auth_subject = v.identity->subject;
    cmd.auth_name = v.identity->name;
    cmd.auth_admin = v.identity->is_admin();
    return true;
  }

  std::shared_ptr<const shop_env> env_;
  caf::actor conn_;
  rate_limiter limiter_, chat_, likes_, support_;
  std::chrono::steady_clock::time_point last_limit_error_{};
};

class shop_endpoint final : public ws_endpoint {
public:
  explicit shop_endpoint(std::shared_ptr<const shop_env> env) : env_(std::move(env)) {}
  ws_admission accept(const http_request&) override { return std::make_unique<shop_ws>(env_); }

private:
  std::shared_ptr<const shop_env> env_;
};

} // namespace

dialect shop_dialect(const dialect_env& env) {
  auto& cfg = env.cfg;
  lifecycle_config life;
  life.persistence = env.persistence;
  life.idle_timeout = cfg.room_idle;
  life.snapshot_debounce = cfg.snapshot_debounce;
  auto retention = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.room_retention);
  if (retention.count() > 0)
    life.refresh_interval = retention / 4;

  dialect d;
  d.name = "shop";
  shop_stream_config stream_cfg;
  stream_cfg.history_limit = cfg.shop_chat_history;
  stream_cfg.escape_html = cfg.shop_escape_html;
  stream_cfg.life = life;
  room_kind stream;
  stream.name = shop_kinds::stream;
  stream.spawn = [stream_cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    auto c = stream_cfg;
    c.life.registry = registry;
    return sys.spawn(shop_stream, id, std::move(c));
  };
  d.kinds.push_back(std::move(stream)); // the live stream is never deleted for age

  support_conversation_config support_cfg;
  support_cfg.escape_html = cfg.shop_escape_html;
  support_cfg.admin_kind = shop_kinds::admins;
  support_cfg.admin_id = shop_kinds::default_id;
  support_cfg.life = life;
  room_kind support;
  support.name = shop_kinds::support;
  support.retention = retention;
  support.spawn = [support_cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    auto c = support_cfg;
    c.life.registry = registry;
    return sys.spawn(support_conversation, id, std::move(c));
  };
  d.kinds.push_back(std::move(support));

  room_kind admins;
  admins.name = shop_kinds::admins;
  admins.resumable = false;
  admins.spawn = [](caf::actor_system& sys, const std::string& id, const caf::actor_addr&) {
    return sys.spawn(admin_group, id);
  };
  d.kinds.push_back(std::move(admins));

  auto flood = std::make_shared<rate_limit>(cfg.rate_limit_per_second, cfg.rate_limit_burst);
  auto chat = std::make_shared<rate_limit>(cfg.shop_chat_per_second, cfg.shop_chat_burst);
  auto likes = std::make_shared<rate_limit>(cfg.shop_likes_per_second, cfg.shop_likes_burst);
  auto support_rate = std::make_shared<rate_limit>(cfg.shop_support_per_second, cfg.shop_support_burst);
  d.reload = [flood, chat, likes, support_rate](const settings& now) {
    flood->set(now.rate_limit_per_second, now.rate_limit_burst);
    chat->set(now.shop_chat_per_second, now.shop_chat_burst);
    likes->set(now.shop_likes_per_second, now.shop_likes_burst);
    support_rate->set(now.shop_support_per_second, now.shop_support_burst);
  };
  d.mount = [&sys = env.sys, cfg, flood, chat, likes, support_rate](router& routes, const caf::actor& registry) {
    shop_limits limits{cfg.shop_max_message_chars, cfg.shop_max_username_chars, cfg.shop_escape_html};
    auto shared =
      std::make_shared<const shop_env>(shop_env{sys, registry, cfg, limits, flood, chat, likes, support_rate});
    auto endpoint = std::make_shared<shop_endpoint>(shared);
    // A plain GET of "/" stays with the HTTP side (a landing page, or 404).
    upgrade_route root{"/", endpoint};
    root.shares_http_path = true;
    routes.add(std::move(root));
    routes.add(upgrade_route{"/shop", endpoint});
    mount_shop_rest(routes, sys, registry, cfg, limits);
  };
  return d;
}

} // namespace roomcast
