// loadgen: opens many WebSocket connections to a roomcast-compatible server,
// joins them to rooms, drives one scenario and reports throughput, latency,
// errors and the server's memory and CPU cost as one JSON line on stdout.
// See bench/README.md for the scenarios and bench/run.sh for how it is used.

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>
#include <unistd.h>

#include "loadgen/client.hpp"
#include "loadgen/dialect.hpp"
#include "loadgen/options.hpp"
#include "loadgen/proc_stats.hpp"

using namespace bench;

namespace {

// -- JSON output --------------------------------------------------------------

std::string num(double v) {
  char b[64];
  if (v == static_cast<double>(static_cast<long long>(v)) && v < 1e15 && v > -1e15)
    std::snprintf(b, sizeof b, "%lld", static_cast<long long>(v));
  else
    std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

class json_object {
public:
  json_object& add(std::string_view k, double v) { return raw(k, num(v)); }
  json_object& add(std::string_view k, bool v) { return raw(k, v ? "true" : "false"); }
  json_object& add(std::string_view k, const char* v) { return add(k, std::string_view(v)); }
  json_object& add(std::string_view k, std::string_view v) {
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) q += c;
    }
    return raw(k, q + "\"");
  }
  json_object& raw(std::string_view k, std::string_view v) {
    s_ += s_.size() > 1 ? ",\"" : "\"";
    s_.append(k).append("\":").append(v);
    return *this;
  }
  std::string str() const { return s_ + "}"; }

private:
  std::string s_ = "{";
};

// -- run state ----------------------------------------------------------------

struct totals {
  std::uint64_t attempted = 0, joined = 0, failed = 0, sent = 0, expected = 0, delivered = 0, acked = 0;
  std::uint64_t frames = 0, bytes_in = 0, err_connect = 0, err_upgrade = 0, err_timeout = 0, err_closed = 0;
  std::uint64_t err_event = 0, err_protocol = 0, send_backlog = 0, skipped_sends = 0, compressed = 0;
  std::int64_t last_join_us = 0;
  std::uint64_t errors() const {
    return err_connect + err_upgrade + err_timeout + err_closed + err_event + err_protocol + send_backlog;
  }
};

struct sample {
  std::int64_t t = 0;
  totals tot;
  std::int64_t server_cpu = -1;
  std::int64_t self_cpu = 0;
};

struct app {
  options opt;
  run_shared rs;
  std::vector<std::unique_ptr<worker>> workers;
  std::int64_t deadline = 0;
  bool out_of_time = false;

  explicit app(const options& o) : opt(o), rs(opt) {}

  totals sum() const {
    totals t;
    auto ld = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    for (const auto& w : workers) {
      auto& c = w->stats();
      t.attempted += ld(c.attempted);
      t.joined += ld(c.joined);
      t.failed += ld(c.failed);
      t.sent += ld(c.sent);
      t.expected += ld(c.expected);
      t.delivered += ld(c.delivered);
      t.acked += ld(c.acked);
      t.frames += ld(c.frames);
      t.bytes_in += ld(c.bytes_in);
      t.err_connect += ld(c.err_connect);
      t.err_upgrade += ld(c.err_upgrade);
      t.err_timeout += ld(c.err_timeout);
      t.err_closed += ld(c.err_closed);
      t.err_event += ld(c.err_event);
      t.err_protocol += ld(c.err_protocol);
      t.send_backlog += ld(c.send_backlog);
      t.skipped_sends += ld(c.skipped_sends);
      t.compressed += ld(c.compressed);
      t.last_join_us = std::max(t.last_join_us, c.last_join_us.load(std::memory_order_relaxed));
    }
    return t;
  }

  sample take() const { return {now_us(), sum(), read_cpu_us(opt.server_pid), self_cpu_us()}; }

  bool time_left() {
    if (now_us() < deadline) return true;
    if (!out_of_time) std::fprintf(stderr, "loadgen: --max-seconds reached, stopping\n");
    out_of_time = true;
    return false;
  }

  void sleep_ms(int ms) const { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

  std::unique_ptr<latency_histogram> merged(int step, bool acks) const {
    auto h = std::make_unique<latency_histogram>();
    for (const auto& w : workers) h->merge_from(acks ? w->ack_histogram(step) : w->delivery_histogram(step));
    return h;
  }

  void progress(const char* phase, const sample& a, const sample& b, int step) const {
    if (!opt.progress) return;
    const double dt = std::max(1e-6, static_cast<double>(b.t - a.t) / 1e6);
    const auto rss = read_rss_kib(opt.server_pid);
    std::string lat;
    if (step >= 0) {
      const auto h = merged(step, false);
      char buf[96];
      std::snprintf(buf, sizeof buf, " p50 %.2f ms p99 %.2f ms", static_cast<double>(h->quantile(0.5)) / 1e3,
                    static_cast<double>(h->quantile(0.99)) / 1e3);
      lat = buf;
    }
    std::fprintf(stderr,
                 "[%6.1fs] %-9s joined %" PRIu64 " failed %" PRIu64 " | sent %.0f/s delivered %.0f/s acked %.0f/s%s"
                 " | errors %" PRIu64 " | server cpu %s rss %s | loadgen cpu %.0f%%\n",
                 static_cast<double>(b.t) / 1e6, phase, b.tot.joined, b.tot.failed,
                 static_cast<double>(b.tot.sent - a.tot.sent) / dt,
                 static_cast<double>(b.tot.delivered - a.tot.delivered) / dt,
                 static_cast<double>(b.tot.acked - a.tot.acked) / dt, lat.c_str(), b.tot.errors(),
                 a.server_cpu >= 0 && b.server_cpu >= 0
                     ? (num(std::round(static_cast<double>(b.server_cpu - a.server_cpu) / dt / 1e4)) + "%").c_str()
                     : "n/a",
                 rss >= 0 ? (num(std::round(static_cast<double>(rss) / 1024)) + " MiB").c_str() : "n/a",
                 static_cast<double>(b.self_cpu - a.self_cpu) / dt / 1e4);
  }

  /// Waits `seconds`, printing progress once a second.
  void wait(double seconds, const char* phase, int step) {
    const auto end = now_us() + static_cast<std::int64_t>(seconds * 1e6);
    auto last = take();
    while (now_us() < end && time_left()) {
      sleep_ms(static_cast<int>(std::clamp<std::int64_t>((end - now_us()) / 1000, 1, 100)));
      if (now_us() - last.t >= 1000000) {
        auto s = take();
        progress(phase, last, s, step);
        last = s;
      }
    }
  }

  struct join_result {
    std::uint64_t joined = 0, failed = 0;
    double seconds = 0;
    std::int64_t server_cpu_us = -1;
  };

  /// Opens `count` connections with indices from `first`, spread over `rooms` rooms from `room_base`.
  join_result join(std::uint32_t first, std::uint32_t count, std::uint32_t rooms, std::uint32_t room_base,
                   double rate, std::uint32_t inflight, const char* phase) {
    const auto n = static_cast<std::uint32_t>(workers.size());
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> specs(n);
    for (std::uint32_t k = 0; k < count; ++k)
      specs[k % n].push_back({first + k, room_base + (rooms > 1 ? k % rooms : 0)});
    const auto before = take();
    for (std::uint32_t w = 0; w < n; ++w) {
      asio::post(workers[w]->io(), [wk = workers[w].get(), s = std::move(specs[w]), r = rate / n,
                                    f = std::max<std::uint32_t>(1, inflight / n)]() mutable {
        wk->connect(std::move(s), r, f);
      });
    }
    const double expected_s = (rate > 0 ? count / rate : 0) + opt.handshake_timeout + 5;
    const auto limit = before.t + static_cast<std::int64_t>(expected_s * 1e6);
    auto last = before;
    totals now_tot = before.tot;
    while (true) {
      sleep_ms(5);
      now_tot = sum();
      if ((now_tot.joined + now_tot.failed) - (before.tot.joined + before.tot.failed) >= count) break;
      if (now_us() > limit || !time_left()) {
        std::fprintf(stderr, "loadgen: %s: gave up waiting for %u connections\n", phase, count);
        for (auto& w : workers) w->call([&] { w->cancel_connects(); });
        break;
      }
      if (now_us() - last.t >= 1000000) {
        auto s = take();
        progress(phase, last, s, -1);
        last = s;
      }
    }
    const auto after = take();
    join_result r;
    r.joined = after.tot.joined - before.tot.joined;
    r.failed = after.tot.failed - before.tot.failed;
    const auto end = r.joined > 0 ? after.tot.last_join_us : after.t;
    r.seconds = std::max(1e-6, static_cast<double>(end - before.t) / 1e6);
    if (before.server_cpu >= 0 && after.server_cpu >= 0) r.server_cpu_us = after.server_cpu - before.server_cpu;
    progress(phase, before, after, -1);
    return r;
  }

  void close_all() {
    for (auto& w : workers) w->call([&] { w->close_all(); });
  }

  static void add_errors(json_object& j, const totals& t) {
    json_object e;
    e.add("connect", static_cast<double>(t.err_connect)).add("upgrade", static_cast<double>(t.err_upgrade))
        .add("timeout", static_cast<double>(t.err_timeout)).add("closed", static_cast<double>(t.err_closed))
        .add("error_event", static_cast<double>(t.err_event)).add("protocol", static_cast<double>(t.err_protocol))
        .add("send_backlog", static_cast<double>(t.send_backlog));
    j.add("errors", static_cast<double>(t.errors())).raw("error_kinds", e.str());
  }

  void add_join(json_object& j, const join_result& r) {
    j.add("joined", static_cast<double>(r.joined)).add("join_failed", static_cast<double>(r.failed))
        .add("connect_seconds", r.seconds).add("connections_per_s", static_cast<double>(r.joined) / r.seconds);
    if (r.server_cpu_us >= 0 && r.joined > 0)
      j.add("cpu_us_per_connection", static_cast<double>(r.server_cpu_us) / static_cast<double>(r.joined));
  }

  // -- scenarios ------------------------------------------------------------

  struct step_result {
    double rate = 0, seconds = 0, sent_per_s = 0, deliveries_per_s = 0, expected_per_s = 0, acked_per_s = 0;
    double p50 = 0, p99 = 0, p999 = 0, max = 0, ack_p50 = 0, ack_p99 = 0;
    double server_cpu_pct = -1, cpu_us_per_delivery = -1, loadgen_cpu_pct = 0;
    std::int64_t rss_kib = -1;
    std::uint64_t errors = 0, skipped = 0;
    bool ok = false;
  };

  /// fanout, rooms, durable: the rate rises step by step until the server falls behind.
  void run_messaging(json_object& j) {
    const bool fanout = opt.scen == scenario::fanout;
    // shop: `senders` viewers chat, spread over the workers.
    const std::uint32_t per_worker = opt.scen == scenario::shop
                                       ? std::max<std::uint32_t>(1, opt.senders / static_cast<std::uint32_t>(workers.size()))
                                       : 0;
    const bool want_ack = opt.scen == scenario::durable && opt.dia == dialect::socketio;
    const auto rss_before = read_rss_kib(opt.server_pid);
    const auto jr = join(0, opt.connections, opt.rooms, 0, 0, opt.connect_concurrency, "join");
    add_join(j, jr);
    j.add("rss_before_kib", static_cast<double>(rss_before));

    rs.room_members.assign(opt.rooms, 0);
    for (auto& w : workers) w->call([&] { w->count_members(rs.room_members); });

    // fanout: one sender, the first joined connection of the first worker that has one.
    std::size_t sender_worker = 0;
    if (fanout) {
      while (sender_worker < workers.size() && workers[sender_worker]->stats().joined.load() == 0) ++sender_worker;
    }
    auto start = [&](double rate) {
      for (std::size_t w = 0; w < workers.size(); ++w) {
        if (fanout && w != sender_worker) continue;
        workers[w]->call([&, w] { workers[w]->start_sending(rate, fanout ? 1 : per_worker, want_ack); });
      }
    };
    auto stop = [&] {
      for (auto& w : workers) w->call([&] { w->stop_sending(); });
    };

    std::vector<step_result> steps;
    double rate = opt.rate;
    if (jr.joined > 0 && sender_worker < workers.size()) {
      for (int k = 0; k < static_cast<int>(opt.max_steps) && time_left(); ++k) {
        start(rate);
        wait(k == 0 ? opt.warmup : std::min(opt.warmup, 0.5), "warmup", -1);
        const auto a = take();
        rs.step.store(k);
        char phase[32];
        std::snprintf(phase, sizeof phase, "step %d", k + 1);
        wait(opt.duration, phase, k);
        rs.step.store(-1);
        const auto b = take();
        stop();
        drain();

        step_result s;
        s.rate = rate;
        s.seconds = static_cast<double>(b.t - a.t) / 1e6;
        const double dt = std::max(1e-6, s.seconds);
        s.sent_per_s = static_cast<double>(b.tot.sent - a.tot.sent) / dt;
        const double delivered = static_cast<double>(b.tot.delivered - a.tot.delivered);
        const double expected = static_cast<double>(b.tot.expected - a.tot.expected);
        s.deliveries_per_s = delivered / dt;
        s.expected_per_s = expected / dt;
        s.acked_per_s = static_cast<double>(b.tot.acked - a.tot.acked) / dt;
        const auto h = merged(k, false), ha = merged(k, true);
        s.p50 = static_cast<double>(h->quantile(0.5)) / 1e3;
        s.p99 = static_cast<double>(h->quantile(0.99)) / 1e3;
        s.p999 = static_cast<double>(h->quantile(0.999)) / 1e3;
        s.max = static_cast<double>(h->max()) / 1e3;
        s.ack_p50 = static_cast<double>(ha->quantile(0.5)) / 1e3;
        s.ack_p99 = static_cast<double>(ha->quantile(0.99)) / 1e3;
        if (a.server_cpu >= 0 && b.server_cpu >= 0) {
          const auto cpu = static_cast<double>(b.server_cpu - a.server_cpu);
          s.server_cpu_pct = cpu / dt / 1e4;
          if (delivered > 0) s.cpu_us_per_delivery = cpu / delivered;
        }
        s.loadgen_cpu_pct = static_cast<double>(b.self_cpu - a.self_cpu) / dt / 1e4;
        s.rss_kib = read_rss_kib(opt.server_pid);
        s.errors = b.tot.errors() - a.tot.errors();
        s.skipped = b.tot.skipped_sends - a.tot.skipped_sends;
        // Falling behind ends the ramp; a p99 over the SLO only marks the step as not
        // sustained, so one stall (GC, a busy machine) does not end the search early.
        const bool behind = s.errors > 0 || s.skipped > 0 || delivered < 0.9 * expected || delivered <= 0;
        s.ok = !behind && s.p99 <= opt.slo_ms;
        steps.push_back(s);
        if (opt.progress)
          std::fprintf(stderr, "loadgen: step %d rate %s/s: %s deliveries/s (expected %s), p99 %.2f ms -> %s\n", k + 1,
                       num(rate).c_str(), num(std::round(s.deliveries_per_s)).c_str(),
                       num(std::round(s.expected_per_s)).c_str(), s.p99,
                       s.ok ? "keeps up" : behind ? "falls behind" : "over the latency SLO");
        if (behind || rate >= opt.rate_max) break;
        rate = std::min(rate * opt.rate_factor, opt.rate_max);
      }
    }

    std::string arr = "[";
    const step_result* peak = nullptr;      // most deliveries/s, kept up or not
    const step_result* sustained = nullptr; // most deliveries/s while keeping up
    for (const auto& s : steps) {
      json_object o;
      o.add("rate", s.rate).add("seconds", s.seconds).add("sent_per_s", s.sent_per_s)
          .add("deliveries_per_s", s.deliveries_per_s).add("expected_per_s", s.expected_per_s)
          .add("acked_per_s", s.acked_per_s).add("p50_ms", s.p50).add("p99_ms", s.p99).add("p999_ms", s.p999)
          .add("max_ms", s.max).add("ack_p50_ms", s.ack_p50).add("ack_p99_ms", s.ack_p99)
          .add("server_cpu_pct", s.server_cpu_pct).add("cpu_us_per_delivery", s.cpu_us_per_delivery)
          .add("loadgen_cpu_pct", s.loadgen_cpu_pct).add("server_rss_kib", static_cast<double>(s.rss_kib))
          .add("errors", static_cast<double>(s.errors)).add("skipped_sends", static_cast<double>(s.skipped))
          .add("ok", s.ok);
      arr += (arr.size() > 1 ? "," : "") + o.str();
      const double metric = opt.scen == scenario::durable ? s.acked_per_s : s.deliveries_per_s;
      auto better = [&](const step_result* p) {
        return !p || metric > (opt.scen == scenario::durable ? p->acked_per_s : p->deliveries_per_s);
      };
      if (better(peak)) peak = &s;
      if (s.ok && better(sustained)) sustained = &s;
    }
    j.raw("steps", arr + "]");
    const step_result none;
    const step_result& p = peak ? *peak : none;
    const step_result& q = sustained ? *sustained : p;
    j.add("deliveries_per_s", p.deliveries_per_s).add("acked_per_s", p.acked_per_s)
        .add("sustained_deliveries_per_s", sustained ? q.deliveries_per_s : 0.0)
        .add("sustained_acked_per_s", sustained ? q.acked_per_s : 0.0)
        .add("sustained_rate", sustained ? q.rate : 0.0)
        .add("p50_ms", q.p50).add("p99_ms", q.p99).add("p999_ms", q.p999)
        .add("ack_p50_ms", q.ack_p50).add("ack_p99_ms", q.ack_p99)
        .add("cpu_us_per_delivery", p.cpu_us_per_delivery).add("server_cpu_pct", p.server_cpu_pct)
        .add("loadgen_cpu_pct", p.loadgen_cpu_pct).add("server_rss_kib", static_cast<double>(p.rss_kib))
        .add("saturated", !steps.empty() && steps.back().rate < opt.rate_max)
        .add("loadgen_bound", p.loadgen_cpu_pct > 90.0 * static_cast<double>(opt.threads));
    const auto t = sum();
    j.add("undelivered", static_cast<double>(t.expected > t.delivered ? t.expected - t.delivered : 0));
  }

  /// After a step: waits for messages still on the way, at most --drain seconds.
  void drain() {
    const auto end = now_us() + static_cast<std::int64_t>(opt.drain * 1e6);
    auto t = sum();
    auto changed = now_us();
    while (now_us() < end && t.delivered < t.expected) {
      sleep_ms(20);
      const auto u = sum();
      if (u.delivered != t.delivered) changed = now_us();
      else if (now_us() - changed > 500000) break; // nothing more is coming
      t = u;
    }
  }

  void run_idle(json_object& j) {
    const auto rss_before = read_rss_kib(opt.server_pid);
    const auto jr = join(0, opt.connections, opt.rooms, 0, 0, opt.connect_concurrency, "join");
    add_join(j, jr);
    const auto a = take();
    wait(opt.duration, "idle", -1);
    const auto b = take();
    const auto rss_after = read_rss_kib(opt.server_pid);
    j.add("rss_before_kib", static_cast<double>(rss_before)).add("rss_after_kib", static_cast<double>(rss_after))
        .add("server_rss_kib", static_cast<double>(rss_after));
    if (rss_before >= 0 && rss_after >= 0 && jr.joined > 0)
      j.add("rss_per_connection_bytes",
            static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(jr.joined));
    const double dt = std::max(1e-6, static_cast<double>(b.t - a.t) / 1e6);
    if (a.server_cpu >= 0 && b.server_cpu >= 0)
      j.add("idle_server_cpu_pct", static_cast<double>(b.server_cpu - a.server_cpu) / dt / 1e4);
    j.add("idle_seconds", dt).add("loadgen_cpu_pct", static_cast<double>(b.self_cpu - a.self_cpu) / dt / 1e4);
  }

  /// Connect + join at a rising rate; each step's connections close before the next.
  void run_storm(json_object& j) {
    double rate = opt.rate;
    std::uint32_t base = 0;
    std::string arr = "[";
    double best = 0, best_any = 0, best_cpu = -1;
    bool stopped_by_errors = false;
    for (std::uint32_t k = 0; k < opt.max_steps && time_left(); ++k) {
      const auto count = static_cast<std::uint32_t>(
          std::clamp(rate * opt.duration, 1.0, static_cast<double>(opt.connections)));
      const auto rooms = std::max<std::uint32_t>(1, (count + opt.room_size - 1) / opt.room_size);
      char phase[32];
      std::snprintf(phase, sizeof phase, "storm %u", k + 1);
      const auto r = join(base, count, rooms, base, rate, count, phase);
      const double achieved = static_cast<double>(r.joined) / r.seconds;
      const bool ok = r.failed == 0 && achieved >= 0.8 * rate;
      json_object o;
      o.add("rate", rate).add("attempted", static_cast<double>(count)).add("joined", static_cast<double>(r.joined))
          .add("failed", static_cast<double>(r.failed)).add("seconds", r.seconds)
          .add("connections_per_s", achieved).add("ok", ok);
      if (r.server_cpu_us >= 0 && r.joined > 0)
        o.add("cpu_us_per_connection", static_cast<double>(r.server_cpu_us) / static_cast<double>(r.joined));
      arr += (arr.size() > 1 ? "," : "") + o.str();
      if (opt.progress)
        std::fprintf(stderr, "loadgen: storm step %u at %s/s: %s joined, %s failed, %.0f connections/s\n", k + 1,
                     num(rate).c_str(), num(static_cast<double>(r.joined)).c_str(),
                     num(static_cast<double>(r.failed)).c_str(), achieved);
      best_any = std::max(best_any, achieved);
      if (r.failed == 0 && achieved > best) {
        best = achieved;
        if (r.server_cpu_us >= 0 && r.joined > 0)
          best_cpu = static_cast<double>(r.server_cpu_us) / static_cast<double>(r.joined);
      }
      close_all();
      base += count;
      wait(0.5, "settle", -1);
      if (r.failed > 0) stopped_by_errors = true;
      if (!ok || rate >= opt.rate_max) break;
      rate = std::min(rate * opt.rate_factor, opt.rate_max);
    }
    j.raw("steps", arr + "]");
    j.add("connections_per_s", best > 0 ? best : best_any).add("max_connections_per_s_with_errors", best_any)
        .add("cpu_us_per_connection", best_cpu).add("stopped_by_errors", stopped_by_errors)
        .add("server_rss_kib", static_cast<double>(read_rss_kib(opt.server_pid)));
  }
};

std::string random_id() {
  static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  int here = 0;
  auto v = static_cast<std::uint64_t>(now_us()) ^ (static_cast<std::uint64_t>(::getpid()) << 32) ^
           reinterpret_cast<std::uintptr_t>(&here);
  std::string s;
  for (int i = 0; i < 6; ++i) {
    v = v * 6364136223846793005ull + 1442695040888963407ull;
    s += digits[(v >> 33) % 36];
  }
  return s;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  app a(parse_options(argc, argv));
  auto& opt = a.opt;
  text::prose_padding = opt.prose;
  a.deadline = now_us() + static_cast<std::int64_t>(opt.max_seconds * 1e6);

  const auto fd_limit = raise_fd_limit(std::uint64_t{opt.connections} + 256);
  if (fd_limit < std::uint64_t{opt.connections} + 32) {
    const auto capped = static_cast<std::uint32_t>(fd_limit > 64 ? fd_limit - 32 : 1);
    std::fprintf(stderr, "loadgen: open-file limit %llu: using %u connections instead of %u\n",
                 static_cast<unsigned long long>(fd_limit), capped, opt.connections);
    opt.connections = capped;
    if (opt.scen == scenario::fanout || opt.scen == scenario::shop) opt.room_size = capped;
    opt.rooms = std::max<std::uint32_t>(1, std::min(opt.rooms, (capped + opt.room_size - 1) / opt.room_size));
  }

  boost::system::error_code ec;
  a.rs.target = tcp::endpoint(asio::ip::make_address(opt.host, ec), opt.port);
  if (ec) {
    std::fprintf(stderr, "loadgen: --target needs an IP address, got %s\n", opt.host.c_str());
    return 2;
  }
  if (opt.tls) {
    a.rs.tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (!opt.tls_ca.empty()) {
      a.rs.tls->load_verify_file(opt.tls_ca, ec);
      if (ec) {
        std::fprintf(stderr, "loadgen: --tls-ca %s: %s\n", opt.tls_ca.c_str(), ec.message().c_str());
        return 2;
      }
      a.rs.tls->set_verify_mode(asio::ssl::verify_peer);
    } else {
      a.rs.tls->set_verify_mode(asio::ssl::verify_none);
    }
  }
  a.rs.run_id = "b" + random_id();
  for (std::uint32_t i = 0; i < opt.threads; ++i) a.workers.push_back(std::make_unique<worker>(a.rs, static_cast<int>(i)));
  for (auto& w : a.workers) w->start();

  if (opt.progress)
    std::fprintf(stderr, "loadgen: %s %s against %s:%u, %u connections in %u rooms, %u thread(s)\n",
                 to_string(opt.scen), to_string(opt.dia), opt.host.c_str(), opt.port, opt.connections, opt.rooms,
                 opt.threads);

  json_object j;
  j.add("label", opt.label).add("tls", opt.tls).add("dialect", to_string(opt.dia)).add("scenario", to_string(opt.scen))
      .add("connections", static_cast<double>(opt.connections)).add("rooms", static_cast<double>(opt.rooms))
      .add("room_size", static_cast<double>(opt.room_size)).add("payload", static_cast<double>(opt.payload))
      .add("threads", static_cast<double>(opt.threads)).add("server_pid", static_cast<double>(opt.server_pid))
      .add("senders", static_cast<double>(opt.senders)).add("start_rate", opt.rate).add("rate_factor", opt.rate_factor).add("slo_ms", opt.slo_ms);
  const auto cpu0 = self_cpu_us();
  const auto t0 = now_us();
  switch (opt.scen) {
  case scenario::fanout:
  case scenario::rooms:
  case scenario::durable:
  case scenario::shop: a.run_messaging(j); break;
  case scenario::idle: a.run_idle(j); break;
  case scenario::storm: a.run_storm(j); break;
  }
  const auto tot = a.sum();
  a.add_errors(j, tot);
  j.add("sent", static_cast<double>(tot.sent)).add("delivered", static_cast<double>(tot.delivered))
      .add("acked", static_cast<double>(tot.acked)).add("bytes_in", static_cast<double>(tot.bytes_in))
      .add("deflate", opt.deflate).add("compressed_in", static_cast<double>(tot.compressed))
      .add("wall_seconds", static_cast<double>(now_us() - t0) / 1e6)
      .add("loadgen_cpu_seconds", static_cast<double>(self_cpu_us() - cpu0) / 1e6)
      .add("server_alive", opt.server_pid <= 0 || read_rss_kib(opt.server_pid) >= 0)
      .add("out_of_time", a.out_of_time);
  a.close_all();
  for (auto& w : a.workers) w->stop();
  std::printf("%s\n", j.str().c_str());
  std::fflush(stdout);
  return 0;
}
