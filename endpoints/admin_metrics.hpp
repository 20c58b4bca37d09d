#pragma once
// /metrics in the Prometheus text format (prometheus-cpp's registry and
// TextSerializer; its HTTP server is not used). Traffic comes from the
// per-thread lanes summed at scrape time; rooms and persistence from their
// describe documents.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/metrics.hpp"

namespace roomcast::admin {

struct metrics_inputs {
  metrics::totals totals;
  std::size_t connections = 0;
  /// {dialect, transport} -> open connections (admin::connections_by_dialect).
  std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>> by_dialect;
  std::string registry_describe;
  std::string persistence_describe;
  std::uint64_t database_bytes = 0;
  std::uint64_t rss_bytes = 0;
  double cpu_seconds = 0;
};

/// The exposition text.
std::string render_metrics(const metrics_inputs& in);

inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

} // namespace roomcast::admin
