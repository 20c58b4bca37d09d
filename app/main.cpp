// Composition root: config -> actor system -> persistence -> registry ->
// gateway; and the graceful shutdown.

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/all.hpp>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "actors/message_types.hpp"
#include "actors/registry.hpp"
#include "app/admin_cli.hpp"
#include "app/settings_reload.hpp"
#include "config/settings.hpp"
#include "endpoints/admin_console.hpp"
#include "endpoints/chatrooms_endpoint.hpp"
#include "endpoints/conference_endpoint.hpp"
#include "endpoints/shop_endpoint.hpp"
#include "endpoints/socketio_conformance.hpp"
#include "endpoints/signaling_endpoint.hpp"
#include "gateway/server.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/persistence_messages.hpp"
#include "persistence/sqlite_store.hpp"

using namespace std::chrono_literals;

namespace {

unsigned cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

/// Asks `whom` and waits; false (logged) on error or timeout.
template <class... Ts>
bool ask(caf::actor_system& sys, const caf::actor& whom, std::chrono::seconds timeout, const char* what,
         Ts&&... xs) {
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(whom, timeout, std::forward<Ts>(xs)...)
    .receive([&](caf::atom_value) { ok = true; },
             [&](caf::error& err) { spdlog::error("{} failed: {}", what, sys.render(err)); });
  return ok;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view{argv[1]} == "admin")
    return roomcast::admin_cli(argc - 1, argv + 1); // `roomcast admin ...`: the console's CLI
  spdlog::set_default_logger(spdlog::stderr_color_mt("roomcast"));
  spdlog::cfg::load_env_levels(); // SPDLOG_LEVEL=debug
  auto loaded = roomcast::load_settings(argc, argv);
  if (!loaded.value) {
    std::fputs(loaded.message.c_str(), loaded.exit_code == 0 ? stdout : stderr);
    if (!loaded.message.empty() && loaded.message.back() != '\n')
      std::fputc('\n', loaded.exit_code == 0 ? stdout : stderr);
    return loaded.exit_code;
  }
  const auto cfg = *loaded.value;
  roomcast::apply_log_level(cfg.log_level);

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::error_code fs_err;
  std::filesystem::create_directories(cfg.data_dir, fs_err);
  std::string db_error;
  auto store = roomcast::persistence::sqlite_store::open(cfg.db_path(), db_error, cfg.synchronous_full);
  if (!store) {
    spdlog::critical("cannot use database {}: {}", cfg.db_path(), db_error);
    return 1;
  }
  auto secret = store->get_or_create_secret("resume-token");
  if (!secret) {
    spdlog::critical("cannot read the server secret from {}: {}", cfg.db_path(), store->last_error());
    return 1;
  }

  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.max-threads", cfg.actor_threads ? cfg.actor_threads : cores());
  sys_cfg.set("scheduler.max-throughput", 300);
  sys_cfg.set("scheduler.policy", caf::atom_from_string(cfg.actor_scheduler));
  roomcast::add_actor_message_types(sys_cfg);
  roomcast::persistence::add_persistence_message_types(sys_cfg);
  caf::actor_system sys{sys_cfg};

  auto persistence = roomcast::persistence::spawn_persistence(sys, std::move(store));

  // Every dialect brings its kinds of room and its routes; nothing else
  // here knows one.
  roomcast::dialect_env env{sys, cfg, persistence, *secret};
  std::vector<roomcast::dialect> dialects{roomcast::conference_dialect(env), roomcast::signaling_dialect(env),
                                          roomcast::shop_dialect(env), roomcast::chatrooms_dialect(env)};
  if (cfg.socketio_conformance)
    dialects.push_back(roomcast::socketio_conformance_dialect(env));
  std::vector<roomcast::room_kind> kinds;
  for (auto& d : dialects)
    kinds.insert(kinds.end(), d.kinds.begin(), d.kinds.end());
  auto registry = sys.spawn(roomcast::registry, std::move(kinds), persistence,
                            std::chrono::milliseconds(std::chrono::hours(1)));
  auto routes = std::make_shared<roomcast::router>();
  routes->allow_origins(cfg.cors_origins);
  for (auto& d : dialects)
    d.mount(*routes, registry);
  // Operators: the landing page, /examples/, /metrics and the admin console.
  auto connections = std::make_shared<roomcast::connection_table>();
  // admin.listen: the console and /metrics on an address of their own.
  auto operator_routes = cfg.admin_listen.empty() ? nullptr : std::make_shared<roomcast::router>();
  roomcast::mount_console(*routes, {sys, cfg, registry, persistence, connections}, operator_routes.get());
  auto operator_cfg = cfg;
  if (operator_routes) {
    roomcast::apply_listen(operator_cfg, cfg.admin_listen);
    operator_cfg.io_threads = 1;
  }

  int rc = 0;
  {
    roomcast::server srv{cfg, routes, connections};
    if (auto err = srv.start(); !err.empty()) {
      spdlog::critical("{}", err);
      caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
      return 1;
    }
    std::optional<roomcast::server> operator_srv;
    if (operator_routes) {
      operator_srv.emplace(operator_cfg, operator_routes);
      if (auto err = operator_srv->start(); !err.empty()) {
        spdlog::critical("admin.listen: {}", err);
        srv.stop();
        caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
        caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
        return 1;
      }
      std::printf("admin console on %s:%u\n", operator_srv->host().c_str(),
                  static_cast<unsigned>(operator_srv->port()));
    }
    std::printf("listening on %s:%u\n", srv.host().c_str(), static_cast<unsigned>(srv.port()));
    std::fflush(stdout);
    spdlog::info("roomcast ready ({}; data in {})", cfg.env, cfg.db_path());

    // SIGHUP: the live settings change in place; every hook below runs
    // on each reload, in this order.
    roomcast::settings_reload reload{cfg, argc, argv};
    reload.on_reload([&srv](const roomcast::settings& now) { srv.apply_limits(now); });
    for (auto& d : dialects)
      if (d.reload)
        reload.on_reload(d.reload);
    // The TLS certificate and key are read again; open connections keep theirs.
    reload.on_signal([&srv, &operator_srv] {
      for (auto* s : {&srv, operator_srv ? &*operator_srv : nullptr}) {
        if (!s || !s->tls())
          continue;
        if (auto err = s->reload_tls(); err.empty())
          spdlog::info("SIGHUP: TLS certificate reloaded for {}:{}", s->host(), s->port());
        else
          spdlog::error("SIGHUP: TLS reload failed, keeping the previous certificate: {}", err);
      }
    });

    int sig = 0;
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP)
      reload.run();
    spdlog::info("{} received: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");

    // Stop accepting, let every room snapshot and say goodbye with 1001,
    // flush what is pending, then take the rest down.
    srv.stop_accepting();
    if (operator_srv)
      operator_srv->stop(); // live-update streams end with it
    if (!ask(sys, registry, 30s, "room shutdown", roomcast::shutdown_atom::value))
      rc = 1;
    srv.close_sessions(1001, "server shutting down"); // those in no room yet
    srv.wait_sessions_closed(reload.running().drain_timeout); // their queues flush, up to server.drain_seconds
    srv.terminate_sessions();
    if (!ask(sys, persistence, 30s, "final flush", roomcast::persistence::flush_atom::value))
      rc = 1;
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
    // Everything is on disk by now; a straggler must not keep the process up.
    std::thread([rc] {
      std::this_thread::sleep_for(10s);
      spdlog::warn("shutdown: actors still running after 10 s; exiting anyway");
      std::_Exit(rc);
    }).detach();
    sys.await_all_actors_done();
  }
  spdlog::info("stopped");
  return rc;
}
