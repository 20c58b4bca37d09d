#pragma once
// What every session of one server shares.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "config/settings.hpp"
#include "gateway/connection_table.hpp"
#include "gateway/router.hpp"
#include "gateway/transport_session.hpp"

namespace roomcast {

struct gateway_context {
  gateway_context(settings c, std::shared_ptr<const router> r) : cfg(std::move(c)), routes(std::move(r)) {}

  settings cfg;
  std::shared_ptr<const router> routes; ///< fixed before the first accept
  std::atomic<std::size_t> open_sessions{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<bool> draining{false}; ///< shutting down: refuse new upgrades

  /// Live sessions of every transport, so a drain can reach each one. Lock
  /// only to copy out.
  std::mutex sessions_mu;
  std::unordered_map<const transport_session*, std::weak_ptr<transport_session>> sessions;

  /// Open client connections with what an operator sees of them (ids,
  /// addresses, paths); shared with the admin console. Never null.
  std::shared_ptr<connection_table> connections = std::make_shared<connection_table>();
};

} // namespace roomcast
