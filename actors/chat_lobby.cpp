#include "actors/chat_lobby.hpp"

#include <caf/all.hpp>

#include <set>

#include "wire/json_writer.hpp"

namespace roomcast {

void chat_lobby_state::remove(const caf::actor_addr& conn) {
  auto i = conns.find(conn);
  if (i == conns.end())
    return;
  conns.erase(i);
  ++total_disconnections;
}

std::string chat_lobby_state::describe() const {
  std::set<std::string> users;
  for (auto& [addr, m] : conns)
    users.insert(m.user_id);
  json_writer w;
  w.str("kind", "chatlobby").str("id", id).str("namespace", nsp);
  w.unum("connections", conns.size()).unum("connectedUsers", users.size());
  w.unum("totalConnections", total_connections).unum("totalDisconnections", total_disconnections);
  w.unum("retiredMessages", retired_messages).unum("retiredViolations", retired_violations);
  return w.done();
}

caf::behavior chat_lobby(caf::stateful_actor<chat_lobby_state>* self, std::string id, std::string nsp,
                         bool broadcast_presence) {
  auto& st = self->state;
  st.self = self;
  st.broadcast_presence = broadcast_presence;
  st.id = std::move(id);
  st.nsp = std::move(nsp);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.remove(dm.source); });
  return {
    [self](enter_atom, chat_member& m) {
      auto conn = caf::actor_cast<caf::actor>(self->current_sender());
      if (!conn || self->state.conns.count(conn.address()))
        return;
      self->monitor(conn);
      self->state.conns.emplace(conn.address(), std::move(m));
      ++self->state.total_connections;
    },
    [self](leave_atom) {
      auto conn = caf::actor_cast<caf::actor>(self->current_sender());
      if (conn)
        self->demonitor(conn);
      self->state.remove(caf::actor_cast<caf::actor_addr>(self->current_sender()));
    },
    [self](presence_atom, bool online, const std::string& user_id, const std::string& username) {
      auto& st = self->state;
      if (!st.broadcast_presence)
        return;
      auto frame = render_event(st.nsp, online ? "userOnline" : "userOffline",
                                user_body(chat_user_ref{user_id, username}, {}, chat_now_ms()));
      // Everyone else: the user's own tabs know it is online.
      for (auto& [addr, m] : st.conns)
        if (m.user_id != user_id)
          m.link->send(frame);
    },
    [self](retire_atom, std::uint64_t messages, std::uint64_t violations) {
      self->state.retired_messages += messages;
      self->state.retired_violations += violations;
    },
    [self](shutdown_atom) {
      self->quit();
      return stopped_atom::value;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
