#include "actors/admin_group.hpp"

#include <caf/all.hpp>

#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

class admin_group_link final : public client_link {
public:
  explicit admin_group_link(caf::actor admins) : admins_(std::move(admins)) {}
  bool send(wire_frame_ptr frame) override {
    caf::anon_send(admins_, frame_atom::value, std::move(frame));
    return true;
  }
  void close(std::uint16_t, std::string) override {}
  std::size_t backlog() const override { return 0; }
  void command_done() override {}

private:
  caf::actor admins_;
};

} // namespace

client_link_ptr make_admin_group_link(caf::actor admins) {
  return std::make_shared<admin_group_link>(std::move(admins));
}

caf::behavior admin_group(caf::stateful_actor<admin_group_state>* self, std::string id) {
  self->state.id = std::move(id);
  auto leave = [self](const caf::actor_addr& conn) {
    auto& st = self->state;
    auto i = st.admins.find(conn);
    if (i == st.admins.end())
      return;
    st.links.remove(i->second);
    st.admins.erase(i);
  };
  self->set_down_handler([leave](caf::down_msg& dm) { leave(dm.source); });
  return {
    [self](enter_atom, shop_member& who) {
      auto conn = caf::actor_cast<caf::actor>(self->current_sender());
      if (!conn || self->state.admins.count(conn.address()))
        return;
      self->monitor(conn);
      self->state.links.add(who.link);
      self->state.admins.emplace(conn.address(), who.link);
    },
    [self, leave](leave_atom) {
      auto conn = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (auto c = caf::actor_cast<caf::actor>(conn))
        self->demonitor(c);
      leave(conn);
    },
    [self](frame_atom, const wire_frame_ptr& frame) {
      for (auto& l : *self->state.links.all())
        l->send(frame);
    },
    [self](shutdown_atom) {
      for (auto& l : *self->state.links.all())
        l->close(1001, "server shutting down");
      self->quit();
      return stopped_atom::value;
    },
    [self](describe_atom) {
      json_writer w;
      w.str("kind", "shop_admins").str("id", self->state.id).unum("admins", self->state.admins.size());
      return w.done();
    },
  };
}

} // namespace roomcast
