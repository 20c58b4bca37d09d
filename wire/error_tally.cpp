#include "wire/error_tally.hpp"

#include <map>
#include <mutex>

namespace roomcast {

namespace {

constexpr std::size_t max_keys = 512; ///< beyond it, new codes count as "other"

std::mutex mu;
std::map<std::pair<std::string, std::string>, std::uint64_t, std::less<>> counts;

} // namespace

void tally_client_error(std::string_view dialect, std::string_view code) {
  std::pair<std::string, std::string> key{std::string{dialect}, std::string{code}};
  std::lock_guard lk(mu);
  if (auto i = counts.find(key); i != counts.end()) {
    ++i->second;
    return;
  }
  if (counts.size() >= max_keys)
    key.second = "other";
  ++counts[std::move(key)];
}

std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>> client_error_counts() {
  std::lock_guard lk(mu);
  return {counts.begin(), counts.end()};
}

} // namespace roomcast
