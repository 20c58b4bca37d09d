#include "endpoints/shop_rest.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>

#include "actors/message_types.hpp"
#include "actors/shop_connection.hpp"
#include "auth/jwt_verifier.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

constexpr auto ask_timeout = std::chrono::seconds(8);

unsigned status_of(shop_error e) {
  switch (e) {
    case shop_error::none: return 200;
    case shop_error::no_active_stream:
    case shop_error::stream_already_live: return 409;
    case shop_error::unknown_session: return 404;
    case shop_error::unavailable: return 503;
    default: return 400;
  }
}

/// The admin behind `Authorization: Bearer`, or an answer (401/403) already sent.
bool admin_only(const http_request& req, const responder& res, const jwt_policy& tokens) {
  auto token = req.bearer_token();
  if (token.empty()) {
    res.error(401, text_of(shop_error::no_token));
    return false;
  }
  auto v = tokens.secret.empty() ? jwt_result{} : verify_jwt_now(token, tokens);
  if (!v.identity) {
    res.error(401, text_of(shop_error::auth_failed));
    return false;
  }
  if (!v.identity->is_admin()) {
    res.error(403, text_of(shop_error::admin_only));
    return false;
  }
  return true;
}

/// Asks the actor of (kind, id) — found or started through the registry,
/// or only found with `find_only` — and hands its reply to `then`.
template <class Reply, class... Ts>
void ask(caf::actor_system& sys, const caf::actor& registry, const std::string& kind, const std::string& id,
         bool find_only, responder res, std::function<void(Reply&)> then, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* a) {
    auto on_error = [res](caf::error& err) {
      if (is(err, registry_error::no_such_room))
        res.error(404, text_of(shop_error::unknown_session));
      else
        res.error(503, text_of(shop_error::unavailable));
    };
    auto lookup = find_only ? a->request(registry, ask_timeout, find_atom::value, kind, id)
                            : a->request(registry, ask_timeout, room_atom::value, kind, id);
    std::move(lookup).then(
      [=](caf::actor target) {
        a->request(target, ask_timeout, xs...).then([=](Reply& r) mutable { then(r); }, on_error);
      },
      on_error);
  });
}

void reply_with(const responder& res, shop_reply& r) {
  if (r.code == shop_error::none)
    res.json(200, std::move(r.body));
  else
    res.error(status_of(r.code), r.body);
}

/// GET /api/support/conversations: every stored or live conversation's
/// summary (conversations without messages left out), newest first.
void list_conversations(caf::actor_system& sys, const caf::actor& registry, responder res) {
  sys.spawn([=](caf::event_based_actor* a) {
    a->request(registry, ask_timeout, list_atom::value, shop_kinds::support, true)
      .then(
        [=](std::vector<std::string>& ids) {
          struct gather {
            std::vector<std::string> summaries;
            std::size_t left = 0;
          };
          auto g = std::make_shared<gather>();
          g->left = ids.size();
          auto finish = [g, res] {
            // Newest last message first: its ISO timestamp sorts as text.
            auto stamp = [](const std::string& s) {
              auto i = s.rfind("\"timestamp\":\"");
              return i == std::string::npos ? std::string{} : s.substr(i + 13, 24);
            };
            std::sort(g->summaries.begin(), g->summaries.end(),
                      [&](auto& x, auto& y) { return stamp(x) > stamp(y); });
            std::string body = "{\"conversations\":[";
            for (std::size_t i = 0; i < g->summaries.size(); ++i)
              body += (i ? "," : "") + g->summaries[i];
            res.json(200, body + "]}");
          };
          if (ids.empty())
            return finish();
          for (auto& id : ids) {
            auto done_one = [g, finish] {
              if (--g->left == 0)
                finish();
            };
            a->request(registry, ask_timeout, room_atom::value, shop_kinds::support, id)
              .then(
                [=](caf::actor conv) {
                  a->request(conv, ask_timeout, summary_atom::value)
                    .then(
                      [=](std::string& s) {
                        if (s.find("\"lastMessage\":null") == std::string::npos)
                          g->summaries.push_back(std::move(s));
                        done_one();
                      },
                      [=](caf::error&) { done_one(); });
                },
                [=](caf::error&) { done_one(); });
          }
        },
        [res](caf::error&) { res.error(503, text_of(shop_error::unavailable)); });
  });
}

std::uint32_t query_number(const http_request& req, std::string_view name, std::uint32_t fallback,
                           std::uint32_t max) {
  auto v = req.query_param(name);
  if (v.empty())
    return fallback;
  char* end = nullptr;
  auto n = std::strtoul(v.c_str(), &end, 10);
  if (end != v.c_str() + v.size() || n < 1)
    return 0;
  return static_cast<std::uint32_t>(std::min<unsigned long>(n, max));
}

} // namespace

void mount_shop_rest(router& routes, caf::actor_system& sys, const caf::actor& registry, const settings& cfg,
                     const shop_limits& limits) {
  auto tokens = cfg.jwt();
  auto* sysp = &sys;
  auto stream_control = [sysp, registry](responder res, shop_command cmd) {
    ask<shop_reply>(*sysp, registry, shop_kinds::stream, shop_kinds::default_id, false, res,
                    [res](shop_reply& r) { reply_with(res, r); }, control_atom::value, cmd);
  };

  http_route state;
  state.pattern = "/api/stream";
  state.cors = true;
  state.handler = [sysp, registry](http_request&, responder res) {
    ask<std::string>(*sysp, registry, shop_kinds::stream, shop_kinds::default_id, false, res,
                     [res](std::string& body) { res.json(200, std::move(body)); }, state_atom::value);
  };
  routes.add(std::move(state));

  http_route start;
  start.method = http_method::post;
  start.pattern = "/api/stream/start";
  start.json_body = true;
  start.cors = true;
  start.handler = [tokens, limits, stream_control](http_request& req, responder res) {
    if (!admin_only(req, res, tokens))
      return;
    shop_command cmd;
    cmd.op = shop_op::stream_start;
    if (auto err = decode_stream_info(req.body, limits, cmd.stream); !err.empty())
      return res.error(400, err);
    stream_control(res, std::move(cmd));
  };
  routes.add(std::move(start));

  http_route stop;
  stop.method = http_method::post;
  stop.pattern = "/api/stream/stop";
  stop.cors = true;
  stop.handler = [tokens, stream_control](http_request& req, responder res) {
    if (!admin_only(req, res, tokens))
      return;
    shop_command cmd;
    cmd.op = shop_op::stream_stop;
    stream_control(res, std::move(cmd));
  };
  routes.add(std::move(stop));

  http_route pin;
  pin.method = http_method::put;
  pin.pattern = "/api/stream/pinned-products";
  pin.json_body = true;
  pin.cors = true;
  pin.handler = [tokens, limits, stream_control](http_request& req, responder res) {
    if (!admin_only(req, res, tokens))
      return;
    shop_command cmd;
    cmd.op = shop_op::pin_products;
    if (auto err = decode_pinned_products(req.body, limits, cmd.payload); !err.empty())
      return res.error(400, err);
    stream_control(res, std::move(cmd));
  };
  routes.add(std::move(pin));

  http_route list;
  list.pattern = "/api/support/conversations";
  list.cors = true;
  list.handler = [tokens, sysp, registry](http_request& req, responder res) {
    if (admin_only(req, res, tokens))
      list_conversations(*sysp, registry, res);
  };
  routes.add(std::move(list));

  http_route messages;
  messages.pattern = "/api/support/conversations/:sessionId/messages";
  messages.cors = true;
  messages.handler = [tokens, sysp, registry](http_request& req, responder res) {
    if (!admin_only(req, res, tokens))
      return;
    std::string id{req.param("sessionId")};
    if (!valid_shop_id(id))
      return res.error(400, "sessionId must be 1-128 of [A-Za-z0-9_.:-]");
    auto page = query_number(req, "page", 1, 1'000'000);
    auto limit = query_number(req, "limit", 50, 200);
    if (page == 0 || limit == 0)
      return res.error(400, "page and limit must be positive integers");
    ask<shop_reply>(*sysp, registry, shop_kinds::support, id, true, res, [res](shop_reply& r) { reply_with(res, r); },
                    messages_atom::value, page, limit);
  };
  routes.add(std::move(messages));
}

} // namespace roomcast
