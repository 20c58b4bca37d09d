#include "actors/signaling_connection.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/message_types.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

using conn_actor = caf::stateful_actor<signaling_connection_state>;

constexpr const char* room_kind_name = "signaling";
constexpr auto lookup_timeout = std::chrono::seconds(10);
constexpr int join_attempts = 3;

void send_error(conn_actor* self, signaling_error code, std::string_view message = {}) {
  self->state.link->send(render_signaling_error(code, message));
}

caf::behavior lobby(conn_actor* self);
caf::behavior joined(conn_actor* self);

std::string describe(conn_actor* self, std::string_view phase) {
  auto& st = self->state;
  json_writer w;
  w.str("kind", "signaling_connection").str("id", std::to_string(self->id())).str("dialect", "signaling");
  w.str("state", phase).str("roomId", st.room_id).str("peerId", st.peer_id);
  w.unum("backlog", st.link->backlog());
  return w.done();
}

/// Finds (or, with auto_create_rooms, creates) the room through the
/// registry and asks it to admit us. A room that stopped in between
/// (passivation) makes the registry start a fresh one: try again.
void try_join(conn_actor* self, signaling_command cmd, int attempts_left) {
  auto& st = self->state;
  auto retry_or_fail = [self, cmd, attempts_left](const caf::error& err) {
    if (is(err, registry_error::no_such_room))
      return send_error(self, signaling_error::room_not_found);
    if (attempts_left > 1)
      return try_join(self, cmd, attempts_left - 1);
    spdlog::warn("signaling room {}: join failed: {}", cmd.room_id, self->system().render(err));
    send_error(self, signaling_error::unavailable);
  };
  auto lookup = st.cfg.auto_create_rooms
                  ? self->request(st.registry, lookup_timeout, room_atom::value, std::string{room_kind_name}, cmd.room_id)
                  : self->request(st.registry, lookup_timeout, find_atom::value, std::string{room_kind_name}, cmd.room_id);
  lookup.await(
    [self, cmd, retry_or_fail](caf::actor room) {
      signaling_join req{cmd.peer_id, cmd.display_name, cmd.media, self->state.link};
      self->request(room, lookup_timeout, enter_atom::value, std::move(req))
        .await(
          [self, room, cmd](signaling_join_reply& reply) {
            if (reply.code != signaling_error::none)
              return send_error(self, reply.code, reply.message);
            auto& st = self->state;
            st.rooms.add(self, room_kind_name, cmd.room_id, room);
            st.room_id = cmd.room_id;
            st.peer_id = cmd.peer_id;
            self->become(joined(self));
            st.link->annotate(describe(self, "joined"));
          },
          retry_or_fail);
    },
    retry_or_fail);
}

/// Leaves the current room (if any) and goes back to the lobby.
void leave_room(conn_actor* self) {
  auto& st = self->state;
  st.rooms.leave_all(self);
  st.room_id.clear();
  st.peer_id.clear();
  self->become(lobby(self));
  st.link->annotate(describe(self, "lobby"));
}

caf::behavior lobby(conn_actor* self) {
  return {
    [self](signaling_command& cmd) {
      if (cmd.op == signaling_op::join_room)
        try_join(self, std::move(cmd), join_attempts);
      else
        send_error(self, signaling_error::not_in_room);
      self->state.link->command_done();
    },
    [self](disconnect_atom) { self->quit(); },
    [self](describe_atom) { return describe(self, "lobby"); },
  };
}

caf::behavior joined(conn_actor* self) {
  return {
    // Taken by mutable reference: the command moves on to the room uncopied.
    [self](signaling_command& cmd) {
      auto& st = self->state;
      if (cmd.op == signaling_op::join_room) {
        // One room per connection: the old one is left first.
        leave_room(self);
        try_join(self, std::move(cmd), join_attempts);
      } else if (!cmd.room_id.empty() && cmd.room_id != st.room_id) {
        send_error(self, signaling_error::not_in_room, "Not in room '" + cmd.room_id + "'");
      } else if (cmd.op == signaling_op::leave_room) {
        leave_room(self);
      } else {
        self->send(st.rooms.all().front().room, std::move(cmd));
      }
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

caf::behavior signaling_connection(conn_actor* self, client_link_ptr link, caf::actor registry,
                                   signaling_connection_config cfg) {
  auto& st = self->state;
  st.link = std::move(link);
  st.registry = std::move(registry);
  st.cfg = cfg;
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.rooms.remove(self, dm.source))
      return;
    // The room stopped under us: closed (DELETE, its peers were told and
    // closed) or failed. Either way this connection is in no room now.
    st.room_id.clear();
    st.peer_id.clear();
    self->become(lobby(self));
  });
  return lobby(self);
}

} // namespace roomcast
