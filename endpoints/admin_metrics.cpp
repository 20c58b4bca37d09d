#include "endpoints/admin_metrics.hpp"

#include <boost/json.hpp>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "endpoints/admin_api.hpp"
#include "persistence/persistence_actor.hpp"
#include "wire/error_tally.hpp"

namespace roomcast::admin {

namespace {

double number_field(std::string_view json_text, std::string_view key) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json_text, ec);
  if (ec || !v.is_object())
    return 0;
  auto* f = v.as_object().if_contains(key);
  if (!f)
    return 0;
  if (f->is_uint64())
    return static_cast<double>(f->as_uint64());
  if (f->is_int64())
    return static_cast<double>(f->as_int64());
  if (f->is_double())
    return f->as_double();
  return 0;
}

/// The persistence actor's commit-latency buckets as a Prometheus histogram
/// in seconds (its describe counts per bucket; the histogram accumulates).
void commit_latency(prometheus::Registry& reg, std::string_view describe) {
  boost::system::error_code ec;
  auto v = boost::json::parse(describe, ec);
  if (ec || !v.is_object() || !v.as_object().contains("commit_ms_counts"))
    return;
  auto& counts = v.at("commit_ms_counts").as_array();
  if (counts.size() != persistence::commit_bounds_ms.size() + 1)
    return;
  prometheus::Histogram::BucketBoundaries bounds;
  for (auto ms : persistence::commit_bounds_ms)
    bounds.push_back(ms / 1000.0);
  std::vector<double> increments;
  for (auto& c : counts)
    increments.push_back(c.is_number() ? c.to_number<double>() : 0.0);
  auto& h = prometheus::BuildHistogram()
              .Name("roomcast_persistence_commit_duration_seconds")
              .Help("Time one SQLite COMMIT (with its fsync) took.")
              .Register(reg)
              .Add({}, bounds);
  h.ObserveMultiple(increments, number_field(describe, "commit_ms_sum") / 1000.0);
}

} // namespace

std::string render_metrics(const metrics_inputs& in) {
  // A fresh registry per scrape: every value is read from its source now,
  // so nothing here can drift from it.
  prometheus::Registry reg;
  auto counter = [&](const char* name, const char* help, double value) {
    prometheus::BuildCounter().Name(name).Help(help).Register(reg).Add({}).Increment(value);
  };
  auto gauge = [&](const char* name, const char* help, double value) {
    prometheus::BuildGauge().Name(name).Help(help).Register(reg).Add({}).Set(value);
  };
  auto& t = in.totals;
  counter("roomcast_messages_in_total", "Client messages received (WebSocket text and binary).",
          static_cast<double>(t.messages_in));
  counter("roomcast_deliveries_out_total", "Frames written to clients.", static_cast<double>(t.deliveries_out));
  counter("roomcast_received_bytes_total", "WebSocket bytes read from clients.", static_cast<double>(t.bytes_in));
  counter("roomcast_sent_bytes_total", "WebSocket bytes written to clients.", static_cast<double>(t.bytes_out));
  counter("roomcast_slow_consumer_closes_total", "Clients closed because their send queue overflowed.",
          static_cast<double>(t.slow_consumer_closes));
  counter("roomcast_rate_limit_refusals_total", "Client messages refused by the rate limit.",
          static_cast<double>(t.rate_limit_refusals));
  gauge("roomcast_connections_open", "Open client connections.", static_cast<double>(in.connections));
  auto& eio = prometheus::BuildCounter()
                .Name("roomcast_engineio_sessions_opened_total")
                .Help("Engine.IO (Socket.IO) sessions opened, by the transport they opened on.")
                .Register(reg);
  eio.Add({{"transport", "polling"}}).Increment(static_cast<double>(t.eio_polling_opened));
  eio.Add({{"transport", "websocket"}}).Increment(static_cast<double>(t.eio_websocket_opened));
  counter("roomcast_engineio_upgrades_total", "Engine.IO sessions upgraded from polling to WebSocket.",
          static_cast<double>(t.eio_upgrades));
  counter("roomcast_engineio_polls_total", "Engine.IO long-polling requests answered.",
          static_cast<double>(t.eio_polls));
  counter("roomcast_deflate_frames_compressed_total",
          "Outbound frames compressed with permessage-deflate (once per frame, whatever its recipients).",
          static_cast<double>(t.deflate_compressed));
  counter("roomcast_deflate_frames_sent_total", "Compressed frames written to clients.",
          static_cast<double>(t.deflate_sent));
  counter("roomcast_deflate_messages_inflated_total", "Compressed client messages inflated.",
          static_cast<double>(t.deflate_inflated));

  auto& by_dialect = prometheus::BuildGauge()
                       .Name("roomcast_connections")
                       .Help("Open client connections by dialect and current transport.")
                       .Register(reg);
  for (auto& [key, n] : in.by_dialect)
    by_dialect.Add({{"dialect", key.first}, {"transport", key.second}}).Set(static_cast<double>(n));
  auto& errors = prometheus::BuildCounter()
                   .Name("roomcast_client_errors_total")
                   .Help("Errors sent to clients, by dialect and error code.")
                   .Register(reg);
  for (auto& [key, n] : client_error_counts())
    errors.Add({{"dialect", key.first}, {"code", key.second}}).Increment(static_cast<double>(n));

  auto& rooms = prometheus::BuildGauge().Name("roomcast_actors").Help("Live room actors by kind.").Register(reg);
  for (auto& [kind, n] : actors_by_kind(in.registry_describe))
    rooms.Add({{"kind", kind}}).Set(static_cast<double>(n));

  if (!in.persistence_describe.empty()) {
    auto& p = in.persistence_describe;
    counter("roomcast_persistence_commits_total", "SQLite transactions committed.", number_field(p, "commits"));
    counter("roomcast_persistence_writes_total", "Writes committed to SQLite.", number_field(p, "writes"));
    counter("roomcast_persistence_failed_commits_total", "SQLite transactions that failed.",
            number_field(p, "failed_commits"));
    gauge("roomcast_persistence_batch_size_average", "Average writes per committed transaction.",
          number_field(p, "avg_batch"));
    gauge("roomcast_persistence_batch_size_max", "Largest committed transaction, in writes.",
          number_field(p, "max_batch"));
    gauge("roomcast_persistence_pending_writes", "Writes waiting for the next commit.", number_field(p, "pending"));
    commit_latency(reg, p);
  }
  gauge("roomcast_database_size_bytes", "Size of the SQLite database files.", static_cast<double>(in.database_bytes));
  gauge("roomcast_process_resident_memory_bytes", "Resident set size.", static_cast<double>(in.rss_bytes));
  counter("roomcast_process_cpu_seconds_total", "User and system CPU time.", in.cpu_seconds);
  return prometheus::TextSerializer{}.Serialize(reg.Collect());
}

} // namespace roomcast::admin
