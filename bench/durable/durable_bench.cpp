// Acknowledged appends per second through the persistence actor: durable
// SQLite files (synchronous FULL and NORMAL) against an in-memory baseline.
// N sender actors (think: N rooms) each keep a window of W append requests
// outstanding; an append counts when its committed_atom reply arrives, i.e.
// after its transaction committed.
//
//   durable_bench [--benchmark_filter=...]   (files go to $ROOMCAST_BENCH_DIR
//                                             or a fresh directory in /tmp)

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include "caf/all.hpp"

#include "persistence/persistence_actor.hpp"

using namespace roomcast::persistence;

namespace {

using done_atom = caf::atom_constant<caf::atom("done")>;

enum class mode { sync_full, sync_normal, in_memory };

// A chat message roughly as a room renders it.
const std::string body =
  R"({"type":"message","id":"9f0c2a","from":{"id":"u-1842","name":"Ada"},)"
  R"("text":"Shall we move the sync to Thursday afternoon?","ts":1718000000000})";

std::string bench_dir;

struct sender_state {
  caf::actor db;
  caf::actor report_to;
  std::string room;
  std::uint64_t next_seq = 0;
  std::uint64_t to_send = 0;
  std::uint64_t outstanding = 0;
  std::uint64_t errors = 0;
};

void send_next(caf::stateful_actor<sender_state>* self) {
  auto& st = self->state;
  --st.to_send;
  ++st.outstanding;
  stored_message msg{st.next_seq, "m" + std::to_string(st.next_seq), 0, body};
  ++st.next_seq;
  auto on_reply = [self] {
    auto& st = self->state;
    --st.outstanding;
    if (st.to_send > 0) {
      send_next(self);
    } else if (st.outstanding == 0) {
      self->send(st.report_to, done_atom::value, st.errors);
      self->quit();
    }
  };
  self->request(st.db, std::chrono::seconds(60), append_atom::value, st.room,
                std::move(msg))
    .then([on_reply](committed_atom) { on_reply(); },
          [self, on_reply](caf::error&) {
            ++self->state.errors;
            on_reply();
          });
}

// One room: appends `count` messages starting at `first_seq`, with at most
// `window` unacknowledged at any time, then reports to `report_to`.
caf::behavior sender(caf::stateful_actor<sender_state>* self, caf::actor db,
                     std::string room, std::uint64_t first_seq,
                     std::uint64_t count, std::uint32_t window,
                     caf::actor report_to) {
  auto& st = self->state;
  st.db = std::move(db);
  st.report_to = std::move(report_to);
  st.room = std::move(room);
  st.next_seq = first_seq;
  st.to_send = count;
  for (std::uint32_t i = 0; i < window && st.to_send > 0; ++i)
    send_next(self);
  return {[] {}};
}

double describe_number(const std::string& json, const std::string& key) {
  auto pos = json.find("\"" + key + "\":");
  if (pos == std::string::npos)
    return 0;
  return std::strtod(json.c_str() + pos + key.size() + 3, nullptr);
}

void acked_appends(benchmark::State& state, caf::actor_system* sys, mode m) {
  const auto senders = static_cast<std::uint32_t>(state.range(0));
  const auto window = static_cast<std::uint32_t>(state.range(1));
  // Enough appends per iteration for several batches even at full window.
  const std::uint64_t per_sender =
    std::max<std::uint64_t>(64, 2048 / senders);

  std::string path = ":memory:";
  if (m != mode::in_memory) {
    path = bench_dir + "/bench-" + std::to_string(senders) + "x"
           + std::to_string(window) + ".db";
    for (auto suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path + suffix);
  }
  std::string error;
  auto store = sqlite_store::open(path, error, m == mode::sync_full);
  if (!store) {
    state.SkipWithError(error.c_str());
    return;
  }
  auto db = spawn_persistence(*sys, std::move(store));
  caf::scoped_actor self{*sys};
  std::uint64_t first_seq = 1;
  std::uint64_t errors = 0;
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < senders; ++i)
      sys->spawn(sender, db, "room-" + std::to_string(i), first_seq,
                 per_sender, window, caf::actor{self});
    std::uint32_t done = 0;
    self->receive_while([&] { return done < senders; })(
      [&](done_atom, std::uint64_t errs) {
        errors += errs;
        ++done;
      });
    first_seq += per_sender;
  }
  std::string json;
  self->request(db, std::chrono::seconds(60), describe_atom::value)
    .receive([&](std::string& x) { json = std::move(x); },
             [&](caf::error&) {});
  caf::anon_send_exit(db, caf::exit_reason::user_shutdown);
  if (errors > 0)
    state.SkipWithError("some appends failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations())
                          * senders * per_sender);
  state.counters["avg_batch"] = describe_number(json, "avg_batch");
  state.counters["max_batch"] = describe_number(json, "max_batch");
}

void register_all(caf::actor_system* sys) {
  struct variant {
    const char* name;
    mode m;
  };
  const variant variants[] = {
    {"acked_appends/sync_full", mode::sync_full},
    {"acked_appends/sync_normal", mode::sync_normal},
    {"acked_appends/in_memory", mode::in_memory},
  };
  for (const auto& v : variants)
    benchmark::RegisterBenchmark(v.name, acked_appends, sys, v.m)
      ->ArgNames({"senders", "window"})
      ->Args({1, 1})
      ->Args({16, 1})
      ->Args({16, 8})
      ->Args({64, 8})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

struct bench_config : caf::actor_system_config {
  bench_config() {
    add_persistence_message_types(*this);
    // Two cores: the persistence actor has its own thread besides these.
    set("scheduler.max-threads", 2);
  }
};

} // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  std::string tmpl;
  if (const char* dir = std::getenv("ROOMCAST_BENCH_DIR")) {
    bench_dir = dir;
    std::filesystem::create_directories(bench_dir);
  } else {
    tmpl = "/tmp/roomcast-durable-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      return EXIT_FAILURE;
    bench_dir = tmpl;
  }
  {
    bench_config cfg;
    caf::actor_system sys{cfg};
    register_all(&sys);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  }
  if (!tmpl.empty())
    std::filesystem::remove_all(tmpl);
  return EXIT_SUCCESS;
}
