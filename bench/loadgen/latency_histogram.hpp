#pragma once
// Log-linear latency histogram in microseconds: exact below 128 µs, then 64
// buckets per power of two (under 1.6 % error), up to about 2^40 µs.
// Written by one thread; the relaxed atomics let the reporting thread read
// it while it fills, without a lock prefix on the hot path.

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace bench {

class latency_histogram {
public:
  static constexpr int buckets = 64 * 36;

  void record(std::uint64_t us) {
    auto& b = counts_[index_of(us)];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    total_.store(total_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (us > max_.load(std::memory_order_relaxed)) max_.store(us, std::memory_order_relaxed);
  }

  /// Adds another histogram's counts (taken while it may still be filling).
  void merge_from(const latency_histogram& o) {
    for (int i = 0; i < buckets; ++i) {
      auto v = o.counts_[i].load(std::memory_order_relaxed);
      if (v) counts_[i].store(counts_[i].load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
    }
    total_.store(total_.load(std::memory_order_relaxed) + o.total_.load(std::memory_order_relaxed),
                 std::memory_order_relaxed);
    auto m = o.max_.load(std::memory_order_relaxed);
    if (m > max_.load(std::memory_order_relaxed)) max_.store(m, std::memory_order_relaxed);
  }

  std::uint64_t count() const { return total_.load(std::memory_order_relaxed); }
  std::uint64_t max() const { return max_.load(std::memory_order_relaxed); }

  /// The value at quantile q (0..1), as the upper edge of its bucket.
  std::uint64_t quantile(double q) const {
    std::uint64_t n = 0;
    for (int i = 0; i < buckets; ++i) n += counts_[i].load(std::memory_order_relaxed);
    if (n == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n));
    if (rank >= n) rank = n - 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < buckets; ++i) {
      seen += counts_[i].load(std::memory_order_relaxed);
      if (seen > rank) return upper_edge(i);
    }
    return max();
  }

private:
  static int index_of(std::uint64_t v) {
    if (v < 128) return static_cast<int>(v);
    const int msb = 63 - std::countl_zero(v);
    const int shift = msb - 6;
    const int i = shift * 64 + static_cast<int>(v >> shift);
    return i < buckets ? i : buckets - 1;
  }
  static std::uint64_t upper_edge(int i) {
    if (i < 128) return static_cast<std::uint64_t>(i);
    const int shift = i / 64 - 1;
    const std::uint64_t top = static_cast<std::uint64_t>(i - shift * 64);
    return ((top + 1) << shift) - 1;
  }

  std::array<std::atomic<std::uint64_t>, buckets> counts_{};
  std::atomic<std::uint64_t> total_{0};
  std::atomic<std::uint64_t> max_{0};
};

} // namespace bench
