#pragma once
// Client-facing errors counted by dialect and code, for /metrics. Errors are
// rare next to messages, so one mutex is enough; the keys come from each
// dialect's fixed catalogue, and are capped all the same.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roomcast {

/// Counts one error sent to a client. Thread-safe.
void tally_client_error(std::string_view dialect, std::string_view code);

/// {dialect, code} -> errors sent since start, sorted.
std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>> client_error_counts();

} // namespace roomcast
