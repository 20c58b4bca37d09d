#pragma once
// What a dialect brings to the node: its kinds of room (for the registry)
// and its routes (for the gateway). main() installs each dialect with
// these two calls and knows nothing else about it.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <string>
#include <vector>

#include "actors/room_kind.hpp"
#include "config/settings.hpp"
#include "gateway/router.hpp"

namespace roomcast {

/// What every dialect is built from.
struct dialect_env {
  caf::actor_system& sys;
  const settings& cfg;
  caf::actor persistence; ///< invalid: memory only
  std::string token_secret; ///< the node's secret for resume tokens and the like
};

struct dialect {
  std::string name;
  std::vector<room_kind> kinds;
  /// Registers the dialect's HTTP and upgrade routes; `registry` is the
  /// only way to its rooms.
  std::function<void(router& routes, const caf::actor& registry)> mount;
  /// Applies the settings a reload (SIGHUP) may change live, e.g. rate
  /// limits; may be empty. Called from main's thread while clients are served.
  std::function<void(const settings& now)> reload;
};

} // namespace roomcast
