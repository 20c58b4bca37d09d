#include "gateway/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>
#include <vector>

#include "gateway/engineio_server.hpp"
#include "gateway/lane.hpp"
#include "gateway/listener.hpp"
#include "gateway/socketio_handler.hpp"
#include "gateway/tls_context.hpp"
#include "gateway/transport_session.hpp"

namespace asio = boost::asio;

namespace roomcast {

namespace {

// One io_context per I/O thread: a connection lives on one thread, so its
// handlers need no strand and a broadcast wakes each thread once.
struct lane {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(ioc)};
};

} // namespace

struct server::impl {
  gateway_context ctx;
  std::vector<std::unique_ptr<lane>> lanes;
  std::shared_ptr<listener> acceptor;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<engineio_server>> engineio;
  std::shared_ptr<tls_identity> tls; ///< null: plain TCP
  asio::ip::tcp::endpoint bound;

  impl(const settings& cfg, std::shared_ptr<const router> routes) : ctx(cfg, std::move(routes)) {
    auto n = cfg.io_threads ? cfg.io_threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i)
      lanes.push_back(std::make_unique<lane>());
  }
};

server::server(const settings& cfg, std::shared_ptr<const router> routes,
               std::shared_ptr<connection_table> connections)
  : impl_(std::make_unique<impl>(cfg, std::move(routes))) {
  if (connections)
    impl_->ctx.connections = std::move(connections);
}

server::~server() {
  stop();
}

std::string server::start() {
  auto& cfg = impl_->ctx.cfg;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(cfg.listen_host, ec);
  if (ec)
    return "cannot listen on '" + cfg.listen_host + "': not an IP address";
  std::vector<asio::io_context*> contexts;
  for (auto& l : impl_->lanes)
    contexts.push_back(&l->ioc);
  if (!cfg.tls_cert.empty() || !cfg.tls_key.empty()) {
    auto identity = std::make_shared<tls_identity>(cfg.tls_cert, cfg.tls_key);
    if (auto err = identity->reload(); !err.empty())
      return err;
    impl_->tls = std::move(identity);
  }
  mount_engineio(contexts);
  impl_->acceptor = std::make_shared<listener>(std::move(contexts), impl_->ctx, impl_->tls);
  if (auto err = impl_->acceptor->listen({address, cfg.listen_port}); !err.empty())
    return err;
  impl_->bound = impl_->acceptor->local_endpoint();
  impl_->acceptor->run();
  for (auto& l : impl_->lanes)
    impl_->threads.emplace_back([ioc = &l->ioc] {
      current_lane() = ioc;
      ioc->run();
    });
  return {};
}

void server::mount_engineio(const std::vector<asio::io_context*>& contexts) {
  auto& ctx = impl_->ctx;
  auto& cfg = ctx.cfg;
  auto mounts = ctx.routes->engineio_mounts();
  if (!ctx.routes->namespaces().empty()) {
    // Socket.IO is served once a dialect registered a namespace.
    auto table = std::make_shared<const namespace_table>(ctx.routes->namespaces());
    eio_mount sio;
    sio.path = cfg.socketio_path;
    sio.options = {cfg.socketio_ping_interval, cfg.socketio_ping_timeout, cfg.socketio_max_payload,
                   cfg.send_queue_bytes};
    sio.factory = [table, timeout = cfg.socketio_connect_timeout] {
      return std::make_unique<socketio_handler>(table, timeout);
    };
    mounts.push_back(std::move(sio));
  }
  if (mounts.empty())
    return;
  auto routes = std::make_shared<router>(*ctx.routes);
  for (auto& m : mounts) {
    auto srv = std::make_shared<engineio_server>(m, contexts, ctx);
    srv->mount(*routes);
    impl_->engineio.push_back(std::move(srv));
  }
  ctx.routes = std::move(routes);
}

bool server::tls() const {
  return impl_->tls != nullptr;
}

std::string server::reload_tls() {
  if (!impl_->tls)
    return "TLS is not configured (server.tls_cert, server.tls_key)";
  return impl_->tls->reload();
}

std::uint16_t server::port() const {
  return impl_->bound.port();
}

std::string server::host() const {
  return impl_->bound.address().to_string();
}

void server::stop_accepting() {
  impl_->ctx.draining = true;
  if (impl_->acceptor)
    impl_->acceptor->stop();
}

void server::wait_sessions_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->ctx.open_sessions > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void server::close_sessions(std::uint16_t code, const std::string& reason) {
  std::vector<std::weak_ptr<transport_session>> all;
  {
    std::lock_guard lk(impl_->ctx.sessions_mu);
    for (auto& [ptr, weak] : impl_->ctx.sessions)
      all.push_back(weak);
  }
  for (auto& weak : all)
    if (auto s = weak.lock())
      s->close(code, reason);
}

void server::terminate_sessions() {
  std::vector<std::weak_ptr<transport_session>> all;
  {
    std::lock_guard lk(impl_->ctx.sessions_mu);
    for (auto& [ptr, weak] : impl_->ctx.sessions)
      all.push_back(weak);
  }
  for (auto& weak : all)
    if (auto s = weak.lock())
      s->shutdown();
}

void server::stop() {
  for (auto& l : impl_->lanes) {
    l->work.reset();
    l->ioc.stop();
  }
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
  impl_->threads.clear();
}

std::size_t server::open_sessions() const {
  return impl_->ctx.open_sessions;
}

void server::apply_limits(const settings& now) {
  auto& ctx = impl_->ctx;
  ctx.max_connections.store(now.max_connections, std::memory_order_relaxed);
  ctx.max_connections_per_ip.store(now.max_connections_per_ip, std::memory_order_relaxed);
  ctx.max_pending_http.store(now.max_pending_http, std::memory_order_relaxed);
}

} // namespace roomcast
