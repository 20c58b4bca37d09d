#pragma once
// Timestamps as the contracts write them.

#include <cstdint>
#include <string>

namespace roomcast {

/// ISO 8601 in UTC with milliseconds ("2024-01-01T00:00:00.000Z"), as
/// JavaScript's Date.toISOString() writes it.
std::string iso_time(std::int64_t unix_ms);

} // namespace roomcast
