#include "actors/chat_connection.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/chat_lobby.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

using conn_actor = caf::stateful_actor<chat_connection_state>;

constexpr const char* room_kind_name = "chatroom";
constexpr auto ask_timeout = std::chrono::seconds(10);
constexpr int attempts = 3;

chat_member me(conn_actor* self) {
  auto& st = self->state;
  return chat_member{st.user.user_id, st.user.username, st.link};
}

void answer(conn_actor* self, const chat_command& cmd, std::string_view event, const std::string& body) {
  auto& st = self->state;
  if (cmd.has_ack)
    st.link->send(render_ack(st.cfg.nsp, cmd.ack_id, body));
  st.link->send(render_event(st.cfg.nsp, event, body));
}

void fail(conn_actor* self, const chat_command& cmd, chat_error code, std::string_view message = {}) {
  answer(self, cmd, "error", error_body(code, message, chat_now_ms()));
}

/// Takes `cmd` from the user's budget (shared by its connections, no
/// message involved); a refused event is answered 429 and counted there.
bool within_budget(conn_actor* self, const chat_command& cmd) {
  auto& st = self->state;
  if (!st.budget) {
    fail(self, cmd, chat_error::unavailable);
    return false;
  }
  if (st.budget->allow(cmd.op, self->clock().now()))
    return true;
  std::string why = "Rate limit exceeded for ";
  why += op_name(cmd.op);
  why += "; try again later";
  fail(self, cmd, chat_error::rate_limited, why);
  return false;
}

/// Finds the room through the registry and enters it.
std::string describe(conn_actor* self);

void try_join(conn_actor* self, chat_command cmd, int attempts_left) {
  auto& st = self->state;
  auto retry_or_fail = [self, cmd, attempts_left](const caf::error& err) {
    if (attempts_left > 1)
      return try_join(self, cmd, attempts_left - 1);
    spdlog::warn("chat room {}: join failed: {}", cmd.room_id, self->system().render(err));
    fail(self, cmd, chat_error::unavailable);
  };
  self->request(st.registry, ask_timeout, room_atom::value, std::string{room_kind_name}, cmd.room_id)
    .await(
      [self, cmd, retry_or_fail](caf::actor room) {
        self->request(room, ask_timeout, enter_atom::value, me(self), cmd)
          .await(
            [self, cmd, room](bool joined) {
              if (joined) {
                self->state.rooms.add(self, room_kind_name, cmd.room_id, room);
                self->state.link->annotate(describe(self));
              }
            },
            retry_or_fail);
      },
      retry_or_fail);
}

void handle(conn_actor* self, chat_command& cmd) {
  auto& st = self->state;
  if (cmd.op == chat_op::heartbeat)
    return answer(self, cmd, reply_name(cmd.op), reply_body(cmd.op, {}, chat_now_ms()));
  auto* joined = st.rooms.find(room_kind_name, cmd.room_id);
  if (cmd.op == chat_op::join_room) {
    if (!joined && st.rooms.all().size() >= st.cfg.max_rooms)
      return fail(self, cmd, chat_error::too_many_rooms,
                  "A connection may be in at most " + std::to_string(st.cfg.max_rooms) + " rooms");
    if (within_budget(self, cmd))
      try_join(self, std::move(cmd), attempts);
    return;
  }
  if (!joined)
    return fail(self, cmd, chat_error::not_in_room, "You have not joined room " + cmd.room_id);
  auto room = joined->room;
  switch (cmd.op) {
    case chat_op::leave_room:
      self->send(room, cmd);
      st.rooms.remove(self, room.address());
      st.link->annotate(describe(self));
      break;
    case chat_op::send_message:
    case chat_op::typing:
      if (within_budget(self, cmd))
        self->send(room, std::move(cmd));
      break;
    default: self->send(room, std::move(cmd)); break;
  }
}

std::string describe(conn_actor* self) {
  auto& st = self->state;
  json_writer w;
  w.str("kind", "chat_connection").str("id", std::to_string(self->id())).str("dialect", "chatrooms");
  w.str("userId", st.user.user_id).str("username", st.user.username);
  w.array("rooms");
  for (auto& e : st.rooms.all())
    w.element_str(e.id);
  w.end_array().unum("backlog", st.link->backlog());
  auto out = w.done();
  out.shrink_to_fit(); // the transport keeps it for operators while the client idles
  return out;
}

} // namespace

caf::behavior chat_connection(conn_actor* self, client_link_ptr link, chat_user_ref user, caf::actor registry,
                              chat_connection_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.link = std::move(link);
  st.user = std::move(user);
  st.registry = std::move(registry);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.rooms.remove(self, dm.source); // the room stopped under us: the client may join again
  });
  // The lobby first (presence, the user's budget): commands wait until it answered.
  auto no_lobby = [self](caf::error& err) {
    spdlog::warn("chat connection: no lobby: {}", self->system().render(err));
  };
  self->request(st.registry, ask_timeout, room_atom::value, std::string{"chatlobby"}, st.cfg.lobby_id)
    .await(
      [self, no_lobby](caf::actor lobby) {
        self->state.lobby = lobby;
        self->request(lobby, ask_timeout, enter_atom::value, me(self))
          .await([self](chat_budget_ptr& budget) { self->state.budget = std::move(budget); }, no_lobby);
      },
      no_lobby);
  if (st.cfg.heartbeat)
    self->delayed_send(self, st.cfg.heartbeat_interval, ping_atom::value);
  return {
    [self](chat_command& cmd) { handle(self, cmd); },
    [self](ping_atom) {
      auto& st = self->state;
      st.link->send(render_event(st.cfg.nsp, "ping", ping_body(chat_now_ms())));
      self->delayed_send(self, st.cfg.heartbeat_interval, ping_atom::value);
    },
    [self](disconnect_atom) {
      auto& st = self->state;
      st.rooms.leave_all(self);
      if (st.lobby)
        self->send(st.lobby, leave_atom::value);
      self->quit();
    },
    [self](describe_atom) { return describe(self); },
  };
}

} // namespace roomcast
