#pragma once
// The actors module's table of message types: every atom and struct that
// crosses an actor boundary, in one place.

#include <caf/atom.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

#include "wire/client_link.hpp"
#include "actors/signaling_snapshot.hpp"
#include "dialects/conference_codec.hpp"
#include "dialects/signaling_codec.hpp"
#include "dialects/shop_codec.hpp"
#include "dialects/chatrooms_codec.hpp"

namespace caf {
class actor_system_config;
}

namespace roomcast {

using describe_atom = caf::atom_constant<caf::atom("describe")>;
using room_atom = caf::atom_constant<caf::atom("room")>;
using enter_atom = caf::atom_constant<caf::atom("enter")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using disconnect_atom = caf::atom_constant<caf::atom("disconnect")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using stopped_atom = caf::atom_constant<caf::atom("stopped")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using find_atom = caf::atom_constant<caf::atom("find")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
/// (notice, text) -> bool: an operator's server notice, in the dialect's own
/// chat shape; kinds without one do not handle it.
using notice_atom = caf::atom_constant<caf::atom("notice")>;
/// Signaling: apply meeting settings to a room (POST /api/rooms).
using configure_atom = caf::atom_constant<caf::atom("sgconfig")>;
/// Signaling: the room's public info (GET /api/rooms/:roomId); fails once closed.
using info_atom = caf::atom_constant<caf::atom("sginfo")>;

/// Why the registry could not answer with a room.
enum class registry_error : std::uint8_t {
  none,
  no_such_kind,  ///< no dialect registered this kind
  no_such_room,  ///< neither live nor stored (find only)
  shutting_down, ///< the node is draining: no room starts now
};

std::string to_string(registry_error x);
caf::error make_error(registry_error x);
template <class... Ts>
caf::error make_error(registry_error x, Ts&&... context) {
  return caf::error{static_cast<std::uint8_t>(x), caf::atom("registry"),
                    caf::make_message(std::forward<Ts>(context)...)};
}
/// True when `err` is `x` from the registry.
bool is(const caf::error& err, registry_error x);

/// A connection asks a room to admit it. The link is the room's fast path to
/// the client's socket (local only); identity claims are checked by the room.
struct join_request {
  std::string peer_id; ///< requested; empty: the room picks one
  std::string username;
  std::string token; ///< resumeToken from an earlier `peers`
  std::string role;  ///< from a verified token: "admin" or "moderator" act as host
  client_link_ptr link;
};

/// The room's answer: the admitted peerId, or an error from the catalogue.
struct join_reply {
  conference_error code = conference_error::none;
  std::string message;
  std::string peer_id;
  std::string reason; ///< machine-readable detail of a refusal (e.g. "removed")

  friend bool operator==(const join_reply&, const join_reply&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("join_reply"), x.code, x.message, x.peer_id, x.reason);
}

/// A connection asks a signaling room to admit it under `peer_id` (the
/// contract lets clients choose it; the room refuses one already present).
struct signaling_join {
  std::string peer_id;
  std::string display_name;
  media_state media;
  client_link_ptr link;
};

/// The signaling room's answer to a join: none, or an error of the catalogue.
struct signaling_join_reply {
  signaling_error code = signaling_error::none;
  std::string message;

  friend bool operator==(const signaling_join_reply&, const signaling_join_reply&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signaling_join_reply& x) {
  return f(caf::meta::type_name("signaling_join_reply"), x.code, x.message);
}

// -- shop dialect ---------------------------------------------------------------
using control_atom = caf::atom_constant<caf::atom("control")>; ///< (control, shop_command) -> shop_reply
using state_atom = caf::atom_constant<caf::atom("state")>;     ///< -> std::string (public state JSON)
using summary_atom = caf::atom_constant<caf::atom("summary")>; ///< -> std::string (conversation summary)
using messages_atom = caf::atom_constant<caf::atom("messages")>; ///< (messages, page, limit) -> shop_reply
using frame_atom = caf::atom_constant<caf::atom("frame")>;     ///< (frame, wire_frame_ptr): deliver to members

/// A registered shop connection entering the stream, its support
/// conversation or the admin group. Identity is what the connection verified.
struct shop_member {
  client_link_ptr link;
  bool admin = false;
  std::string identity; ///< likes key: the token's userId, else the registered sessionId
  std::string name;     ///< display name from a verified token (empty: none)
  std::string session_id;
};

/// An answer to an admin action or a REST query: an error or a JSON body.
struct shop_reply {
  shop_error code = shop_error::none;
  std::string body; ///< JSON on success; the error text otherwise

  friend bool operator==(const shop_reply&, const shop_reply&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shop_reply& x) {
  return f(caf::meta::type_name("shop_reply"), x.code, x.body);
}

// -- chatrooms (actors/chat_room, chat_lobby, chat_connection) ----------------
using presence_atom = caf::atom_constant<caf::atom("presence")>; ///< a user's offline grace period ended
using typing_atom = caf::atom_constant<caf::atom("typing")>;     ///< a typing indicator expires
using history_atom = caf::atom_constant<caf::atom("history")>;   ///< a page of a room's messages
using ping_atom = caf::atom_constant<caf::atom("ping")>;         ///< a connection's periodic `ping` event

/// A chat connection as a room or the lobby sees it. The
/// link is a process-local pointer: these never leave the node.
struct chat_member {
  std::string user_id;
  std::string username;
  client_link_ptr link;
};

/// Registers this module's types (needed once messages cross nodes).
void add_actor_message_types(caf::actor_system_config& cfg);

} // namespace roomcast

// The link is a process-local pointer: join requests never leave the node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(roomcast::join_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(roomcast::signaling_join)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(roomcast::shop_member)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(roomcast::wire_frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(roomcast::chat_member)
