#include "endpoints/chatrooms_endpoint.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <charconv>
#include <memory>
#include <random>

#include "actors/chat_connection.hpp"
#include "actors/chat_lobby.hpp"
#include "actors/chat_room.hpp"
#include "actors/message_types.hpp"
#include "actors/rate_limiter.hpp"
#include "auth/jwt_verifier.hpp"
#include "dialects/chatrooms_codec.hpp"
#include "gateway/socketio_namespace.hpp"
#include "wire/json_writer.hpp"
#include "wire/text.hpp"

namespace roomcast {

namespace {

constexpr auto ask_timeout = std::chrono::seconds(8);
constexpr const char* lobby_id = "main";

/// What every chatrooms connection and route of the node shares.
struct chat_env {
  caf::actor_system& sys;
  caf::actor registry;
  settings cfg;
  chat_limits limits;
  chat_rate_limits rates;
  chat_connection_config conn_cfg;
  std::shared_ptr<const rate_limit> flood; ///< server.rate_limit_*, changed by a reload
  /// server.max_rooms_per_connection for connections opened from now on, changed by a reload.
  std::shared_ptr<const std::atomic<std::size_t>> max_rooms;
};

/// The rate-limit column the contract prescribes for this environment.
chat_rate_limits rate_limits(const settings& cfg) {
  bool dev = cfg.env == "development";
  chat_rate_limits r;
  r.window = cfg.chat_rate_window;
  r.messages = dev ? cfg.chat_rate_messages_development : cfg.chat_rate_messages_production;
  r.joins = dev ? cfg.chat_rate_joins_development : cfg.chat_rate_joins_production;
  r.typing = dev ? cfg.chat_rate_typing_development : cfg.chat_rate_typing_production;
  return r;
}

/// An error object of the catalogue as JSON text.
std::string error_json(chat_error code, std::string_view message = {}) {
  return error_body(code, message, chat_now_ms());
}

// -- authentication ------------------------------------------------------------------

struct auth_outcome {
  std::optional<chat_user_ref> user;
  std::string reason;
};

std::string strip_bearer(std::string token) {
  if (token.size() > 7 && (token.compare(0, 7, "Bearer ") == 0 || token.compare(0, 7, "bearer ") == 0))
    token.erase(0, 7);
  return token;
}

/// The token of a CONNECT: `auth.token`, else `Authorization: Bearer`, else `?token=`.
std::string connect_token(const http_request& handshake, std::string_view auth) {
  if (!auth.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(auth, ec);
    if (!ec && v.is_object())
      if (auto* t = v.as_object().if_contains("token"); t && t->is_string() && !t->as_string().empty())
        return strip_bearer(std::string{t->as_string()});
  }
  if (auto b = handshake.bearer_token(); !b.empty())
    return b;
  return handshake.query_param("token");
}

auth_outcome verify(const settings& cfg, const std::string& token) {
  if (token.empty())
    return {std::nullopt, "A JWT is required (auth.token, Authorization: Bearer or ?token=)"};
  if (cfg.jwt_secret.empty())
    return {std::nullopt, "Authentication is not configured on this server (auth.jwt_secret / JWT_SECRET)"};
  auto r = verify_jwt_now(token, cfg.jwt());
  if (!r.identity)
    return {std::nullopt, "Invalid token: " + r.error};
  if (r.identity->subject.empty())
    return {std::nullopt, "Invalid token: no subject (sub)"};
  std::string name;
  if (!sanitize_text(r.identity->name, 64, false, name))
    name = r.identity->subject;
  return {chat_user_ref{r.identity->subject, name}, {}};
}

std::string guest_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = "guest-";
  for (int i = 0; i < 10; ++i)
    id.push_back(alphabet[rng() % 36]);
  return id;
}

// -- the namespace ---------------------------------------------------------------------

class chat_sio final : public sio_connection {
public:
  chat_sio(std::shared_ptr<const chat_env> env, chat_user_ref user)
    : env_(std::move(env)),
      user_(std::move(user)),
      flood_(env_->flood) {}

  void start(client_link_ptr link, std::string, eio_session_services&) override {
    auto conn_cfg = env_->conn_cfg;
    conn_cfg.max_rooms = env_->max_rooms->load(std::memory_order_relaxed);
    conn_ = env_->sys.spawn(chat_connection, std::move(link), user_, env_->registry, std::move(conn_cfg));
  }

  bool on_event(std::string_view args, std::optional<std::uint64_t> ack, client_link& link) override {
    if (!within_flood_limit(link, ack))
      return false;
    return hand_on(decode_chat(args, ack, env_->limits), ack, link);
  }

  bool on_parsed_event(const boost::json::value& parsed, std::string_view, std::optional<std::uint64_t> ack,
                       client_link& link) override {
    if (!within_flood_limit(link, ack))
      return false;
    return hand_on(decode_chat(parsed, ack, env_->limits), ack, link);
  }

  void on_binary_event(std::string_view, const std::vector<std::string>&, std::optional<std::uint64_t> ack,
                       client_link& link) override {
    if (!within_flood_limit(link, ack))
      return;
    refuse(link, chat_error::bad_payload, "Binary payloads are not supported", ack);
  }

  void on_release() override {
    if (conn_) {
      caf::anon_send(conn_, disconnect_atom::value);
      conn_ = nullptr;
    }
  }

private:
  /// A decoded command goes to the connection actor; a refused one is answered here.
  bool hand_on(std::variant<chat_command, chat_decode_error> result, std::optional<std::uint64_t> ack,
               client_link& link) {
    if (auto* err = std::get_if<chat_decode_error>(&result)) {
      refuse(link, err->code, err->message, ack);
      return false;
    }
    if (!conn_)
      return false;
    caf::anon_send(conn_, std::move(std::get<chat_command>(result)));
    return true;
  }

  /// The node's per-connection flood guard (server.rate_limit_per_second /
  /// _burst), before any decoding; the contract's per-user limits are the
  /// user's budget, checked by the connection actor. One error a second at most, so the error is not the flood.
  bool within_flood_limit(client_link& link, std::optional<std::uint64_t> ack) {
    auto now = std::chrono::steady_clock::now();
    if (flood_.allow(now))
      return true;
    if (now - last_flood_error_ >= std::chrono::seconds(1)) {
      last_flood_error_ = now;
      refuse(link, chat_error::rate_limited, "Too many events on this connection", ack);
    }
    return false;
  }

  void refuse(client_link& link, chat_error code, std::string_view message, std::optional<std::uint64_t> ack) {
    auto& nsp = env_->cfg.chat_namespace;
    auto body = error_json(code, message);
    if (ack)
      link.send(render_ack(nsp, *ack, body));
    link.send(render_event(nsp, "error", body));
  }

  std::shared_ptr<const chat_env> env_;
  chat_user_ref user_;
  caf::actor conn_;
  rate_limiter flood_;
  std::chrono::steady_clock::time_point last_flood_error_{};
};

class chat_namespace final : public sio_namespace {
public:
  explicit chat_namespace(std::shared_ptr<const chat_env> env) : env_(std::move(env)) {}

  sio_admission connect(const http_request& handshake, std::string_view auth) override {
    auto& cfg = env_->cfg;
    auto token = connect_token(handshake, auth);
    if (token.empty() && cfg.chat_allow_anonymous)
      return std::make_unique<chat_sio>(env_, chat_user_ref{guest_id(), "Guest"});
    auto outcome = verify(cfg, token);
    if (!outcome.user)
      return sio_refusal{"Unauthorized", error_json(chat_error::unauthorized, outcome.reason)};
    return std::make_unique<chat_sio>(env_, std::move(*outcome.user));
  }

private:
  std::shared_ptr<const chat_env> env_;
};

// -- HTTP: what the actors say about themselves -----------------------------------------

/// Every live actor of `kind`, described (through the registry), as parsed JSON.
void describe_all(caf::event_based_actor* self, const caf::actor& registry, const std::string& kind,
                  std::function<void(std::vector<boost::json::value>)> done) {
  self->request(registry, ask_timeout, list_atom::value, kind)
    .then(
      [self, registry, kind, done](std::vector<std::string>& ids) {
        auto acc = std::make_shared<std::vector<boost::json::value>>();
        auto left = std::make_shared<std::size_t>(ids.size());
        if (ids.empty())
          return done({});
        for (auto& id : ids) {
          auto one = [acc, left, done](std::optional<std::string> text) {
            if (text) {
              boost::system::error_code ec;
              auto v = boost::json::parse(*text, ec);
              if (!ec && v.is_object())
                acc->push_back(std::move(v));
            }
            if (--*left == 0)
              done(std::move(*acc));
          };
          // A room that stopped meanwhile is simply not counted.
          self->request(registry, ask_timeout, describe_atom::value, kind, id)
            .then([one](std::string& s) { one(std::move(s)); }, [one](caf::error&) { one(std::nullopt); });
        }
      },
      [done](caf::error&) { done({}); });
}

std::uint64_t field(const boost::json::value& v, std::string_view key) {
  if (auto* f = v.as_object().if_contains(key); f && f->is_number())
    return f->to_number<std::uint64_t>();
  return 0;
}

std::size_t array_size(const boost::json::value& v, std::string_view key) {
  if (auto* f = v.as_object().if_contains(key); f && f->is_array())
    return f->as_array().size();
  return 0;
}

std::string string_field(const boost::json::value& v, std::string_view key) {
  if (auto* f = v.as_object().if_contains(key); f && f->is_string())
    return std::string{f->as_string()};
  return {};
}

struct chat_view {
  std::vector<boost::json::value> rooms;
  boost::json::value lobby;
  std::size_t rooms_created = 0;
};

/// Gathers every chat actor's description, then calls `done` (on an actor thread).
void gather(std::shared_ptr<const chat_env> env, std::function<void(chat_view)> done) {
  env->sys.spawn([env, done](caf::event_based_actor* self) {
    auto view = std::make_shared<chat_view>();
    auto registry = env->registry;
    describe_all(self, registry, "chatroom", [self, registry, view, done](std::vector<boost::json::value> rooms) {
      view->rooms = std::move(rooms);
      self->request(registry, ask_timeout, room_atom::value, std::string{"chatlobby"}, std::string{lobby_id})
        .then(
          [self, registry, view, done](caf::actor lobby) {
            self->request(lobby, ask_timeout, describe_atom::value)
              .then(
                [self, registry, view, done](std::string& text) {
                  boost::system::error_code ec;
                  view->lobby = boost::json::parse(text, ec);
                  if (ec || !view->lobby.is_object())
                    view->lobby = boost::json::object{};
                  self->request(registry, ask_timeout, list_atom::value, std::string{"chatroom"}, true)
                    .then(
                      [view, done](std::vector<std::string>& all) {
                        view->rooms_created = all.size();
                        done(std::move(*view));
                      },
                      [view, done](caf::error&) {
                        view->rooms_created = view->rooms.size();
                        done(std::move(*view));
                      });
                },
                [view, done](caf::error&) {
                  view->lobby = boost::json::object{};
                  done(std::move(*view));
                });
          },
          [view, done](caf::error&) {
            view->lobby = boost::json::object{};
            done(std::move(*view));
          });
    });
  });
}

std::string cors_origin(const settings& cfg) {
  std::string out;
  for (auto& o : cfg.cors_origins) {
    if (!out.empty())
      out += ',';
    out += o;
  }
  return out;
}

std::string health_json(const chat_env& env, const chat_view& v) {
  auto& cfg = env.cfg;
  std::uint64_t active = 0, typing = 0;
  for (auto& r : v.rooms) {
    active += field(r, "userCount") > 0;
    typing += array_size(r, "typingUsers");
  }
  json_writer w;
  w.str("status", "healthy").str("timestamp", iso_time(chat_now_ms()));
  w.object("websocket")
    .str("namespace", cfg.chat_namespace)
    .str("corsOrigin", cors_origin(cfg))
    .unum("connectedUsers", field(v.lobby, "connectedUsers"))
    .unum("activeRooms", active)
    .unum("totalTypingUsers", typing)
    .end_object();
  w.object("features")
    .boolean("detailedLogging", cfg.env == "development")
    .boolean("metrics", cfg.chat_enable_metrics)
    .boolean("heartbeat", cfg.chat_enable_heartbeat)
    .end_object();
  w.object("rateLimits")
    .num("windowMs", env.rates.window.count())
    .unum("maxMessagesPerWindow", env.rates.messages)
    .unum("maxJoinsPerWindow", env.rates.joins)
    .unum("maxTypingEventsPerWindow", env.rates.typing)
    .end_object();
  return w.done();
}

std::string stats_json(const chat_view& v) {
  // The lobby counts every user's budget, online or gone.
  std::uint64_t active = 0, messages = field(v.lobby, "messages"), violations = field(v.lobby, "violations");
  json_writer w;
  w.str("timestamp", iso_time(chat_now_ms()));
  w.object("connections")
    .unum("current", field(v.lobby, "connections"))
    .unum("total", field(v.lobby, "totalConnections"))
    .unum("totalDisconnections", field(v.lobby, "totalDisconnections"))
    .end_object();
  for (auto& r : v.rooms)
    active += field(r, "userCount") > 0;
  w.object("rooms").unum("active", active).unum("totalCreated", v.rooms_created).array("details");
  for (auto& r : v.rooms) {
    w.begin_element_object();
    w.str("roomId", string_field(r, "id"))
      .unum("userCount", field(r, "userCount"))
      .unum("typingUsers", array_size(r, "typingUsers"))
      .str("createdAt", string_field(r, "createdAt"))
      .str("lastActivity", string_field(r, "lastActivity"));
    w.end_object();
  }
  w.end_array().end_object();
  w.object("messages").unum("totalProcessed", messages).end_object();
  w.object("rateLimiting").unum("violations", violations).end_object();
  return w.done();
}

/// A positive integer query parameter within [1, max], or `fallback` when absent.
std::optional<std::uint32_t> query_number(const http_request& req, std::string_view name, std::uint32_t fallback,
                                          std::uint32_t max) {
  auto text = req.query_param(name);
  if (text.empty())
    return fallback;
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v < 1 || v > max)
    return std::nullopt;
  return v;
}

void history_route(std::shared_ptr<const chat_env> env, http_request& req, responder res) {
  auto token = req.bearer_token();
  if (token.empty())
    token = req.query_param("token");
  auto who = verify(env->cfg, token);
  if (!who.user)
    return res.json(401, error_json(chat_error::unauthorized, who.reason));
  std::string room_id{req.param("roomId")};
  if (!valid_room_id(room_id))
    return res.json(400, error_json(chat_error::invalid_room_id));
  auto page = query_number(req, "page", 1, 1'000'000);
  auto limit = query_number(req, "limit", 50, 100);
  if (!page || !limit)
    return res.json(400, error_json(chat_error::bad_payload, "page must be >= 1 and limit 1-100"));
  auto user_id = who.user->user_id;
  auto registry = env->registry;
  env->sys.spawn([=](caf::event_based_actor* self) {
    self->request(registry, ask_timeout, find_atom::value, std::string{"chatroom"}, room_id)
      .then(
        [=](caf::actor room) {
          self->request(room, ask_timeout, history_atom::value, user_id, *page, *limit)
            .then([res](std::string& body) { res.json(200, std::move(body)); },
                  [res](caf::error& err) {
                    if (err.category() == caf::atom("system")
                        && err.code() == static_cast<std::uint8_t>(caf::sec::invalid_argument))
                      res.json(403, error_json(chat_error::forbidden));
                    else
                      res.json(500, error_json(chat_error::unavailable));
                  });
        },
        [res, room_id](caf::error& err) {
          if (is(err, registry_error::no_such_room))
            res.json(404, error_json(chat_error::room_not_found, "Room " + room_id + " not found"));
          else
            res.json(503, error_json(chat_error::unavailable));
        });
  });
}

} // namespace

dialect chatrooms_dialect(const dialect_env& env) {
  auto& cfg = env.cfg;
  chat_room_config room_cfg;
  room_cfg.nsp = cfg.chat_namespace;
  room_cfg.history_limit = cfg.chat_room_history;
  room_cfg.typing_timeout = cfg.chat_typing_timeout;
  room_cfg.life.persistence = env.persistence;
  room_cfg.life.idle_timeout = cfg.room_idle;
  room_cfg.life.snapshot_debounce = cfg.snapshot_debounce;
  auto retention = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.chat_retention);
  if (retention.count() > 0)
    room_cfg.life.refresh_interval = retention / 4;

  chat_lobby_config lobby_cfg;
  lobby_cfg.nsp = cfg.chat_namespace;
  lobby_cfg.broadcast_presence = cfg.chat_broadcast_presence;
  lobby_cfg.limits = rate_limits(cfg);
  lobby_cfg.presence_grace = cfg.chat_presence_grace;

  dialect d;
  d.name = "chatrooms";
  room_kind rooms;
  rooms.name = "chatroom";
  rooms.retention = retention;
  rooms.spawn = [room_cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr& registry) {
    auto c = room_cfg;
    c.life.registry = registry;
    return sys.spawn(chat_room, id, std::move(c));
  };
  room_kind lobby;
  lobby.name = "chatlobby";
  lobby.resumable = false;
  lobby.spawn = [lobby_cfg](caf::actor_system& sys, const std::string& id, const caf::actor_addr&) {
    return sys.spawn(chat_lobby, id, lobby_cfg);
  };
  d.kinds = {std::move(rooms), std::move(lobby)};

  auto flood = std::make_shared<rate_limit>(cfg.rate_limit_per_second, cfg.rate_limit_burst);
  auto max_rooms = std::make_shared<std::atomic<std::size_t>>(cfg.max_rooms_per_connection);
  d.reload = [flood, max_rooms](const settings& now) {
    flood->set(now.rate_limit_per_second, now.rate_limit_burst);
    max_rooms->store(now.max_rooms_per_connection, std::memory_order_relaxed);
  };
  d.mount = [&sys = env.sys, cfg, flood, max_rooms](router& routes, const caf::actor& registry) {
    chat_connection_config conn_cfg;
    conn_cfg.nsp = cfg.chat_namespace;
    conn_cfg.heartbeat = cfg.chat_enable_heartbeat;
    conn_cfg.heartbeat_interval = cfg.chat_heartbeat_interval;
    conn_cfg.max_rooms = cfg.max_rooms_per_connection;
    conn_cfg.lobby_id = lobby_id;
    auto shared = std::make_shared<const chat_env>(
      chat_env{sys, registry, cfg, chat_limits{cfg.chat_max_content_chars}, rate_limits(cfg), conn_cfg, flood,
               max_rooms});
    routes.add_namespace(cfg.chat_namespace, std::make_shared<chat_namespace>(shared));

    http_route history;
    history.pattern = "/api/rooms/:roomId/messages";
    history.cors = true;
    history.handler = [shared](http_request& req, responder res) { history_route(shared, req, std::move(res)); };
    routes.add(std::move(history));

    http_route health;
    health.pattern = "/websocket/health";
    health.cors = true;
    health.handler = [shared](http_request&, responder res) {
      gather(shared, [shared, res](chat_view v) { res.json(200, health_json(*shared, v)); });
    };
    routes.add(std::move(health));

    http_route stats;
    stats.pattern = "/websocket/stats";
    stats.cors = true;
    stats.handler = [shared](http_request&, responder res) {
      if (!shared->cfg.chat_enable_metrics)
        return res.json(404, error_json(chat_error::room_not_found, "Metrics are disabled (WS_ENABLE_METRICS)"));
      gather(shared, [res](chat_view v) { res.json(200, stats_json(v)); });
    };
    routes.add(std::move(stats));
  };
  return d;
}

} // namespace roomcast
