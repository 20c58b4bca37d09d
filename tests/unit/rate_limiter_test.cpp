#define CAF_SUITE rate_limiter

#include <caf/test/unit_test.hpp>

#include "actors/rate_limiter.hpp"

#include <chrono>

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

// An arbitrary, fixed starting point: tests pass explicit time points.
const rate_limiter::clock::time_point t0 = rate_limiter::clock::time_point{} + 1000h;

/// How many of `attempts` calls at `now` are allowed.
int allowed(rate_limiter& r, rate_limiter::clock::time_point now, int attempts) {
  int n = 0;
  for (int i = 0; i < attempts; ++i)
    n += r.allow(now) ? 1 : 0;
  return n;
}

} // namespace

CAF_TEST(a full bucket allows the burst and then refuses) {
  rate_limiter r{1.0, 5.0};
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(r.allow(t0));
  CAF_CHECK(!r.allow(t0));
  CAF_CHECK(!r.allow(t0));
  CAF_CHECK_LESS(r.tokens(), 1.0);
}

CAF_TEST(a refused call does not use up a token) {
  rate_limiter r{1.0, 1.0};
  CAF_CHECK(r.allow(t0));
  CAF_CHECK(!r.allow(t0 + 500ms));
  CAF_CHECK(!r.allow(t0 + 750ms));
  CAF_CHECK(r.allow(t0 + 1s));
}

CAF_TEST(tokens come back at the configured rate) {
  rate_limiter r{2.0, 4.0}; // one token every 500 ms
  CAF_CHECK_EQUAL(allowed(r, t0, 10), 4);
  CAF_CHECK(!r.allow(t0 + 250ms));
  CAF_CHECK(r.allow(t0 + 500ms));
  CAF_CHECK(!r.allow(t0 + 500ms));
  CAF_CHECK(!r.allow(t0 + 750ms));
  CAF_CHECK(r.allow(t0 + 1000ms));
  // Two seconds later there are four tokens again, not more.
  CAF_CHECK_EQUAL(allowed(r, t0 + 3000ms, 10), 4);
}

CAF_TEST(a steady sender at the rate is never refused) {
  rate_limiter r{10.0, 3.0};
  CAF_CHECK_EQUAL(allowed(r, t0, 3), 3);
  for (int i = 1; i <= 100; ++i)
    CAF_CHECK(r.allow(t0 + i * 100ms));
  // ... but a second message in the same 100 ms slot is refused.
  CAF_CHECK(!r.allow(t0 + 10000ms));
}

CAF_TEST(a sender twice as fast as the rate gets half through) {
  rate_limiter r{10.0, 1.0};
  int n = 0;
  for (int i = 0; i < 200; ++i) // 200 messages over 10 s at 50 ms spacing
    n += r.allow(t0 + i * 50ms) ? 1 : 0;
  CAF_CHECK_GREATER_OR_EQUAL(n, 99);
  CAF_CHECK_LESS_OR_EQUAL(n, 101);
}

CAF_TEST(a long idle period never gives more than the burst) {
  rate_limiter r{100.0, 7.0};
  CAF_CHECK_EQUAL(allowed(r, t0, 7), 7);
  CAF_CHECK_EQUAL(allowed(r, t0 + 24h, 100), 7);
  CAF_CHECK_LESS_OR_EQUAL(r.tokens(), 7.0);
}

CAF_TEST(the token count never exceeds the burst) {
  rate_limiter r{50.0, 3.0};
  CAF_CHECK_LESS_OR_EQUAL(r.tokens(), 3.0);
  for (int i = 0; i < 50; ++i) {
    r.allow(t0 + i * 1s);
    CAF_CHECK_LESS_OR_EQUAL(r.tokens(), 3.0);
  }
}

CAF_TEST(a clock going backwards adds no tokens) {
  rate_limiter r{1.0, 2.0};
  CAF_CHECK_EQUAL(allowed(r, t0 + 10s, 2), 2);
  CAF_CHECK(!r.allow(t0));
  CAF_CHECK(!r.allow(t0 + 1s));
}

CAF_TEST(time that went backwards is not earned again later) {
  rate_limiter r{1.0, 5.0};
  CAF_CHECK_EQUAL(allowed(r, t0 + 10s, 5), 5);
  CAF_CHECK(!r.allow(t0)); // the clock jumps back ten seconds
  // One second after the last good reading: one token, not eleven's worth.
  CAF_CHECK_EQUAL(allowed(r, t0 + 11s, 5), 1);
}

CAF_TEST(a bucket on a shared limit follows the limit when it changes) {
  auto limit = std::make_shared<rate_limit>(1.0, 5.0);
  rate_limiter r{limit};
  CAF_CHECK_EQUAL(allowed(r, t0, 10), 5);
  CAF_CHECK_EQUAL(allowed(r, t0 + 1s, 10), 1);
  limit->set(10.0, 20.0);
  CAF_CHECK_EQUAL(allowed(r, t0 + 2s, 30), 10); // the new rate refills
  CAF_CHECK_EQUAL(allowed(r, t0 + 5s, 30), 20); // up to the new burst
  limit->set(1.0, 2.0);
  CAF_CHECK_EQUAL(allowed(r, t0 + 10s, 30), 2); // a lowered burst caps at once
}
