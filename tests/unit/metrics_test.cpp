#define CAF_SUITE metrics
#include "gateway/metrics.hpp"

#include <caf/test/unit_test.hpp>

#include <thread>
#include <vector>

#include "endpoints/admin_metrics.hpp"

using namespace roomcast;
using namespace std::chrono_literals;

CAF_TEST(each thread counts in its own lane and the sum sees every lane) {
  auto before = metrics::sum();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([] {
      for (int i = 0; i < 1000; ++i) {
        metrics::bump(&metrics::lane::messages_in);
        metrics::bump(&metrics::lane::bytes_out, 10);
      }
    });
  for (auto& t : threads)
    t.join();
  auto after = metrics::sum(); // lanes outlive their threads
  CAF_CHECK_EQUAL(after.messages_in - before.messages_in, 4000u);
  CAF_CHECK_EQUAL(after.bytes_out - before.bytes_out, 40000u);
  CAF_CHECK_EQUAL(after.deliveries_out, before.deliveries_out);
}

CAF_TEST(a lane set sums only its own lanes) {
  metrics::lane_set set;
  auto& a = set.add();
  auto& b = set.add();
  a.deliveries_out += 3;
  b.deliveries_out += 4;
  b.slow_consumer_closes += 1;
  auto t = set.sum();
  CAF_CHECK_EQUAL(t.deliveries_out, 7u);
  CAF_CHECK_EQUAL(t.slow_consumer_closes, 1u);
  CAF_CHECK_EQUAL(t.messages_in, 0u);
}

CAF_TEST(recent rates come from samples inside the window) {
  metrics::rate_ring ring{10};
  auto t0 = metrics::rate_ring::clock::time_point{} + 100s;
  CAF_CHECK_EQUAL(ring.recent().messages_in, 0.0);
  metrics::totals v;
  for (int i = 0; i <= 8; ++i) {
    v.messages_in = 100u * i;       // 100/s
    v.deliveries_out = 1000u * i;   // 1000/s
    ring.add(t0 + std::chrono::seconds(i), v);
  }
  auto r = ring.recent(5s);
  CAF_CHECK_EQUAL(r.messages_in, 100.0);
  CAF_CHECK_EQUAL(r.deliveries_out, 1000.0);
  CAF_CHECK_EQUAL(ring.size(), 9u);
  for (int i = 9; i < 20; ++i)
    ring.add(t0 + std::chrono::seconds(i), v);
  CAF_CHECK_EQUAL(ring.size(), 10u);
  CAF_CHECK_EQUAL(ring.recent(5s).messages_in, 0.0); // nothing new in the last 5 s
}

CAF_TEST(the Prometheus text carries the summed totals and rooms by kind) {
  admin::metrics_inputs in;
  in.totals.messages_in = 12;
  in.totals.bytes_in = 345;
  in.connections = 2;
  in.registry_describe = R"({"kind":"registry","roomsByKind":{"conference":3}})";
  in.persistence_describe = R"({"commits":9,"writes":20,"avg_batch":2.22,"pending":0})";
  auto text = admin::render_metrics(in);
  auto has = [&](const char* line) { return text.find(line) != std::string::npos; };
  CAF_CHECK(has("# TYPE roomcast_messages_in_total counter\nroomcast_messages_in_total 12\n"));
  CAF_CHECK(has("roomcast_received_bytes_total 345\n"));
  CAF_CHECK(has("roomcast_connections_open 2\n"));
  CAF_CHECK(has("roomcast_actors{kind=\"conference\"} 3\n"));
  CAF_CHECK(has("roomcast_persistence_commits_total 9\n"));
  CAF_CHECK(has("roomcast_persistence_batch_size_average 2.22\n"));
}
