#pragma once
// What every session of one server shares.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/settings.hpp"
#include "gateway/connection_table.hpp"
#include "gateway/router.hpp"
#include "gateway/transport_session.hpp"

namespace roomcast {

struct gateway_context {
  gateway_context(settings c, std::shared_ptr<const router> r)
    : cfg(std::move(c)),
      routes(std::move(r)),
      max_connections(cfg.max_connections),
      max_connections_per_ip(cfg.max_connections_per_ip),
      max_pending_http(cfg.max_pending_http) {}

  settings cfg;
  std::shared_ptr<const router> routes; ///< fixed before the first accept
  std::atomic<std::size_t> open_sessions{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<bool> draining{false}; ///< shutting down: refuse new upgrades

  /// Connection limits (cfg.max_connections*, max_pending_http), counted by
  /// connection_slot: a slot is taken at accept and given back when the
  /// session holding it, HTTP or WebSocket, lets it go. The limits are read
  /// here, not from cfg, because a reload changes them while accepting.
  std::atomic<std::size_t> max_connections;
  std::atomic<std::size_t> max_connections_per_ip;
  std::atomic<std::size_t> max_pending_http;
  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::size_t> pending_http{0}; ///< sockets still in http_session
  std::mutex per_ip_mu;
  std::unordered_map<std::string, std::size_t> per_ip; ///< remote address -> open connections
  /// Refusals since the last warning, and when that was (steady clock, ns):
  /// refusals are logged at most once a second.
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::int64_t> last_refusal_log{0};

  /// Live sessions of every transport, so a drain can reach each one. Lock
  /// only to copy out.
  std::mutex sessions_mu;
  std::unordered_map<const transport_session*, std::weak_ptr<transport_session>> sessions;

  /// Open client connections with what an operator sees of them (ids,
  /// addresses, paths); shared with the admin console. Never null.
  std::shared_ptr<connection_table> connections = std::make_shared<connection_table>();
};

} // namespace roomcast
