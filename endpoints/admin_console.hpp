#pragma once
// What an operator reaches over HTTP: the landing page `/`, the examples
// under `/examples/`, `/metrics`, and the admin console (`/admin`, its API
// under `/admin/api/`, live updates as Server-Sent Events). Installed once
// by main() after every dialect mounted its routes.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

#include "config/settings.hpp"
#include "gateway/connection_table.hpp"
#include "gateway/router.hpp"

namespace roomcast {

struct console_env {
  caf::actor_system& sys;
  const settings& cfg;
  caf::actor registry;
  caf::actor persistence; ///< invalid: memory only
  std::shared_ptr<connection_table> connections; ///< the same table the server fills
};

/// Mounts the routes (the console only when `cfg.admin_on()`, /metrics only
/// when `cfg.metrics_enabled`) and starts the once-a-second sampler, which
/// stops when the registry does. With `operator_routes` (admin.listen: a
/// separate address) the console and /metrics go there instead; the landing
/// page and the examples stay on `routes`.
void mount_console(router& routes, console_env env, router* operator_routes = nullptr);

} // namespace roomcast
