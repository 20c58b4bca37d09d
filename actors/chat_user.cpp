#include "actors/chat_user.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "wire/json_writer.hpp"

namespace roomcast {

// -- the rate limits -------------------------------------------------------------

chat_window_limiter::window* chat_window_limiter::slot(chat_op op, unsigned& limit) {
  switch (op) {
    case chat_op::send_message: limit = limits_.messages; return &windows_[0];
    case chat_op::join_room: limit = limits_.joins; return &windows_[1];
    case chat_op::typing: limit = limits_.typing; return &windows_[2];
    default: return nullptr;
  }
}

bool chat_window_limiter::allow(chat_op op, time_point now) {
  unsigned limit = 0;
  auto* w = slot(op, limit);
  if (!w)
    return true;
  if (!w->open || now >= w->start + limits_.window || now < w->start) {
    w->open = true;
    w->start = now;
    w->used = 0;
  }
  if (w->used >= limit)
    return false;
  ++w->used;
  return true;
}

unsigned chat_window_limiter::remaining(chat_op op, time_point now) const {
  unsigned limit = 0;
  auto* w = const_cast<chat_window_limiter*>(this)->slot(op, limit);
  if (!w)
    return ~0u;
  if (!w->open || now >= w->start + limits_.window || now < w->start)
    return limit;
  return limit - std::min(limit, w->used);
}

// -- the user ------------------------------------------------------------------------

bool chat_user_state::enter(const chat_member& m, caf::actor new_lobby) {
  if (stopping)
    return false;
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  if (!conn)
    return false;
  if (std::find(conns.begin(), conns.end(), conn) == conns.end()) {
    self->monitor(conn);
    conns.push_back(conn);
    ++total_connections;
  }
  if (!m.username.empty())
    username = m.username;
  lobby = std::move(new_lobby);
  ++offline_generation; // a pending userOffline is off: the user is back in time
  if (!online) {
    online = true;
    self->send(lobby, presence_atom::value, true, user_id, username);
  }
  return true;
}

void chat_user_state::remove(const caf::actor_addr& conn) {
  auto i = std::find_if(conns.begin(), conns.end(), [&](auto& c) { return c.address() == conn; });
  if (i == conns.end())
    return;
  self->demonitor(*i);
  conns.erase(i);
  if (conns.empty())
    self->delayed_send(self, cfg.presence_grace, presence_atom::value, ++offline_generation);
}

bool chat_user_state::allow(chat_op op) {
  if (!limiter.allow(op, self->clock().now())) {
    ++violations;
    return false;
  }
  if (op == chat_op::send_message)
    ++messages;
  return true;
}

void chat_user_state::on_grace_over(std::uint64_t generation) {
  if (generation != offline_generation || !conns.empty() || stopping)
    return;
  stopping = true;
  if (online && lobby) {
    self->send(lobby, presence_atom::value, false, user_id, username);
    self->send(lobby, retire_atom::value, messages, violations);
  }
  online = false;
  // Out of the registry first, so the next connection gets a fresh actor.
  auto reg = caf::actor_cast<caf::actor>(cfg.registry);
  if (!reg)
    return self->quit();
  self->request(reg, std::chrono::seconds(5), passivate_atom::value, std::string{"chatuser"}, user_id)
    .await([this](bool) { self->quit(); }, [this](caf::error&) { self->quit(); });
}

std::string chat_user_state::describe() const {
  json_writer w;
  w.str("kind", "chatuser").str("id", user_id).str("username", username);
  w.boolean("online", online).unum("connections", conns.size()).unum("totalConnections", total_connections);
  w.unum("messages", messages).unum("violations", violations);
  auto now = self->clock().now();
  w.object("remaining")
    .unum("messages", limiter.remaining(chat_op::send_message, now))
    .unum("joins", limiter.remaining(chat_op::join_room, now))
    .unum("typing", limiter.remaining(chat_op::typing, now))
    .end_object();
  return w.done();
}

caf::behavior chat_user(caf::stateful_actor<chat_user_state>* self, std::string user_id, chat_user_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.user_id = std::move(user_id);
  st.cfg = std::move(cfg);
  st.limiter = chat_window_limiter{st.cfg.limits};
  self->set_down_handler([self](caf::down_msg& dm) { self->state.remove(dm.source); });
  return {
    [self](enter_atom, const chat_member& m, caf::actor lobby) { return self->state.enter(m, std::move(lobby)); },
    [self](leave_atom) { self->state.remove(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
    [self](allow_atom, std::uint8_t op) { return self->state.allow(static_cast<chat_op>(op)); },
    [self](presence_atom, std::uint64_t generation) { self->state.on_grace_over(generation); },
    [self](shutdown_atom) {
      self->state.stopping = true;
      self->quit();
      return stopped_atom::value;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
