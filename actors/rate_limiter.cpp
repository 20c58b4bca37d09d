#include "actors/rate_limiter.hpp"

#include <algorithm>

namespace roomcast {

bool rate_limiter::allow(clock::time_point now) {
  if (live_) {
    rate_ = live_->rate();
    burst_ = live_->burst();
    tokens_ = std::min(tokens_, burst_); // a lowered burst holds at once
  }
  // Time that went backwards earns nothing, and is not earned twice later.
  if (last_ == clock::time_point{}) {
    last_ = now;
  } else if (now > last_) {
    std::chrono::duration<double> dt = now - last_;
    tokens_ = std::min(burst_, tokens_ + dt.count() * rate_);
    last_ = now;
  }
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

} // namespace roomcast
