#include "actors/durable_lifecycle.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace roomcast {

namespace {

// Writes go to the local persistence actor, which answers every one (or
// fails, if it is gone): no timeout, so no timer per write on CAF's clock.
constexpr auto write_timeout = caf::infinite;
constexpr auto persistence_timeout = std::chrono::seconds(10);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

void durable_lifecycle::init(caf::event_based_actor* self, std::string kind, std::string id, lifecycle_config cfg,
                             outbox& out, encoder encode) {
  self_ = self;
  kind_ = std::move(kind);
  id_ = std::move(id);
  key_ = kind_ + ":" + id_;
  cfg_ = std::move(cfg);
  out_ = &out;
  encode_ = std::move(encode);
}

template <class Timeout>
auto durable_lifecycle::request_snapshot(Timeout timeout) {
  auto [version, state] = encode_();
  last_snapshot_ms_ = now_ms();
  return self_->request(cfg_.persistence, timeout, persistence::snapshot_atom::value, key_, kind_, version,
                        std::move(state));
}

void durable_lifecycle::load(std::uint32_t history_limit, loader on_loaded) {
  if (!stored())
    return;
  self_->request(cfg_.persistence, persistence_timeout, persistence::load_atom::value, key_, history_limit)
    .await([on_loaded](persistence::room_record& rec) { on_loaded(rec); },
           [this](caf::error& err) {
             spdlog::error("{}: cannot load stored state: {}", key_, self_->system().render(err));
             self_->quit(err);
           });
}

void durable_lifecycle::persist_now() {
  persist_now([](bool) {});
}

void durable_lifecycle::persist_now(std::function<void(bool ok)> done) {
  if (!stored())
    return done(true);
  auto id = out_->begin_write();
  request_snapshot(write_timeout)
    .then([this, id, done](persistence::committed_atom) {
            out_->commit(id);
            done(true);
          },
          [this, id, done](caf::error& err) {
            // The change is live in memory; clients learn of it even though
            // the disk refused it, rather than the room stalling.
            spdlog::error("{}: snapshot not stored: {}", key_, self_->system().render(err));
            out_->commit(id);
            done(false);
          });
}

void durable_lifecycle::persist_later() {
  if (!stored() || snapshot_scheduled_)
    return;
  snapshot_scheduled_ = true;
  self_->delayed_send(self_, cfg_.snapshot_debounce, persist_atom::value);
}

void durable_lifecycle::on_persist() {
  snapshot_scheduled_ = false;
  if (!stored())
    return;
  // Not a barrier: what changed was shown already.
  request_snapshot(persistence_timeout)
    .then([](persistence::committed_atom) {},
          [this](caf::error& err) {
            spdlog::error("{}: snapshot not stored: {}", key_, self_->system().render(err));
          });
}

void durable_lifecycle::quarantine(std::string reason) {
  if (!stored())
    return;
  self_->request(cfg_.persistence, persistence_timeout, persistence::quarantine_atom::value, key_, std::move(reason))
    .then([](persistence::committed_atom) {},
          [this](caf::error& err) {
            spdlog::error("{}: quarantine failed: {}", key_, self_->system().render(err));
          });
}

void durable_lifecycle::erase() {
  erase([](bool) {});
}

void durable_lifecycle::erase(std::function<void(bool ok)> done) {
  if (!stored())
    return done(true);
  auto id = out_->begin_write();
  self_->request(cfg_.persistence, write_timeout, persistence::remove_atom::value, key_)
    .then([this, id, done](persistence::committed_atom) {
            out_->commit(id);
            done(true);
          },
          [this, id, done](caf::error& err) {
            spdlog::error("{}: delete not stored: {}", key_, self_->system().render(err));
            out_->commit(id);
            done(false);
          });
}

void durable_lifecycle::touch() {
  ++idle_generation_; // cancels a pending passivation
  arm_refresh();
}

void durable_lifecycle::arm_refresh() {
  if (!stored() || refresh_armed_)
    return;
  refresh_armed_ = true;
  self_->delayed_send(self_, cfg_.refresh_interval, refresh_atom::value);
}

void durable_lifecycle::on_refresh(bool has_members) {
  refresh_armed_ = false;
  if (!has_members)
    return; // passivation writes the final snapshot
  persist_later();
  arm_refresh();
}

void durable_lifecycle::maybe_idle(bool empty) {
  if (empty)
    self_->delayed_send(self_, cfg_.idle_timeout, idle_atom::value, ++idle_generation_);
}

void durable_lifecycle::on_idle(std::uint64_t generation, bool empty) {
  if (generation == idle_generation_ && empty)
    passivate();
}

void durable_lifecycle::passivate(bool write_snapshot) {
  // State on disk first, then leave the registry, then stop. `await` holds
  // back joins meanwhile; they fail and their connections ask the registry
  // again, which starts a fresh actor from disk.
  auto stop = [this] {
    auto reg = caf::actor_cast<caf::actor>(cfg_.registry);
    if (!reg)
      return self_->quit();
    self_->request(reg, std::chrono::seconds(5), passivate_atom::value, kind_, id_)
      .await([this](bool) { self_->quit(); }, [this](caf::error&) { self_->quit(); });
  };
  if (!stored() || !write_snapshot)
    return stop();
  request_snapshot(persistence_timeout)
    .await([stop](persistence::committed_atom) { stop(); },
           [this](caf::error& err) {
             spdlog::error("{}: final snapshot failed, staying up: {}", key_, self_->system().render(err));
             maybe_idle(true); // try again later
           });
}

caf::result<stopped_atom> durable_lifecycle::shutdown() {
  if (!stored()) {
    self_->quit();
    return stopped_atom::value;
  }
  auto rp = self_->make_response_promise<stopped_atom>();
  request_snapshot(persistence_timeout)
    .then([this, rp](persistence::committed_atom) mutable {
            rp.deliver(stopped_atom::value);
            self_->quit();
          },
          [this, rp](caf::error& err) mutable {
            rp.deliver(err);
            self_->quit();
          });
  return rp;
}

} // namespace roomcast
