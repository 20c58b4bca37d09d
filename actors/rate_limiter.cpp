#include "actors/rate_limiter.hpp"

#include <algorithm>

namespace roomcast {

bool rate_limiter::allow(clock::time_point now) {
  if (last_ != clock::time_point{}) {
    std::chrono::duration<double> dt = now - last_;
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, dt.count()) * rate_);
  }
  last_ = now;
  if (tokens_ < 1.0)
    return false;
  tokens_ -= 1.0;
  return true;
}

} // namespace roomcast
