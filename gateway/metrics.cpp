#include "gateway/metrics.hpp"

namespace roomcast::metrics {

totals& totals::operator+=(const lane& l) {
  constexpr auto r = std::memory_order_relaxed;
  messages_in += l.messages_in.load(r);
  deliveries_out += l.deliveries_out.load(r);
  bytes_in += l.bytes_in.load(r);
  bytes_out += l.bytes_out.load(r);
  slow_consumer_closes += l.slow_consumer_closes.load(r);
  rate_limit_refusals += l.rate_limit_refusals.load(r);
  eio_polling_opened += l.eio_polling_opened.load(r);
  eio_websocket_opened += l.eio_websocket_opened.load(r);
  eio_upgrades += l.eio_upgrades.load(r);
  eio_polls += l.eio_polls.load(r);
  deflate_compressed += l.deflate_compressed.load(r);
  deflate_sent += l.deflate_sent.load(r);
  deflate_inflated += l.deflate_inflated.load(r);
  return *this;
}

lane& lane_set::add() {
  std::lock_guard lk(mu_);
  return lanes_.emplace_back();
}

totals lane_set::sum() const {
  totals t;
  std::lock_guard lk(mu_);
  for (auto& l : lanes_)
    t += l;
  return t;
}

lane_set& process_lanes() {
  static lane_set* lanes = new lane_set; // never destroyed: threads may count during exit
  return *lanes;
}

void rate_ring::add(clock::time_point at, const totals& value) {
  std::lock_guard lk(mu_);
  samples_.push_back({at, value});
  while (samples_.size() > capacity_)
    samples_.pop_front();
}

rate_ring::rates rate_ring::recent(std::chrono::seconds window) const {
  std::lock_guard lk(mu_);
  rates r;
  if (samples_.size() < 2)
    return r;
  auto& last = samples_.back();
  // The oldest sample still inside the window (at least the one before the last).
  auto first = samples_.size() - 2;
  while (first > 0 && last.at - samples_[first - 1].at <= window)
    --first;
  auto& from = samples_[first];
  double dt = std::chrono::duration<double>(last.at - from.at).count();
  if (dt <= 0)
    return r;
  auto per_s = [dt](std::uint64_t a, std::uint64_t b) { return b >= a ? static_cast<double>(b - a) / dt : 0.0; };
  r.messages_in = per_s(from.value.messages_in, last.value.messages_in);
  r.deliveries_out = per_s(from.value.deliveries_out, last.value.deliveries_out);
  r.bytes_in = per_s(from.value.bytes_in, last.value.bytes_in);
  r.bytes_out = per_s(from.value.bytes_out, last.value.bytes_out);
  return r;
}

std::size_t rate_ring::size() const {
  std::lock_guard lk(mu_);
  return samples_.size();
}

} // namespace roomcast::metrics
