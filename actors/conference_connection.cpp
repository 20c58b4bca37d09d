#include "actors/conference_connection.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/message_types.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

using conn_actor = caf::stateful_actor<conference_connection_state>;

constexpr const char* room_kind_name = "conference";

constexpr auto lookup_timeout = std::chrono::seconds(10);
constexpr int join_attempts = 3;

void send_error(conn_actor* self, conference_error code, std::string_view message, std::string_view event,
                std::string_view reason = {}) {
  self->state.link->send(render_error(code, message, event, reason));
}

caf::behavior joined(conn_actor* self);

std::string describe(conn_actor* self, std::string_view phase) {
  auto& st = self->state;
  json_writer w;
  w.str("kind", "conference_connection").str("id", std::to_string(self->id())).str("dialect", "conference");
  w.str("state", phase).str("roomId", st.room_id).str("peerId", st.peer_id);
  w.unum("backlog", st.link->backlog());
  return w.done();
}

/// Finds the room through the registry and asks it to admit us. A room that
/// stopped in between (passivation) makes the registry start a fresh one.
void try_join(conn_actor* self, conference_command cmd, int attempts_left) {
  auto& st = self->state;
  auto retry_or_fail = [self, cmd, attempts_left](const caf::error& err) {
    if (attempts_left > 1)
      return try_join(self, cmd, attempts_left - 1);
    spdlog::warn("room {}: join failed: {}", self->state.room_id, self->system().render(err));
    send_error(self, conference_error::unavailable, {}, "join");
  };
  self->request(st.registry, lookup_timeout, room_atom::value, std::string{room_kind_name}, st.room_id)
    .await(
      [self, cmd, retry_or_fail](caf::actor room) {
        join_request req{cmd.peer_id, cmd.username, cmd.token, cmd.role, self->state.link};
        self->request(room, lookup_timeout, enter_atom::value, std::move(req))
          .await(
            [self, room](join_reply& reply) {
              if (reply.code != conference_error::none)
                return send_error(self, reply.code, reply.message, "join", reply.reason);
              self->state.rooms.add(self, room_kind_name, self->state.room_id, room);
              self->state.peer_id = reply.peer_id;
              self->become(joined(self));
              self->state.link->annotate(describe(self, "joined"));
            },
            retry_or_fail);
      },
      retry_or_fail);
}

caf::behavior lobby(conn_actor* self) {
  return {
    [self](const conference_command& cmd) {
      auto& st = self->state;
      if (cmd.op != conference_op::join)
        send_error(self, conference_error::not_joined, {}, event_name(cmd.op));
      else if (!valid_id(st.room_id))
        send_error(self, conference_error::invalid_room, {}, "join");
      else
        try_join(self, cmd, join_attempts);
      st.link->command_done();
    },
    [self](disconnect_atom) { self->quit(); },
    [self](describe_atom) { return describe(self, "lobby"); },
  };
}

caf::behavior joined(conn_actor* self) {
  return {
    // Taken by mutable reference: the command moves on to the room uncopied.
    [self](conference_command& cmd) {
      auto& st = self->state;
      if (cmd.op == conference_op::join)
        send_error(self, conference_error::already_joined, {}, "join");
      else
        self->send(st.rooms.all().front().room, std::move(cmd));
      st.link->command_done();
    },
    [self](disconnect_atom) {
      self->state.rooms.leave_all(self);
      self->quit();
    },
    [self](describe_atom) { return describe(self, "joined"); },
  };
}

} // namespace

caf::behavior conference_connection(conn_actor* self, client_link_ptr link, std::string room_id,
                                    caf::actor registry) {
  auto& st = self->state;
  st.link = std::move(link);
  st.room_id = std::move(room_id);
  st.registry = std::move(registry);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.rooms.remove(self, dm.source))
      return;
    // The room went away under us (it failed): the client reconnects and rejoins.
    send_error(self, conference_error::unavailable, "The room restarted; reconnect", {});
    st.link->close(1012, "room restarting");
    self->quit();
  });
  return lobby(self);
}

} // namespace roomcast
