#include "actors/message_types.hpp"

#include <caf/actor_system_config.hpp>

namespace roomcast {

std::string to_string(registry_error x) {
  static constexpr const char* names[] = {"none", "no_such_kind", "no_such_room", "shutting_down"};
  auto i = static_cast<std::size_t>(x);
  return i < 4 ? names[i] : "unknown";
}

caf::error make_error(registry_error x) {
  return caf::error{static_cast<std::uint8_t>(x), caf::atom("registry")};
}

bool is(const caf::error& err, registry_error x) {
  return err.category() == caf::atom("registry") && err.code() == static_cast<std::uint8_t>(x);
}

void add_actor_message_types(caf::actor_system_config& cfg) {
  cfg.add_error_category(caf::atom("registry"), [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
    auto out = "registry_error(" + to_string(static_cast<registry_error>(code));
    if (!ctx.empty())
      out += ", " + caf::to_string(ctx);
    return out + ")";
  });
  cfg.add_message_type<conference_command>("roomcast.conference_command");
  cfg.add_message_type<join_reply>("roomcast.join_reply");
  cfg.add_message_type<signaling_command>("roomcast.signaling_command");
  cfg.add_message_type<signaling_join_reply>("roomcast.signaling_join_reply");
  cfg.add_message_type<signaling_settings>("roomcast.signaling_settings");
  cfg.add_message_type<shop_command>("roomcast.shop_command");
  cfg.add_message_type<shop_reply>("roomcast.shop_reply");
  cfg.add_message_type<chat_command>("roomcast.chat_command");
}

} // namespace roomcast
