#pragma once
// Token bucket: `rate` tokens per second, holding at most `burst`.

#include <chrono>

namespace roomcast {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  rate_limiter(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  /// Takes one token at time `now`; false when the bucket is empty.
  bool allow(clock::time_point now);

  double tokens() const noexcept { return tokens_; }

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_{};
};

} // namespace roomcast
