#include "app/settings_reload.hpp"

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/settings_diff.hpp"

namespace roomcast {

void apply_log_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::cfg::load_env_levels(); // SPDLOG_LEVEL=debug
}

settings_reload::settings_reload(settings running, int argc, char** argv)
  : running_(std::move(running)), argc_(argc), argv_(argv) {}

void settings_reload::on_reload(hook h) {
  hooks_.push_back(std::move(h));
}

void settings_reload::on_signal(std::function<void()> h) {
  signal_hooks_.push_back(std::move(h));
}

void settings_reload::run() {
  for (auto& h : signal_hooks_)
    h();
  auto loaded = load_settings(argc_, argv_);
  if (!loaded.value) {
    spdlog::error("SIGHUP: settings not reloaded, the running ones stay: {}", loaded.message);
    return;
  }
  auto changes = diff_settings(running_, *loaded.value);
  if (changes.empty()) {
    spdlog::info("SIGHUP: settings reloaded, nothing changed");
    return;
  }
  auto before_level = spdlog::level::from_str(running_.log_level);
  running_ = take_live(std::move(running_), *loaded.value);
  // The changes show under the more verbose of the old and the new level.
  spdlog::set_level(std::min(before_level, spdlog::level::from_str(running_.log_level)));
  std::size_t live = 0;
  for (auto& c : changes) {
    live += c.live ? 1 : 0;
    if (c.before == c.after) // a secret: that it changed is all the log says
      spdlog::info("setting {} changed (value hidden): {}", c.key, c.live ? "applied" : "needs a restart");
    else if (c.live)
      spdlog::info("setting {}: {} → {} (applied)", c.key, c.before, c.after);
    else
      spdlog::warn("setting {}: {} → {} (needs a restart)", c.key, c.before, c.after);
  }
  for (auto& h : hooks_)
    h(running_);
  spdlog::info("SIGHUP: settings reloaded: {} applied, {} need a restart", live, changes.size() - live);
  apply_log_level(running_.log_level);
}

} // namespace roomcast
