#include "actors/chat_lobby.hpp"

#include <caf/all.hpp>

#include <set>

#include "wire/json_writer.hpp"

namespace roomcast {

chat_budget_ptr chat_lobby_state::enter(chat_member& m) {
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  if (!conn)
    return nullptr;
  auto [u, first] = users.try_emplace(m.user_id);
  auto& user = u->second;
  if (first)
    user.budget = std::make_shared<chat_budget>(cfg.limits);
  if (!m.username.empty())
    user.username = m.username;
  if (!conns.count(conn.address())) {
    self->monitor(conn);
    ++user.conns;
    ++total_connections;
    ++user.generation; // a pending userOffline is off: the user is back in time
    if (first)
      announce(true, m.user_id, user.username);
    conns.emplace(conn.address(), std::move(m));
  }
  return user.budget;
}

void chat_lobby_state::remove(const caf::actor_addr& conn) {
  auto i = conns.find(conn);
  if (i == conns.end())
    return;
  auto user_id = std::move(i->second.user_id);
  conns.erase(i);
  ++total_disconnections;
  auto u = users.find(user_id);
  if (u == users.end() || --u->second.conns > 0)
    return;
  self->delayed_send(self, cfg.presence_grace, presence_atom::value, user_id, ++u->second.generation);
}

void chat_lobby_state::on_grace_over(const std::string& user_id, std::uint64_t generation) {
  auto u = users.find(user_id);
  if (u == users.end() || u->second.conns > 0 || u->second.generation != generation)
    return; // back in time
  retired_messages += u->second.budget->messages();
  retired_violations += u->second.budget->violations();
  auto username = std::move(u->second.username);
  users.erase(u);
  announce(false, user_id, username);
}

void chat_lobby_state::announce(bool online, const std::string& user_id, const std::string& username) {
  if (!cfg.broadcast_presence)
    return;
  auto frame = render_event(cfg.nsp, online ? "userOnline" : "userOffline",
                            user_body(chat_user_ref{user_id, username}, {}, chat_now_ms()));
  // Everyone else: the user's own tabs know it is online.
  for (auto& [addr, m] : conns)
    if (m.user_id != user_id)
      m.link->send(frame);
}

std::string chat_lobby_state::describe() const {
  std::set<std::string> connected;
  for (auto& [addr, m] : conns)
    connected.insert(m.user_id);
  std::uint64_t messages = retired_messages, violations = retired_violations;
  for (auto& [uid, u] : users) {
    messages += u.budget->messages();
    violations += u.budget->violations();
  }
  json_writer w;
  w.str("kind", "chatlobby").str("id", id).str("namespace", cfg.nsp);
  w.unum("connections", conns.size()).unum("connectedUsers", connected.size()).unum("onlineUsers", users.size());
  w.unum("totalConnections", total_connections).unum("totalDisconnections", total_disconnections);
  w.unum("messages", messages).unum("violations", violations);
  w.unum("retiredMessages", retired_messages).unum("retiredViolations", retired_violations);
  return w.done();
}

caf::behavior chat_lobby(caf::stateful_actor<chat_lobby_state>* self, std::string id, chat_lobby_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.id = std::move(id);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.remove(dm.source); });
  return {
    [self](enter_atom, chat_member& m) { return self->state.enter(m); },
    [self](leave_atom) {
      auto conn = caf::actor_cast<caf::actor>(self->current_sender());
      if (conn)
        self->demonitor(conn);
      self->state.remove(caf::actor_cast<caf::actor_addr>(self->current_sender()));
    },
    [self](presence_atom, const std::string& user_id, std::uint64_t generation) {
      self->state.on_grace_over(user_id, generation);
    },
    [self](shutdown_atom) {
      self->quit();
      return stopped_atom::value;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
