#pragma once
// The shop's live stream (protocols/shop.md): exactly the contract's
// "In-Memory Stream State" (isActive, streamId, viewerCount, likes, likedBy,
// startTime, title, description, streamUrl, quality) plus pinned products and
// the stream chat, snapshotted so a restarted node keeps a live stream live.
// It also relays the broadcast WebRTC signaling between the connections
// watching it. Every registered shop connection is a member.

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/bounded_history.hpp"
#include "actors/durable_lifecycle.hpp"
#include "actors/member_links.hpp"
#include "actors/message_types.hpp"
#include "actors/outbox.hpp"
#include "actors/shop_stream_snapshot.hpp"

namespace roomcast {

struct shop_stream_config {
  std::size_t history_limit = 50; ///< chat messages a newcomer gets
  bool escape_html = true;        ///< chat text and names HTML-escaped on output
  lifecycle_config life;
};

struct stream_member {
  shop_member who;
  caf::actor conn;
  std::string peer_id; ///< WebRTC peer, once registered
};

struct shop_stream_state {
  static inline const char* name = "shop_stream";

  caf::stateful_actor<shop_stream_state>* self = nullptr;
  std::string id;
  shop_stream_config cfg;
  shop_stream_durable durable;
  std::unordered_set<std::string> liked; ///< durable.liked_by, for lookups

  std::unordered_map<caf::actor_addr, stream_member> members;
  member_links links;          ///< every registered connection
  member_links customer_links; ///< customers only (viewerCount, broadcaster notices)
  std::unordered_map<std::string, caf::actor_addr> peers; ///< WebRTC peerId -> connection
  std::string broadcaster;     ///< the admin peer broadcasting, if any

  bounded_history history;
  durable_lifecycle life;
  outbox out;
  bool stopping = false;
  std::mt19937_64 rng{std::random_device{}()};

  void enter(shop_member who);
  void leave(const caf::actor_addr& conn);
  void handle(const shop_command& cmd);
  shop_reply control(const shop_command& cmd);

  // -- one handler per wire operation ---------------------------------------
  void toggle_like(stream_member& m);
  void chat(stream_member& m, const shop_command& cmd);
  /// An operator's notice: a chat_message from "Server" marked isAdmin.
  void notice(const std::string& text);
  void webrtc_register(stream_member& m, const std::string& peer_id);
  void webrtc_relay(stream_member& m, const shop_command& cmd);
  void broadcast_start(stream_member& m);
  void broadcast_stop(stream_member& m);

  // -- helpers ----------------------------------------------------------------
  std::size_t viewers() const { return customer_links.size(); }
  stream_view view() const;
  std::string public_state() const;
  std::string describe() const;
  void fail(const stream_member& m, shop_error code, std::string_view message = {});
  void broadcast(const wire_frame_ptr& frame) { out.emit(links.all(), frame); }
  void on_loaded(persistence::room_record& rec);
};

/// Spawned by the registry (kind "shop_stream"); loads its snapshot first.
caf::behavior shop_stream(caf::stateful_actor<shop_stream_state>* self, std::string id, shop_stream_config cfg);

} // namespace roomcast
