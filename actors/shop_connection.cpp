#include "actors/shop_connection.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

using conn_actor = caf::stateful_actor<shop_connection_state>;

constexpr auto lookup_timeout = std::chrono::seconds(10);

void send_error(conn_actor* self, shop_error code, std::string_view message = {}) {
  self->state.link->send(render_shop_error(code, message));
}

caf::behavior customer(conn_actor* self);
caf::behavior admin(conn_actor* self);

std::string describe(conn_actor* self, std::string_view phase) {
  auto& st = self->state;
  json_writer w;
  w.str("kind", "shop_connection").str("id", std::to_string(self->id())).str("dialect", "shop");
  w.str("state", phase).str("sessionId", st.me.session_id).str("identity", st.me.identity);
  w.unum("backlog", st.link->backlog());
  return w.done();
}

/// Finds (or starts) the stream and the second actor, then enters both;
/// `await` keeps later commands until this connection is registered.
void enter(conn_actor* self, const std::string& second_kind, const std::string& second_id, wire_frame_ptr confirm,
           bool as_admin) {
  auto fail = [self](const caf::error& err) {
    spdlog::warn("shop connection: register failed: {}", self->system().render(err));
    send_error(self, shop_error::unavailable);
  };
  auto& reg = self->state.registry;
  self->request(reg, lookup_timeout, room_atom::value, shop_kinds::stream, shop_kinds::default_id)
    .await(
      [=](caf::actor stream) {
        self->request(self->state.registry, lookup_timeout, room_atom::value, second_kind, second_id)
          .await(
            [=](caf::actor second) {
              auto& st = self->state;
              st.stream = stream;
              st.second = second;
              st.rooms.add(self, shop_kinds::stream, shop_kinds::default_id, stream);
              st.rooms.add(self, second_kind, second_id, second);
              st.link->send(confirm); // the confirmation before any state the actors send
              self->send(stream, enter_atom::value, st.me);
              self->send(second, enter_atom::value, st.me);
              self->become(as_admin ? admin(self) : customer(self));
              st.link->annotate(describe(self, as_admin ? "admin" : "customer"));
            },
            fail);
      },
      fail);
}

caf::behavior unregistered(conn_actor* self) {
  return {
    [self](shop_command& cmd) {
      auto& st = self->state;
      switch (cmd.op) {
        case shop_op::ping: st.link->send(render_pong()); break;
        case shop_op::register_customer:
          st.me.link = st.link;
          st.me.admin = false;
          st.me.session_id = cmd.session_id;
          // Likes count once per person: the token's user, else the session.
          st.me.identity = cmd.auth_subject.empty() ? cmd.session_id : cmd.auth_subject;
          st.me.name = cmd.auth_name;
          enter(self, shop_kinds::support, cmd.session_id, render_registered(cmd.session_id), false);
          break;
        case shop_op::register_admin:
          if (!cmd.auth_admin) { // the endpoint admits only verified admins; never trust otherwise
            send_error(self, shop_error::auth_failed);
            break;
          }
          st.me.link = st.link;
          st.me.admin = true;
          st.me.identity = cmd.auth_subject;
          st.me.name = cmd.auth_name;
          enter(self, shop_kinds::admins, shop_kinds::default_id, render_admin_registered(cmd.auth_subject), true);
          break;
        default: send_error(self, shop_error::not_registered);
      }
      st.link->command_done();
    },
    [self](disconnect_atom) { self->quit(); },
    [self](describe_atom) { return describe(self, "unregistered"); },
  };
}

/// What a registered connection of either kind does the same way; false
/// when `cmd` is not one of those.
bool common(conn_actor* self, shop_command& cmd) {
  auto& st = self->state;
  switch (cmd.op) {
    case shop_op::ping: st.link->send(render_pong()); return true;
    case shop_op::register_customer:
    case shop_op::register_admin: send_error(self, shop_error::already_registered); return true;
    case shop_op::toggle_like:
    case shop_op::chat_message:
    case shop_op::webrtc_register:
    case shop_op::webrtc_offer:
    case shop_op::webrtc_answer:
    case shop_op::webrtc_ice_candidate:
    case shop_op::webrtc_broadcast_start:
    case shop_op::webrtc_broadcast_stop: self->send(st.stream, std::move(cmd)); return true;
    default: return false;
  }
}

caf::behavior customer(conn_actor* self) {
  return {
    [self](shop_command& cmd) {
      auto& st = self->state;
      if (!common(self, cmd)) {
        if (cmd.op == shop_op::customer_message)
          self->send(st.second, std::move(cmd));
        else
          send_error(self, shop_error::admin_only);
      }
      st.link->command_done();
    },
    [self](disconnect_atom) {
      self->state.rooms.leave_all(self);
      self->quit();
    },
    [self](describe_atom) { return describe(self, "customer"); },
  };
}

/// staff_message: to the customer's conversation if it exists (live or stored).
void staff_message(conn_actor* self, shop_command cmd) {
  cmd.auth_name = self->state.me.name;
  self->request(self->state.registry, lookup_timeout, find_atom::value, shop_kinds::support, cmd.session_id)
    .then(
      [self, cmd](caf::actor conversation) {
        self->request(conversation, lookup_timeout, control_atom::value, cmd)
          .then(
            [self](shop_reply& r) {
              if (r.code != shop_error::none)
                send_error(self, r.code, r.body);
            },
            [self](caf::error&) { send_error(self, shop_error::unavailable); });
      },
      [self](caf::error& err) {
        if (is(err, registry_error::no_such_room))
          send_error(self, shop_error::unknown_session);
        else
          send_error(self, shop_error::unavailable);
      });
}

caf::behavior admin(conn_actor* self) {
  return {
    [self](shop_command& cmd) {
      auto& st = self->state;
      if (!common(self, cmd)) {
        switch (cmd.op) {
          case shop_op::stream_start:
          case shop_op::stream_stop:
          case shop_op::pin_products: self->send(st.stream, std::move(cmd)); break;
          case shop_op::staff_message: staff_message(self, std::move(cmd)); break;
          default: send_error(self, shop_error::invalid_payload, "customer_message is for customers");
        }
      }
      st.link->command_done();
    },
    [self](disconnect_atom) {
      self->state.rooms.leave_all(self);
      self->quit();
    },
    [self](describe_atom) { return describe(self, "admin"); },
  };
}

} // namespace

caf::behavior shop_connection(conn_actor* self, client_link_ptr link, caf::actor registry) {
  auto& st = self->state;
  st.link = std::move(link);
  st.registry = std::move(registry);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.rooms.remove(self, dm.source))
      return;
    // An actor this connection is in went away: the client reconnects.
    send_error(self, shop_error::unavailable, "The shop restarted; reconnect");
    st.link->close(1012, "shop restarting");
    st.rooms.leave_all(self);
    self->quit();
  });
  return unregistered(self);
}

} // namespace roomcast
