#pragma once
// One chat room of the chatrooms dialect (protocols/chatrooms.md): owns its
// members (connections, several per user), typing users and history. A
// message is on disk before anyone hears of it (outbox barrier).
//
//   (enter_atom, chat_member, chat_command) -> bool   from a connection: joinRoom
//   (chat_command)                                     leaveRoom, sendMessage, typing, getRoomStats
//   (leave_atom)                                       the connection is gone
//   (history_atom, user_id, page, limit) -> std::string   REST page, newest first
//   (notice_atom, text) -> bool                        an operator's notice: receiveMessage from "Server"
//   (close_atom, code, reason)                         an operator closes it: members get `error` and leave
//   (describe_atom) -> std::string

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/bounded_history.hpp"
#include "actors/durable_lifecycle.hpp"
#include "actors/member_links.hpp"
#include "actors/message_types.hpp"
#include "actors/outbox.hpp"

namespace roomcast {

struct chat_room_config {
  std::string nsp = "/chat";    ///< the namespace frames are rendered for
  std::size_t history_limit = 50; ///< in memory; all messages stay on disk
  std::chrono::milliseconds typing_timeout{5000};
  lifecycle_config life;
};

struct chat_room_member {
  chat_user_ref user;
  caf::actor conn;
  client_link_ptr link;
};

struct chat_typing {
  chat_user_ref user;
  std::uint64_t generation = 0; ///< the expiry timer that still counts
};

struct chat_room_state {
  static inline const char* name = "chat_room";

  caf::stateful_actor<chat_room_state>* self = nullptr;
  std::string room_id;
  chat_room_config cfg;

  std::unordered_map<caf::actor_addr, chat_room_member> members; ///< by connection
  member_links links;
  std::map<std::string, chat_typing> typing; ///< by user id
  std::set<std::string> known_users;          ///< durable: every user who ever joined (may read history)
  std::int64_t created_ms = 0;                ///< durable
  std::int64_t last_activity_ms = 0;
  std::uint64_t messages_processed = 0; ///< since this actor started
  std::uint64_t typing_generation = 0;
  bounded_history history;
  durable_lifecycle life;
  outbox out;
  bool stopping = false;

  // -- one handler per client event ------------------------------------------
  bool join(chat_member& m, const chat_command& cmd);
  void handle(const chat_command& cmd);
  void leave(chat_room_member& m, const chat_command& cmd);
  void send_message(chat_room_member& m, const chat_command& cmd);
  void set_typing(chat_room_member& m, const chat_command& cmd);
  void stats(chat_room_member& m, const chat_command& cmd);
  void notice(const std::string& text);
  void close(const std::string& reason);
  caf::result<std::string> history_page(const std::string& user_id, std::uint32_t page, std::uint32_t limit);

  // -- helpers ------------------------------------------------------------------
  /// The connection left (or died): userLeft when it was the user's last here.
  void remove(const caf::actor_addr& conn);
  void expire_typing(const std::string& user_id, std::uint64_t generation);
  bool user_present(const std::string& user_id) const;
  std::vector<chat_user_ref> users() const;
  std::vector<std::string> typing_ids() const;
  /// Answers `cmd` with `body`: as its ack (if asked) and as the reply event.
  void reply(const client_link_ptr& link, const chat_command& cmd, std::string_view event, const std::string& body,
             std::uint64_t owner = 0);
  void fail(const client_link_ptr& link, const chat_command& cmd, chat_error code, std::string_view message = {});
  void broadcast(const wire_frame_ptr& frame, const client_link* except = nullptr, std::uint64_t owner = 0);
  std::string describe() const;

  // -- durability ------------------------------------------------------------------
  std::string encode() const;
  void on_loaded(persistence::room_record& rec);
};

/// Spawned by the registry (kind "chatroom"); loads its state first.
caf::behavior chat_room(caf::stateful_actor<chat_room_state>* self, std::string room_id, chat_room_config cfg);

} // namespace roomcast
