#pragma once
// SIGHUP: the settings are read again the way they were at start (the
// config file, the environment, then the command-line flags, which still
// win), each change is logged old -> new, and the live ones are applied by
// the hooks the gateway and the dialects registered.

#include <functional>
#include <vector>

#include "config/settings.hpp"

namespace roomcast {

/// Sets spdlog's level from `level` (server.log_level); SPDLOG_LEVEL in the
/// environment still wins.
void apply_log_level(const std::string& level);

class settings_reload {
public:
  using hook = std::function<void(const settings& now)>;

  /// `running`: the settings the node started with; `argc`/`argv`: its
  /// command line, read again at every reload.
  settings_reload(settings running, int argc, char** argv);

  /// Adds what a reload applies (called with the running settings, the
  /// live changes taken over). Register before the first reload.
  void on_reload(hook h);
  /// Adds what every SIGHUP does whatever the settings say, before they are
  /// read: files named by settings that may have changed on disk (TLS).
  void on_signal(std::function<void()> h);

  /// Reads, logs and applies. A file or value that does not load is logged
  /// and changes nothing. Called on main's thread only.
  void run();

  /// The settings in effect: as started, with every live change applied.
  const settings& running() const noexcept { return running_; }

private:
  settings running_;
  int argc_;
  char** argv_;
  std::vector<hook> hooks_;
  std::vector<std::function<void()>> signal_hooks_;
};

} // namespace roomcast
