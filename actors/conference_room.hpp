#pragma once
// One video-conference room (protocols/conference.md): owns membership,
// roles, lock, chat and hands; checks permissions; relays signaling.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/bounded_history.hpp"
#include "actors/conference_snapshot.hpp"
#include "actors/durable_lifecycle.hpp"
#include "actors/member_links.hpp"
#include "actors/message_types.hpp"
#include "actors/outbox.hpp"

namespace roomcast {

struct conference_room_config {
  std::size_t capacity = 100;
  std::size_t history_limit = 100;
  /// How long the host role waits for its holder after a restart, or after
  /// the host left the room empty, before another participant may take it.
  std::chrono::milliseconds host_grace{std::chrono::seconds(30)};
  std::string token_secret;
  /// Names and chat are HTML-escaped on output (the contract: "sanitize");
  /// false delivers them raw, for clients that render text as text.
  bool escape_html = true;
  lifecycle_config life; ///< storage, registry, idle and snapshot timing
};

struct conference_member {
  std::string peer_id;
  std::string username;
  caf::actor conn;
  client_link_ptr link;
  std::string role; ///< from a verified token
  std::uint64_t joined_seq = 0;
  bool hand_raised = false;
  bool screen_sharing = false;
};

struct conference_room_state {
  static inline const char* name = "conference_room";

  caf::stateful_actor<conference_room_state>* self = nullptr;
  std::string room_id;
  conference_room_config cfg;

  std::unordered_map<std::string, conference_member> members;
  std::unordered_map<caf::actor_addr, std::string> by_conn;
  member_links links;          ///< every member's link, for broadcasts
  conference_snapshot durable; ///< host, co-hosts, lock, chat flag, hands, bans
  bounded_history history;     ///< chat-message data objects, rendered once
  durable_lifecycle life;
  std::uint64_t join_counter = 0;
  bool host_reserved = false; ///< the absent host's role is held for it
  std::uint64_t host_grace_generation = 0;
  bool stopping = false; ///< shutting down: state is frozen as it was at SIGTERM
  outbox out;
  std::mt19937_64 rng{std::random_device{}()};

  // -- membership -------------------------------------------------------------
  join_reply join(join_request& req);
  void leave(const caf::actor_addr& conn);
  void handle(const conference_command& cmd);

  // -- one handler per wire operation ---------------------------------------
  void relay(conference_member& from, const conference_command& cmd);
  void set_locked(conference_member& from, bool locked);
  void set_chat(conference_member& from, bool enabled);
  void kick(conference_member& from, const std::string& target);
  void raise_hand(conference_member& from, bool raised);
  void reaction(conference_member& from, const std::string& emoji);
  void chat(conference_member& from, const std::string& text);
  /// An operator's notice: a chat-message from "Server", kept in the history.
  void notice(const std::string& text);
  void screen_share(conference_member& from, bool sharing);
  void mute(conference_member& from, const std::string& target);
  void promote(conference_member& from, const std::string& target);
  void load_history(conference_member& from, std::uint64_t before_seq, std::uint32_t limit);

  // -- helpers ----------------------------------------------------------------
  bool is_admin(const conference_member& m) const;
  void fail(const conference_member& m, conference_error code, std::string_view message = {},
            conference_op op = conference_op::join);
  void broadcast(const wire_frame_ptr& frame, const conference_member* except = nullptr);
  void remove_member(const std::string& peer_id);
  void hand_over_host();
  std::string new_peer_id();
  std::string describe() const;

  // -- durability -------------------------------------------------------------
  void on_loaded(persistence::room_record& rec);
  void reserve_host();
};

/// Spawned by the registry; loads its state from persistence first (if any).
caf::behavior conference_room(caf::stateful_actor<conference_room_state>* self, std::string room_id,
                              conference_room_config cfg);

} // namespace roomcast
