#pragma once
// Token bucket: `rate` tokens per second, holding at most `burst`.

#include <atomic>
#include <chrono>
#include <memory>

namespace roomcast {

/// A rate and burst shared by many buckets, which a settings reload may
/// change while they are in use: every bucket reads it when it decides.
/// Thread-safe.
class rate_limit {
public:
  rate_limit(double rate, double burst) : rate_(rate), burst_(burst) {}

  void set(double rate, double burst) {
    rate_.store(rate, std::memory_order_relaxed);
    burst_.store(burst, std::memory_order_relaxed);
  }
  double rate() const noexcept { return rate_.load(std::memory_order_relaxed); }
  double burst() const noexcept { return burst_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> rate_;
  std::atomic<double> burst_;
};

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// A bucket with a fixed rate and burst.
  rate_limiter(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  /// A bucket that follows `limit` as it changes; starts full.
  explicit rate_limiter(std::shared_ptr<const rate_limit> limit)
    : live_(std::move(limit)), rate_(live_->rate()), burst_(live_->burst()), tokens_(burst_) {}

  /// Takes one token at time `now`; false when the bucket is empty.
  bool allow(clock::time_point now);

  double tokens() const noexcept { return tokens_; }

private:
  std::shared_ptr<const rate_limit> live_; ///< null: rate_ and burst_ are fixed
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_{};
};

} // namespace roomcast
