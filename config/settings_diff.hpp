#pragma once
// What a settings reload changed, setting by setting, and which of the
// changes the running node can take without a restart.

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace roomcast {

struct setting_change {
  std::string key;    ///< section.key, as in roomcast.toml
  std::string before; ///< the value as text; "(hidden)" for secrets
  std::string after;
  bool live = false;  ///< applied by a reload; false: needs a restart
};

/// Every setting that differs between `running` and `loaded`, in the order
/// of roomcast.toml.
std::vector<setting_change> diff_settings(const settings& running, const settings& loaded);

/// `running` with the live settings taken from `loaded` (the others stay
/// as the node started with them, until a restart).
settings take_live(settings running, const settings& loaded);

} // namespace roomcast
