#pragma once
// One WebRTC signaling room (protocols/signaling.md): owns its members,
// relays offers, answers and ICE candidates between them with the sender's
// identity from its connection, tracks media state and the p2p/sfu mode,
// and keeps its meeting settings on disk.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/durable_lifecycle.hpp"
#include "actors/member_links.hpp"
#include "actors/message_types.hpp"
#include "actors/outbox.hpp"
#include "actors/signaling_snapshot.hpp"
#include "dialects/signaling_codec.hpp"

namespace roomcast {

struct signaling_room_config {
  /// Rooms created without maxParticipants (REST or join-room) admit this many.
  std::uint32_t default_max_participants = 10;
  /// More participants than this: the room announces "sfu" mode.
  std::size_t sfu_threshold = 4;
  /// Display names are HTML-escaped on output (safe for innerHTML).
  bool escape_html = true;
  ice_config ice; ///< STUN/TURN handed out in room-joined
  lifecycle_config life;
};

struct signaling_member {
  std::string peer_id;
  std::string display_name;
  media_state media;
  caf::actor conn;
  client_link_ptr link;
  std::uint64_t joined_seq = 0;
};

struct signaling_room_state {
  static inline const char* name = "signaling_room";

  caf::stateful_actor<signaling_room_state>* self = nullptr;
  std::string room_id;
  signaling_room_config cfg;

  std::unordered_map<std::string, signaling_member> members;
  std::unordered_map<caf::actor_addr, std::string> by_conn;
  member_links links;          ///< every member's link, for broadcasts
  signaling_settings durable;  ///< what survives restarts
  bool exists = false;         ///< created (REST or first join) or loaded from disk
  bool closed = false;         ///< deleted: refuses everything while it goes
  bool stopping = false;       ///< node shutdown
  bool sfu = false;            ///< the announced connection mode
  std::uint64_t join_counter = 0;
  outbox out;
  durable_lifecycle life;

  // -- membership -------------------------------------------------------------
  signaling_join_reply join(signaling_join& req);
  void leave(const caf::actor_addr& conn);
  void handle(const signaling_command& cmd);

  // -- one handler per wire operation ---------------------------------------
  void relay(signaling_member& from, const signaling_command& cmd);
  void change_media(signaling_member& from, const media_state& m);

  // -- REST ---------------------------------------------------------------------
  /// POST /api/rooms: the settings of a new room, on disk before the reply.
  caf::result<bool> configure(signaling_settings s);
  /// DELETE: tells and closes every peer, erases the room, stops.
  caf::result<bool> close(std::uint16_t code, const std::string& reason);

  // -- helpers ----------------------------------------------------------------
  std::uint32_t capacity() const;
  void fail(const signaling_member& m, signaling_error code, std::string_view message = {});
  void broadcast(const wire_frame_ptr& frame, const signaling_member* except = nullptr);
  void remove_member(const std::string& peer_id);
  /// Announces connection-mode-changed when the member count crossed the threshold.
  void update_mode();
  /// The room as GET /api/rooms/:roomId shows it, plus `kind` and `id`.
  std::string describe() const;
  void on_loaded(persistence::room_record& rec);
};

/// Spawned by the registry; loads its settings from persistence first (if any).
caf::behavior signaling_room(caf::stateful_actor<signaling_room_state>* self, std::string room_id,
                             signaling_room_config cfg);

} // namespace roomcast
