#include "persistence/persistence_actor.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "caf/all.hpp"

namespace roomcast::persistence {

namespace {

// Sent by the actor to itself to close the open batch. Internal, but harmless
// if someone else sends it: it only commits early.
using commit_atom = caf::atom_constant<caf::atom("pcommit")>;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::string json_escape(const std::string& in) {
  std::string out;
  out.reserve(in.size() + 2);
  for (char c : in) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

caf::error store_error(const std::string& what) {
  return caf::make_error(caf::sec::runtime_error, "persistence: " + what);
}

/// A write applied to the open transaction, waiting for its commit.
struct pending_write {
  caf::response_promise promise;
  /// Set for expire, which answers with the number of rooms deleted;
  /// every other write answers committed_atom.
  std::optional<std::uint64_t> rooms;
};

struct persistence_state {
  static inline const char* name = "persistence";

  caf::event_based_actor* self = nullptr;
  std::unique_ptr<sqlite_store> store;
  std::size_t max_batch = default_max_batch;
  /// Promises of the writes in the open transaction. Kept here, never in
  /// messages (CAF cannot serialize promises).
  std::vector<pending_write> pending;
  /// A commit_atom is on its way through our mailbox.
  bool commit_queued = false;

  std::uint64_t commits = 0;
  std::uint64_t committed_writes = 0;
  std::uint64_t largest_batch = 0;
  /// How long COMMITs (the fsync) take: counts per bucket of
  /// commit_bounds_ms, the last one for anything slower.
  std::array<std::uint64_t, commit_bounds_ms.size() + 1> commit_counts{};
  double commit_ms_sum = 0;
  double last_commit_ms = 0;
  std::uint64_t failed_commits = 0;
  std::uint64_t failed_writes = 0;

  ~persistence_state() {
    // Reached with an open batch only if the actor was killed: keep the data
    // even though the writers will not hear back.
    if (store && store->in_transaction() && !store->commit()) {
      spdlog::error("persistence: final commit failed: {}",
                    store->last_error());
      store->rollback();
    }
  }

  caf::behavior make_behavior();

  /// Runs `apply` inside the open batch, opening one if needed.
  template <class Apply>
  caf::error apply_write(Apply&& apply);

  /// Keeps the reply of a successfully applied write until its commit.
  caf::response_promise await_commit(std::optional<std::uint64_t> rooms = {});

  /// Commits the open batch and answers its writes. Returns false on failure,
  /// after answering each write with an error.
  bool commit_batch();

  void fail_batch(const std::string& why);

  std::string describe() const;
};

template <class Apply>
caf::error persistence_state::apply_write(Apply&& apply) {
  if (!store->in_transaction()) {
    if (!store->begin()) {
      ++failed_writes;
      spdlog::error("persistence: {}", store->last_error());
      return store_error(store->last_error());
    }
    if (!commit_queued) {
      // Lands behind everything already queued: that is the batch.
      self->send(self, commit_atom::value);
      commit_queued = true;
    }
  }
  if (apply())
    return caf::none;
  ++failed_writes;
  auto why = store->last_error();
  spdlog::error("persistence: {}", why);
  // Some errors (I/O, full disk, RAISE(ROLLBACK)) end the whole transaction,
  // taking the batch's earlier writes with it.
  if (!store->in_transaction() && !pending.empty())
    fail_batch("transaction rolled back by a failed write: " + why);
  return store_error(why);
}

caf::response_promise
persistence_state::await_commit(std::optional<std::uint64_t> rooms) {
  auto promise = self->make_response_promise();
  pending.push_back(pending_write{promise, rooms});
  if (pending.size() >= max_batch)
    commit_batch();
  return promise;
}

bool persistence_state::commit_batch() {
  if (!store->in_transaction()) {
    // Only after a transaction was aborted, whose writes were answered then.
    pending.clear();
    return true;
  }
  auto started = std::chrono::steady_clock::now();
  bool ok = store->commit();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!ok) {
    auto why = store->last_error();
    store->rollback();
    ++failed_commits;
    spdlog::error("persistence: commit of {} writes failed, rolled back: {}",
                  pending.size(), why);
    fail_batch("commit failed: " + why);
    return false;
  }
  ++commits;
  last_commit_ms = ms;
  commit_ms_sum += ms;
  std::size_t bucket = 0;
  while (bucket < commit_bounds_ms.size() && ms > commit_bounds_ms[bucket])
    ++bucket;
  ++commit_counts[bucket];
  committed_writes += pending.size();
  largest_batch = std::max<std::uint64_t>(largest_batch, pending.size());
  for (auto& w : pending) {
    if (w.rooms)
      w.promise.deliver(*w.rooms);
    else
      w.promise.deliver(committed_atom::value);
  }
  pending.clear();
  return true;
}

void persistence_state::fail_batch(const std::string& why) {
  for (auto& w : pending)
    w.promise.deliver(store_error(why));
  pending.clear();
}

std::string persistence_state::describe() const {
  char avg[32];
  std::snprintf(avg, sizeof(avg), "%.2f",
                commits == 0 ? 0.0
                             : static_cast<double>(committed_writes)
                                 / static_cast<double>(commits));
  std::string out = "{\"kind\":\"persistence\",\"id\":\"persistence\"";
  out += ",\"path\":\"" + json_escape(store->path()) + "\"";
  out += ",\"synchronous\":\"";
  out += store->synchronous_full() ? "full" : "normal";
  out += "\",\"commits\":" + std::to_string(commits);
  out += ",\"writes\":" + std::to_string(committed_writes);
  out += ",\"avg_batch\":";
  out += avg;
  out += ",\"max_batch\":" + std::to_string(largest_batch);
  char ms_text[64];
  std::snprintf(ms_text, sizeof ms_text, ",\"last_commit_ms\":%.3f,\"commit_ms_sum\":%.3f", last_commit_ms,
                commit_ms_sum);
  out += ms_text;
  out += ",\"commit_ms_counts\":[";
  for (std::size_t i = 0; i < commit_counts.size(); ++i)
    out += (i ? "," : "") + std::to_string(commit_counts[i]);
  out += "]";
  out += ",\"batch_limit\":" + std::to_string(max_batch);
  out += ",\"pending\":" + std::to_string(pending.size());
  out += ",\"failed_commits\":" + std::to_string(failed_commits);
  out += ",\"failed_writes\":" + std::to_string(failed_writes);
  out += "}";
  return out;
}

caf::behavior persistence_state::make_behavior() {
  // A shutdown request first commits what was already applied, so its
  // writers hear back.
  self->set_exit_handler([this](caf::exit_msg& msg) {
    commit_batch();
    self->quit(msg.reason);
  });
  return {
    [this](snapshot_atom, const std::string& room_key, const std::string& kind,
           std::int32_t version,
           const std::string& state) -> caf::result<committed_atom> {
      if (auto err = apply_write([&] {
            return store->put_snapshot(room_key, kind, version, state,
                                       now_ms());
          }))
        return err;
      return await_commit();
    },
    [this](append_atom, const std::string& room_key,
           const stored_message& msg) -> caf::result<committed_atom> {
      if (auto err = apply_write(
            [&] { return store->append_message(room_key, msg); }))
        return err;
      return await_commit();
    },
    [this](quarantine_atom, const std::string& room_key,
           const std::string& reason) -> caf::result<committed_atom> {
      if (auto err = apply_write(
            [&] { return store->quarantine(room_key, reason); }))
        return err;
      return await_commit();
    },
    [this](expire_atom, const std::string& kind,
           std::int64_t older_than_ms) -> caf::result<std::uint64_t> {
      std::optional<std::uint64_t> rooms;
      if (auto err = apply_write([&] {
            rooms = store->expire(kind, older_than_ms);
            return rooms.has_value();
          }))
        return err;
      return await_commit(rooms);
    },
    [this](remove_atom, const std::string& room_key) -> caf::result<committed_atom> {
      if (auto err = apply_write([&] { return store->remove(room_key); }))
        return err;
      return await_commit();
    },
    [this](keys_atom, const std::string& kind) -> caf::result<std::vector<std::string>> {
      commit_batch();
      auto keys = store->room_keys(kind);
      if (!keys)
        return store_error(store->last_error());
      return std::move(*keys);
    },
    [this](flush_atom) -> caf::result<committed_atom> {
      if (!commit_batch())
        return store_error("flush failed: " + store->last_error());
      return committed_atom::value;
    },
    [this](commit_atom) {
      commit_queued = false;
      commit_batch();
    },
    [this](load_atom, const std::string& room_key,
           std::uint32_t history_limit) -> caf::result<room_record> {
      commit_batch();
      auto rec = store->load(room_key, history_limit);
      if (!rec)
        return store_error(store->last_error());
      return std::move(*rec);
    },
    [this](page_atom, const std::string& room_key, std::uint64_t before_seq,
           std::uint32_t limit) -> caf::result<std::vector<stored_message>> {
      commit_batch();
      auto msgs = store->page(room_key, before_seq, limit);
      if (!msgs)
        return store_error(store->last_error());
      return std::move(*msgs);
    },
    [this](describe_atom) { return describe(); },
  };
}

caf::behavior persistence_actor(caf::stateful_actor<persistence_state>* self,
                                std::unique_ptr<sqlite_store> store,
                                std::size_t max_batch) {
  auto& st = self->state;
  st.self = self;
  st.store = std::move(store);
  st.max_batch = std::max<std::size_t>(max_batch, 1);
  // Storage outlives any one confused client: a stray error or message is
  // logged, never a reason to stop (CAF's defaults would quit on errors).
  self->set_error_handler([](caf::error& err) { spdlog::warn("persistence: stray error message: {}", caf::to_string(err)); });
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
    spdlog::warn("persistence: unexpected message {}", caf::to_string(x.content()));
    return caf::sec::unexpected_message;
  });
  spdlog::info("persistence: database '{}' (synchronous={})",
               st.store->path(),
               st.store->synchronous_full() ? "full" : "normal");
  return st.make_behavior();
}

} // namespace

caf::actor spawn_persistence(caf::actor_system& sys,
                             std::unique_ptr<sqlite_store> store,
                             std::size_t max_batch) {
  if (!store)
    throw std::invalid_argument("spawn_persistence: store is null");
  return sys.spawn<caf::detached>(persistence_actor, std::move(store),
                                  max_batch);
}

} // namespace roomcast::persistence
