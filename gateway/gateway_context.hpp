#pragma once
// What every session of one server shares.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "config/settings.hpp"
#include "gateway/conference_codec.hpp"

namespace roomcast {

class websocket_session;

struct gateway_context {
  gateway_context(caf::actor_system& s, caf::actor r, settings c)
    : sys(s),
      registry(std::move(r)),
      cfg(std::move(c)),
      limits{cfg.max_message_chars, cfg.max_username_chars} {}

  caf::actor_system& sys;
  caf::actor registry;
  settings cfg;
  codec_limits limits;
  std::atomic<std::size_t> open_sessions{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<bool> draining{false}; ///< shutting down: refuse new upgrades

  /// Live sessions, so shutdown can reach each one. Lock only to copy out.
  std::mutex sessions_mu;
  std::unordered_map<const websocket_session*, std::weak_ptr<websocket_session>> sessions;
};

} // namespace roomcast
