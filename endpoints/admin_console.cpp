#include "endpoints/admin_console.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <boost/json/value.hpp>

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <mutex>

#include "actors/message_types.hpp"
#include "endpoints/admin_api.hpp"
#include "endpoints/admin_metrics.hpp"
#include "endpoints/embedded_assets.hpp"
#include "wire/json_writer.hpp"
#include "wire/text.hpp"

#ifndef ROOMCAST_VERSION
#define ROOMCAST_VERSION "0.0.0"
#endif

using namespace std::chrono_literals;

namespace roomcast {

namespace {

constexpr auto ask_timeout = 5s;
constexpr std::size_t max_listed_rooms = 5000; ///< rooms described per actor-list request
constexpr std::size_t max_notice_chars = 2000;
constexpr const char* csp = "default-src 'self'; style-src 'self'; script-src 'self'";
using tick_atom = caf::atom_constant<caf::atom("admintick")>;

std::string hostname() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string{buf} : std::string{"unknown"};
}

/// What every console handler and the sampler share.
struct console_state {
  caf::actor_system& sys;
  settings cfg;
  caf::actor registry;
  caf::actor persistence;
  std::shared_ptr<connection_table> connections;
  const router* routes; ///< outlives every handler (it holds them)
  std::string node = hostname();
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  metrics::rate_ring ring{120};

  std::mutex mu; ///< guards what follows
  double last_cpu_seconds = 0;
  std::chrono::steady_clock::time_point last_cpu_at = started;
  double cpu_percent = 0;
  std::vector<std::shared_ptr<http_stream>> subscribers;

  console_state(const console_env& env, const router* r)
    : sys(env.sys), cfg(env.cfg), registry(env.registry), persistence(env.persistence),
      connections(env.connections), routes(r) {}

  std::uint64_t database_bytes() const {
    std::uint64_t total = 0;
    for (auto suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      auto n = std::filesystem::file_size(cfg.db_path() + suffix, ec);
      if (!ec)
        total += n;
    }
    return total;
  }

  /// Takes one sample of the traffic totals and the process CPU time.
  void sample() {
    auto now = std::chrono::steady_clock::now();
    ring.add(now, metrics::sum());
    auto cpu = admin::read_process_stats().cpu_seconds;
    std::lock_guard lk(mu);
    double dt = std::chrono::duration<double>(now - last_cpu_at).count();
    if (dt > 0.2) {
      cpu_percent = 100.0 * (cpu - last_cpu_seconds) / dt;
      last_cpu_seconds = cpu;
      last_cpu_at = now;
    }
  }

  std::string overview(std::string registry_describe, std::string persistence_describe) {
    admin::overview_inputs in;
    in.version = ROOMCAST_VERSION;
    in.node = node;
    in.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto rows = connections->rows();
    in.connections = rows.size();
    in.by_dialect = admin::connections_by_dialect(rows);
    in.registry_describe = std::move(registry_describe);
    in.persistence_describe = std::move(persistence_describe);
    in.totals = metrics::sum();
    in.rates = ring.recent();
    in.database_bytes = database_bytes();
    in.process = admin::read_process_stats();
    {
      std::lock_guard lk(mu);
      in.cpu_percent = cpu_percent;
    }
    return admin::overview_json(in);
  }

  void publish(const std::string& overview_json) {
    std::vector<std::shared_ptr<http_stream>> all;
    {
      std::lock_guard lk(mu);
      std::erase_if(subscribers, [](auto& s) { return !s->open(); });
      all = subscribers;
    }
    auto event = admin::sse_event("overview", overview_json);
    for (auto& s : all)
      s->write(event);
  }
};

using state_ptr = std::shared_ptr<console_state>;

/// Asks the registry's and the persistence actor's describe, then calls
/// `done(registry, persistence)` (empty strings for whatever did not answer).
void gather_describes(caf::event_based_actor* self, const state_ptr& st,
                      std::function<void(std::string, std::string)> done) {
  auto after_registry = [self, st, done](std::string reg) {
    if (!st->persistence)
      return done(std::move(reg), {});
    self->request(st->persistence, ask_timeout, describe_atom::value)
      .then([done, reg](std::string& p) { done(reg, std::move(p)); },
            [done, reg](caf::error&) { done(reg, {}); });
  };
  self->request(st->registry, ask_timeout, describe_atom::value)
    .then([after_registry](std::string& r) { after_registry(std::move(r)); },
          [after_registry](caf::error&) { after_registry({}); });
}

/// Once a second: a traffic sample, and the overview to every SSE client.
/// Stops with the registry (so it never holds up shutdown).
caf::behavior sampler(caf::event_based_actor* self, state_ptr st) {
  self->monitor(st->registry);
  self->set_down_handler([self, st](caf::down_msg&) {
    // The node is stopping: end every event stream now, while the I/O
    // threads still run, rather than holding their sockets until exit.
    std::vector<std::shared_ptr<http_stream>> all;
    {
      std::lock_guard lk(st->mu);
      all.swap(st->subscribers);
    }
    for (auto& s : all)
      s->end();
    self->quit();
  });
  st->sample();
  self->delayed_send(self, 1s, tick_atom::value);
  return {
    [self, st](tick_atom) {
      st->sample();
      self->delayed_send(self, 1s, tick_atom::value);
      bool anyone = false;
      {
        std::lock_guard lk(st->mu);
        anyone = !st->subscribers.empty();
      }
      if (anyone)
        gather_describes(self, st, [st](std::string reg, std::string per) {
          st->publish(st->overview(std::move(reg), std::move(per)));
        });
    },
  };
}

/// Runs `fn(self)` in a one-shot actor: the way an I/O thread asks actors
/// without blocking (CAF-0.17-NOTES §5, pattern C).
template <class F>
void with_actor(const state_ptr& st, F fn) {
  st->sys.spawn([fn = std::move(fn)](caf::event_based_actor* self) mutable { fn(self); });
}

http_response static_file(std::string_view path, bool console) {
  auto* f = find_embedded(path);
  if (!f)
    return http_response::error(404, "not found");
  http_response r;
  r.body = std::string{f->data};
  r.content_type = std::string{content_type_of(path)};
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (console)
    r.headers.emplace_back("Content-Security-Policy", csp);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::string html_escape_text(std::string_view s) {
  return html_escape(s);
}

std::string landing_page(const console_state& st) {
  std::string h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>roomcast on "
                  + html_escape_text(st.node) + "</title>"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<link rel=\"stylesheet\" href=\"/admin/console.css\"></head><body class=\"landing\">\n";
  h += "<header><h1>roomcast</h1><p>Real-time rooms over WebSocket, node <b>" + html_escape_text(st.node)
       + "</b>, version " ROOMCAST_VERSION ".</p></header>\n<main>\n";
  h += "<section><h2>Start here</h2><ul>";
  h += "<li><a href=\"/examples/conference/index.html?room=demo\">Open a demo meeting</a> (the conference example, "
       "served from this node)</li>";
  h += "<li><a href=\"/examples/\">Examples</a></li>";
  if (st.cfg.admin_on())
    h += "<li><a href=\"/admin\">Admin console</a> (needs an admin token)</li>";
  h += "<li><a href=\"/healthz\">/healthz</a></li>";
  if (st.cfg.metrics_enabled)
    h += "<li><a href=\"/metrics\">/metrics</a> (Prometheus)</li>";
  h += "</ul></section>\n<section><h2>What this node serves</h2><table><thead><tr><th>method</th><th>path</th>"
       "</tr></thead><tbody>";
  h += "<tr><td>GET</td><td>/healthz</td></tr>";
  for (auto& r : st.routes->list()) {
    if (r.pattern.rfind("/examples/", 0) == 0 && r.pattern != "/examples/")
      continue; // listed as one entry
    h += "<tr><td>" + html_escape_text(r.method == "WS" ? "WebSocket" : r.method) + "</td><td>"
         + html_escape_text(r.pattern) + "</td></tr>";
  }
  h += "</tbody></table></section>\n</main></body></html>\n";
  return h;
}

std::string examples_index() {
  std::string h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>roomcast examples</title>"
                  "<link rel=\"stylesheet\" href=\"/admin/console.css\"></head><body class=\"landing\"><main>"
                  "<h1>Examples</h1><ul>";
  for (auto& f : embedded_files())
    if (f.path.rfind("examples/", 0) == 0)
      h += "<li><a href=\"/" + html_escape_text(f.path) + "\">" + html_escape_text(f.path.substr(9)) + "</a></li>";
  h += "</ul><p><a href=\"/examples/conference/index.html?room=demo\">Join the demo meeting</a></p></main></body>"
       "</html>\n";
  return h;
}

http_response html(std::string body, bool csp_header = true) {
  http_response r;
  r.body = std::move(body);
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (csp_header)
    r.headers.emplace_back("Content-Security-Policy", csp);
  return r;
}

/// Wraps an admin handler: authenticates first; refusals are 401/403 JSON.
http_handler guarded(const state_ptr& st,
                     std::function<void(http_request&, responder, const verified_identity&)> fn) {
  return [st, fn = std::move(fn)](http_request& req, responder res) {
    auto auth = admin::authenticate(req, st->cfg.jwt());
    if (auth.refusal)
      return res.reply(std::move(*auth.refusal));
    fn(req, std::move(res), *auth.admin);
  };
}

/// Finds a live or stored room (never creates one), then runs `fn` on it.
template <class F>
void ask_room(const state_ptr& st, responder res, std::string kind, std::string id, F fn) {
  with_actor(st, [st, res, kind, id, fn](caf::event_based_actor* self) {
    self->request(st->registry, ask_timeout, find_atom::value, kind, id)
      .then([self, fn](caf::actor room) { fn(self, room); },
            [res, kind, id](caf::error&) { res.error(404, "no room " + kind + "/" + id); });
  });
}

/// A room that does not take the action answers `unexpected_message`: 409.
void refused_action(const responder& res, const caf::error& err, const std::string& what) {
  if (err == caf::sec::unexpected_message)
    return res.error(409, what);
  if (err == caf::sec::request_timeout)
    return res.error(504, "the room did not answer");
  res.error(409, "the room refused: it is closing or gone");
}

void mount_admin(router& routes, const state_ptr& st) {
  routes.add(http_route{http_method::get, "/admin", [](http_request&, responder res) {
                          res.reply(static_file("endpoints/admin_assets/index.html", true));
                        }});
  routes.add(http_route{http_method::get, "/admin/console.js", [](http_request&, responder res) {
                          res.reply(static_file("endpoints/admin_assets/console.js", true));
                        }});
  routes.add(http_route{http_method::get, "/admin/console.css", [](http_request&, responder res) {
                          res.reply(static_file("endpoints/admin_assets/console.css", true));
                        }});

  routes.add(http_route{http_method::post, "/admin/login", [st](http_request& req, responder res) {
    if (st->cfg.jwt_secret.empty())
      return res.reply(*admin::authenticate(req, st->cfg.jwt()).refusal);
    auto token = admin::login_token(req);
    if (token.empty())
      return res.error(400, "send the admin token as JSON {\"token\": ...} or a form field token=...");
    http_request probe;
    probe.headers.emplace_back("authorization", "Bearer " + token);
    auto auth = admin::authenticate(probe, st->cfg.jwt());
    if (auth.refusal) {
      spdlog::warn("admin login refused from {}", req.remote_address);
      return res.reply(std::move(*auth.refusal));
    }
    spdlog::info("admin {} logged in from {}", auth.admin->subject, req.remote_address);
    json_writer w;
    w.boolean("ok", true).str("sub", auth.admin->subject).str("name", auth.admin->name);
    auto r = http_response::json(200, w.done());
    if (req.header("content-type").find("application/x-www-form-urlencoded") != std::string_view::npos) {
      r = http_response{};
      r.status = 303;
      r.content_type.clear();
      r.headers.emplace_back("Location", "/admin");
    }
    r.headers.emplace_back("Set-Cookie", std::string{admin::cookie_name} + "=" + token
                                           + "; HttpOnly; SameSite=Strict; Path=/admin");
    res.reply(std::move(r));
  }});
  routes.add(http_route{http_method::post, "/admin/logout", [](http_request&, responder res) {
    auto r = http_response::json(200, R"({"ok":true})");
    r.headers.emplace_back("Set-Cookie", std::string{admin::cookie_name}
                                           + "=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0");
    res.reply(std::move(r));
  }});

  routes.add(http_route{http_method::get, "/admin/api/overview",
                        guarded(st, [st](http_request&, responder res, const verified_identity&) {
                          with_actor(st, [st, res](caf::event_based_actor* self) {
                            gather_describes(self, st, [st, res](std::string reg, std::string per) {
                              res.json(200, st->overview(std::move(reg), std::move(per)));
                            });
                          });
                        })});

  routes.add(http_route{http_method::get, "/admin/api/actors",
                        guarded(st, [st](http_request& req, responder res, const verified_identity&) {
    std::string error;
    auto q = admin::parse_actor_query(req, error);
    if (!q)
      return res.error(400, error);
    with_actor(st, [st, res, q = *q](caf::event_based_actor* self) {
      self->request(st->registry, ask_timeout, describe_atom::value)
        .then(
          [self, st, res, q](std::string& reg) {
            auto rooms = admin::select_rooms(reg, q);
            if (rooms.size() > max_listed_rooms)
              rooms.resize(max_listed_rooms);
            if (rooms.empty())
              return res.json(200, admin::actor_page(rooms, {}, q));
            // Every selected room's own describe, gathered in order.
            auto describes = std::make_shared<std::vector<std::string>>(rooms.size());
            auto left = std::make_shared<std::size_t>(rooms.size());
            auto shared_rooms = std::make_shared<decltype(rooms)>(rooms);
            for (std::size_t i = 0; i < rooms.size(); ++i) {
              auto finish = [=] {
                if (--*left == 0)
                  res.json(200, admin::actor_page(*shared_rooms, *describes, q));
              };
              self->request(st->registry, ask_timeout, describe_atom::value, rooms[i].first, rooms[i].second)
                .then([=](std::string& d) { (*describes)[i] = std::move(d); finish(); },
                      [=](caf::error&) { finish(); });
            }
          },
          [res](caf::error&) { res.error(503, "the registry did not answer"); });
    });
  })});

  routes.add(http_route{http_method::get, "/admin/api/actors/:kind/:id",
                        guarded(st, [st](http_request& req, responder res, const verified_identity&) {
    std::string kind{req.param("kind")}, id{req.param("id")};
    with_actor(st, [st, res, kind, id](caf::event_based_actor* self) {
      self->request(st->registry, ask_timeout, describe_atom::value, kind, id)
        .then([res](std::string& d) { res.json(200, admin::redact(d)); },
              [res, kind, id](caf::error&) { res.error(404, "no live actor " + kind + "/" + id); });
    });
  })});

  routes.add(http_route{http_method::post, "/admin/api/actors/:kind/:id/close",
                        guarded(st, [st](http_request& req, responder res, const verified_identity& who) {
    std::string kind{req.param("kind")}, id{req.param("id")}, sub = who.subject;
    ask_room(st, res, kind, id, [res, kind, id, sub](caf::event_based_actor* self, caf::actor room) {
      self->request(room, ask_timeout, close_atom::value, std::uint16_t{1000}, std::string{"closed by an operator"})
        .then(
          [res, kind, id, sub](bool) {
            spdlog::info("admin {}: closed room {}/{}", sub, kind, id);
            json_writer w;
            w.boolean("closed", true).str("kind", kind).str("id", id);
            res.json(200, w.done());
          },
          [res, kind](caf::error& err) { refused_action(res, err, "a " + kind + " cannot be closed"); });
    });
  })});

  // A notice reaches members in their dialect's chat shape (conference
  // chat-message, chatrooms receiveMessage, shop chat_message) from "Server".
  http_route notice{http_method::post, "/admin/api/actors/:kind/:id/notice",
                    guarded(st, [st](http_request& req, responder res, const verified_identity& who) {
    std::string kind{req.param("kind")}, id{req.param("id")}, sub = who.subject, text;
    auto* o = req.json ? req.json->if_object() : nullptr;
    auto* m = o ? o->if_contains("message") : nullptr;
    if (!m || !m->is_string())
      return res.error(400, "body must be {\"message\": string}");
    if (!sanitize_text(std::string_view{m->get_string().data(), m->get_string().size()}, max_notice_chars, true, text))
      return res.error(400, "message must be 1-2000 characters");
    ask_room(st, res, kind, id, [res, kind, id, sub, text](caf::event_based_actor* self, caf::actor room) {
      self->request(room, ask_timeout, notice_atom::value, text)
        .then(
          [res, kind, id, sub, n = text.size()](bool) {
            spdlog::info("admin {}: sent a notice ({} bytes) to {}/{}", sub, n, kind, id);
            json_writer w;
            w.boolean("sent", true).str("kind", kind).str("id", id);
            res.json(200, w.done());
          },
          [res, kind](caf::error& err) { refused_action(res, err, "a " + kind + " has no server notice"); });
    });
  })};
  notice.json_body = true;
  notice.body_limit = 16 * 1024;
  routes.add(std::move(notice));

  routes.add(http_route{http_method::get, "/admin/api/connections",
                        guarded(st, [st](http_request&, responder res, const verified_identity&) {
                          res.json(200, admin::connections_json(st->connections->rows()));
                        })});

  auto parse_id = [](std::string_view text) -> std::optional<std::uint64_t> {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size())
      return std::nullopt;
    return v;
  };
  routes.add(http_route{http_method::get, "/admin/api/connections/:id",
                        guarded(st, [st, parse_id](http_request& req, responder res, const verified_identity&) {
    auto id = parse_id(req.param("id"));
    auto row = id ? st->connections->find(*id) : std::nullopt;
    if (!row)
      return res.error(404, "no open connection " + std::string{req.param("id")});
    res.json(200, admin::connection_json(*row));
  })});
  routes.add(http_route{http_method::post, "/admin/api/connections/:id/kick",
                        guarded(st, [st, parse_id](http_request& req, responder res, const verified_identity& who) {
    auto id = parse_id(req.param("id"));
    auto session = id ? st->connections->session(*id) : nullptr;
    if (!session)
      return res.error(404, "no open connection " + std::string{req.param("id")});
    session->close(4000, "kicked by an operator");
    spdlog::info("admin {}: kicked connection {}", who.subject, *id);
    res.json(200, "{\"kicked\":true,\"id\":\"" + std::to_string(*id) + "\"}");
  })});

  routes.add(http_route{http_method::get, "/admin/api/events",
                        guarded(st, [st](http_request&, responder res, const verified_identity&) {
    // The first overview goes out at once; then the sampler's, once a second.
    with_actor(st, [st, res](caf::event_based_actor* self) {
      gather_describes(self, st, [st, res](std::string reg, std::string per) {
        http_response r;
        r.content_type = "text/event-stream";
        r.headers.emplace_back("X-Accel-Buffering", "no");
        r.body = "retry: 2000\n\n" + admin::sse_event("overview", st->overview(std::move(reg), std::move(per)));
        r.stream = [st](std::shared_ptr<http_stream> out) {
          std::lock_guard lk(st->mu);
          st->subscribers.push_back(std::move(out));
        };
        res.reply(std::move(r));
      });
    });
  })});
}

void mount_metrics(router& routes, const state_ptr& st) {
  routes.add(http_route{http_method::get, "/metrics", [st](http_request&, responder res) {
    with_actor(st, [st, res](caf::event_based_actor* self) {
      gather_describes(self, st, [st, res](std::string reg, std::string per) {
        admin::metrics_inputs in;
        in.totals = metrics::sum();
        auto rows = st->connections->rows();
        in.connections = rows.size();
        in.by_dialect = admin::connections_by_dialect(rows);
        in.registry_describe = std::move(reg);
        in.persistence_describe = std::move(per);
        in.database_bytes = st->database_bytes();
        auto p = admin::read_process_stats();
        in.rss_bytes = p.rss_bytes;
        in.cpu_seconds = p.cpu_seconds;
        http_response r;
        r.body = admin::render_metrics(in);
        r.content_type = admin::metrics_content_type;
        res.reply(std::move(r));
      });
    });
  }});
}

void mount_pages(router& routes, const state_ptr& st) {
  routes.add(http_route{http_method::get, "/", [st](http_request&, responder res) {
                          res.reply(html(landing_page(*st)));
                        }});
  routes.add(http_route{http_method::get, "/examples/", [](http_request&, responder res) {
                          res.reply(html(examples_index()));
                        }});
  routes.add(http_route{http_method::get, "/examples", [](http_request&, responder res) {
                          http_response r;
                          r.status = 301;
                          r.content_type.clear();
                          r.headers.emplace_back("Location", "/examples/");
                          res.reply(std::move(r));
                        }});
  for (auto& f : embedded_files()) {
    if (f.path.rfind("examples/", 0) != 0)
      continue;
    std::string path{f.path};
    routes.add(http_route{http_method::get, "/" + path, [path](http_request&, responder res) {
                            res.reply(static_file(path, false));
                          }});
  }
}

} // namespace

std::string_view content_type_of(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html"))
    return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs"))
    return "text/javascript; charset=utf-8";
  if (ends(".css"))
    return "text/css; charset=utf-8";
  if (ends(".json"))
    return "application/json";
  if (ends(".md"))
    return "text/markdown; charset=utf-8";
  if (ends(".png"))
    return "image/png";
  if (ends(".svg"))
    return "image/svg+xml";
  return "application/octet-stream";
}

void mount_console(router& routes, console_env env, router* operator_routes) {
  auto st = std::make_shared<console_state>(env, &routes);
  mount_pages(routes, st);
  auto& ops = operator_routes ? *operator_routes : routes;
  if (env.cfg.metrics_enabled)
    mount_metrics(ops, st);
  if (env.cfg.admin_on())
    mount_admin(ops, st);
  if (env.cfg.admin_on() || env.cfg.metrics_enabled)
    env.sys.spawn(sampler, st);
  spdlog::debug("console: admin {}, metrics {}", env.cfg.admin_on() ? "on" : "off",
                env.cfg.metrics_enabled ? "on" : "off");
}

} // namespace roomcast
