#pragma once
// Traffic counters that cost the fan-out path nothing shared: each I/O
// thread bumps its own lane (relaxed atomics, no contention) and a scrape or
// the admin console sums the lanes. Totals only grow; rates come from
// sampling them (rate_ring).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace roomcast::metrics {

/// One thread's counters. Written by that thread only; read by anyone.
struct lane {
  std::atomic<std::uint64_t> messages_in{0};     ///< complete client messages (text or binary)
  std::atomic<std::uint64_t> deliveries_out{0};  ///< frames written to clients
  std::atomic<std::uint64_t> bytes_in{0};        ///< socket bytes read (WebSocket)
  std::atomic<std::uint64_t> bytes_out{0};       ///< socket bytes written (WebSocket)
  std::atomic<std::uint64_t> slow_consumer_closes{0};
  std::atomic<std::uint64_t> rate_limit_refusals{0};
  std::atomic<std::uint64_t> eio_polling_opened{0};   ///< Engine.IO sessions opened by a polling handshake
  std::atomic<std::uint64_t> eio_websocket_opened{0}; ///< Engine.IO sessions opened directly over WebSocket
  std::atomic<std::uint64_t> eio_upgrades{0};         ///< polling sessions upgraded to WebSocket
  std::atomic<std::uint64_t> eio_polls{0};            ///< polling GETs answered
  std::atomic<std::uint64_t> deflate_compressed{0};   ///< frames compressed (once per broadcast)
  std::atomic<std::uint64_t> deflate_sent{0};         ///< compressed frames written to clients
  std::atomic<std::uint64_t> deflate_inflated{0};     ///< compressed client messages inflated
};

/// The lanes summed at one moment.
struct totals {
  std::uint64_t messages_in = 0;
  std::uint64_t deliveries_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t slow_consumer_closes = 0;
  std::uint64_t rate_limit_refusals = 0;
  std::uint64_t eio_polling_opened = 0;
  std::uint64_t eio_websocket_opened = 0;
  std::uint64_t eio_upgrades = 0;
  std::uint64_t eio_polls = 0;
  std::uint64_t deflate_compressed = 0;
  std::uint64_t deflate_sent = 0;
  std::uint64_t deflate_inflated = 0;
  totals& operator+=(const lane& l);
  friend bool operator==(const totals&, const totals&) = default;
};

/// Every lane ever handed out. Lanes are never freed (there is one per
/// thread that counted, a small fixed set), so a lane outlives its thread.
class lane_set {
public:
  lane& add();
  totals sum() const;

private:
  mutable std::mutex mu_;
  std::deque<lane> lanes_; ///< deque: adding never moves a lane
};

/// The process's lanes.
lane_set& process_lanes();

/// The calling thread's lane in process_lanes() (registered on first use).
inline lane& local() {
  thread_local lane* mine = &process_lanes().add();
  return *mine;
}

/// Adds `n` to a counter of the calling thread's lane.
inline void bump(std::atomic<std::uint64_t> lane::*counter, std::uint64_t n = 1) {
  (local().*counter).fetch_add(n, std::memory_order_relaxed);
}

/// Totals over every thread.
inline totals sum() {
  return process_lanes().sum();
}

/// The last samples of the totals, one a second or so, for recent rates.
class rate_ring {
public:
  using clock = std::chrono::steady_clock;
  struct sample {
    clock::time_point at;
    totals value;
  };
  struct rates {
    double messages_in = 0;    ///< per second
    double deliveries_out = 0; ///< per second
    double bytes_in = 0;
    double bytes_out = 0;
  };

  explicit rate_ring(std::size_t capacity = 60) : capacity_(capacity) {}

  void add(clock::time_point at, const totals& value);
  /// Rates over the last `window` (at most what is kept); zero with fewer than two samples.
  rates recent(std::chrono::seconds window = std::chrono::seconds(5)) const;
  std::size_t size() const;

private:
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::deque<sample> samples_;
};

} // namespace roomcast::metrics
