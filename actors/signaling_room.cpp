#include "actors/signaling_room.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "persistence/persistence_messages.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

constexpr std::string_view snapshot_kind = "signaling";

signaling_join_reply refuse(signaling_error code, std::string message = {}) {
  return {code, message.empty() ? std::string{text_of(code)} : std::move(message)};
}

} // namespace

// -- membership ---------------------------------------------------------------

signaling_join_reply signaling_room_state::join(signaling_join& req) {
  if (stopping)
    return refuse(signaling_error::unavailable);
  if (closed)
    return refuse(signaling_error::room_not_found);
  auto conn_addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (by_conn.count(conn_addr))
    return refuse(signaling_error::duplicate_peer, "This connection is already in the room");
  // The first one keeps the peerId: a second socket claiming it is refused
  // (a dead first one is gone already: its connection leaves on disconnect).
  if (members.count(req.peer_id))
    return refuse(signaling_error::duplicate_peer);
  if (members.size() >= capacity())
    return refuse(signaling_error::room_full);

  bool fresh = !exists;
  if (fresh) {
    // join-room created it (auto_create_rooms): the first peer is its host.
    exists = true;
    durable.created_at_ms = signaling_now_ms();
    durable.host_peer_id = req.peer_id;
  }
  signaling_member m;
  m.peer_id = req.peer_id;
  m.display_name = req.display_name;
  m.media = req.media;
  m.conn = caf::actor_cast<caf::actor>(self->current_sender());
  m.link = req.link;
  m.joined_seq = ++join_counter;
  self->monitor(m.conn);
  by_conn.emplace(conn_addr, m.peer_id);
  links.add(m.link);
  auto& me = members.emplace(m.peer_id, std::move(m)).first->second;
  life.touch();
  if (fresh)
    life.persist_now(); // the room exists on disk before anyone hears of it

  std::vector<const signaling_member*> ordered;
  for (auto& [id, mem] : members)
    if (id != me.peer_id)
      ordered.push_back(&mem);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->joined_seq < b->joined_seq; });
  std::vector<signaling_peer_view> others;
  for (auto* p : ordered)
    others.push_back({p->peer_id, p->display_name, p->media});
  auto ice = render_ice_servers(cfg.ice, me.peer_id, signaling_now_ms() / 1000);
  out.emit_one(me.link, render_room_joined(room_id, me.peer_id, others, ice, cfg.escape_html));
  broadcast(render_signaling_peer_joined(room_id, {me.peer_id, me.display_name, me.media}, cfg.escape_html), &me);
  update_mode();
  spdlog::debug("signaling room {}: {} joined ({} members)", room_id, me.peer_id, members.size());
  return {};
}

void signaling_room_state::leave(const caf::actor_addr& conn) {
  auto i = by_conn.find(conn);
  if (i == by_conn.end() || stopping || closed)
    return;
  auto peer_id = i->second;
  remove_member(peer_id);
  broadcast(render_signaling_peer_left(room_id, peer_id));
  update_mode();
  life.maybe_idle(members.empty());
}

void signaling_room_state::remove_member(const std::string& peer_id) {
  auto i = members.find(peer_id);
  if (i == members.end())
    return;
  self->demonitor(i->second.conn);
  by_conn.erase(i->second.conn.address());
  links.remove(i->second.link);
  members.erase(i);
}

// -- dispatch: one handler per wire operation ---------------------------------

void signaling_room_state::handle(const signaling_command& cmd) {
  auto i = by_conn.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (i == by_conn.end() || stopping || closed)
    return; // not (or no longer) a member: its connection tells the client
  auto& m = members.at(i->second);
  switch (cmd.op) {
    case signaling_op::join_room: fail(m, signaling_error::duplicate_peer, "Already in this room"); break;
    case signaling_op::leave_room: leave(i->first); break;
    case signaling_op::offer:
    case signaling_op::answer:
    case signaling_op::ice_candidate: relay(m, cmd); break;
    case signaling_op::media_state_changed: change_media(m, cmd.media); break;
  }
}

void signaling_room_state::relay(signaling_member& from, const signaling_command& cmd) {
  auto t = members.find(cmd.to_peer);
  if (t == members.end() || t->first == from.peer_id)
    return fail(from, signaling_error::peer_not_found, "Peer '" + cmd.to_peer + "' is not in this room");
  // fromPeerId is the sender's connection, whatever the payload claimed.
  out.emit_one(t->second.link, render_signaling_relay(cmd.op, room_id, from.peer_id, cmd.to_peer, cmd.payload));
}

void signaling_room_state::change_media(signaling_member& from, const media_state& m) {
  from.media = m;
  broadcast(render_media_state_changed(room_id, from.peer_id, m), &from);
}

// -- REST -----------------------------------------------------------------------

caf::result<bool> signaling_room_state::configure(signaling_settings s) {
  if (closed || stopping)
    return make_error(registry_error::no_such_room, room_id);
  if (exists)
    return caf::make_error(caf::sec::invalid_argument, "room exists");
  exists = true;
  durable = std::move(s);
  if (durable.created_at_ms == 0)
    durable.created_at_ms = signaling_now_ms();
  life.touch();
  life.maybe_idle(true);
  auto rp = self->make_response_promise<bool>();
  life.persist_now([rp](bool ok) mutable { rp.deliver(ok); });
  return rp;
}

caf::result<bool> signaling_room_state::close(std::uint16_t code, const std::string& reason) {
  if (closed)
    return make_error(registry_error::no_such_room, room_id);
  closed = true;
  broadcast(render_room_closed(room_id, reason));
  for (auto& l : *links.all())
    out.close_one(l, code, reason);
  std::vector<std::string> ids;
  for (auto& [id, m] : members)
    ids.push_back(id);
  for (auto& id : ids)
    remove_member(id);
  auto rp = self->make_response_promise<bool>();
  life.erase([this, rp](bool ok) mutable {
    rp.deliver(ok);
    life.passivate(false); // nothing to write: the room is gone
  });
  return rp;
}

// -- helpers --------------------------------------------------------------------

std::uint32_t signaling_room_state::capacity() const {
  return durable.max_participants ? durable.max_participants : cfg.default_max_participants;
}

void signaling_room_state::fail(const signaling_member& m, signaling_error code, std::string_view message) {
  out.emit_one(m.link, render_signaling_error(code, message));
}

void signaling_room_state::broadcast(const wire_frame_ptr& frame, const signaling_member* except) {
  out.emit(links.all(), frame, except ? except->link.get() : nullptr);
}

void signaling_room_state::update_mode() {
  bool now_sfu = members.size() > cfg.sfu_threshold;
  if (now_sfu == sfu)
    return;
  sfu = now_sfu;
  broadcast(render_connection_mode_changed(room_id, sfu ? "sfu" : "p2p"));
}

std::string signaling_room_state::describe() const {
  json_writer w;
  w.str("kind", "signaling").str("id", room_id).str("roomId", room_id);
  w.object("meetingInfo");
  if (durable.host_peer_id.empty())
    w.null("hostPeerId");
  else
    w.str("hostPeerId", durable.host_peer_id);
  w.unum("maxParticipants", capacity()).str("encryption", durable.encryption);
  w.str("createdAt", iso8601_ms(durable.created_at_ms)).end_object();
  w.str("connectionMode", sfu ? "sfu" : "p2p").unum("participantCount", members.size());
  std::vector<const signaling_member*> ordered;
  for (auto& [id, m] : members)
    ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->joined_seq < b->joined_seq; });
  w.array("peers");
  for (auto* m : ordered) {
    w.begin_element_object().str("peerId", m->peer_id).text("displayName", m->display_name, cfg.escape_html);
    w.raw("mediaState", render_media_json(m->media)).unum("backlog", m->link->backlog()).end_object();
  }
  w.end_array();
  w.num("lastSnapshotMs", life.last_snapshot_ms()).unum("pendingWrites", out.pending_writes());
  return w.done();
}

void signaling_room_state::on_loaded(persistence::room_record& rec) {
  if (!rec.found)
    return;
  auto snap = rec.kind == snapshot_kind ? decode_signaling_snapshot(rec.version, rec.state) : std::nullopt;
  if (!snap) {
    spdlog::error("signaling room {}: snapshot (kind '{}', version {}) cannot be decoded; quarantined", room_id,
                  rec.kind, rec.version);
    life.quarantine("undecodable signaling snapshot");
    return;
  }
  durable = std::move(*snap);
  exists = true;
}

// -- behavior ---------------------------------------------------------------------

caf::behavior signaling_room(caf::stateful_actor<signaling_room_state>* self, std::string room_id,
                             signaling_room_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.room_id = std::move(room_id);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.leave(dm.source); });
  st.life.init(self, std::string{snapshot_kind}, st.room_id, st.cfg.life, st.out, [self] {
    return std::make_pair(signaling_settings::current_version, encode_signaling_snapshot(self->state.durable));
  });
  // Nothing is handled before the room knows its stored state.
  st.life.load(0, [self](persistence::room_record& rec) { self->state.on_loaded(rec); });
  st.life.maybe_idle(true);
  return {
    [self](enter_atom, signaling_join& req) -> signaling_join_reply { return self->state.join(req); },
    [self](const signaling_command& cmd) { self->state.handle(cmd); },
    [self](leave_atom) { self->state.leave(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
    [self](configure_atom, signaling_settings& s) { return self->state.configure(std::move(s)); },
    [self](info_atom) -> caf::result<std::string> {
      auto& st = self->state;
      if (st.closed || !st.exists)
        return make_error(registry_error::no_such_room, st.room_id);
      return st.describe();
    },
    [self](persist_atom) { self->state.life.on_persist(); },
    [self](refresh_atom) { self->state.life.on_refresh(!self->state.members.empty()); },
    [self](idle_atom, std::uint64_t generation) {
      auto& st = self->state;
      if (!st.exists && st.members.empty())
        return st.life.passivate(false); // never created: nothing to keep
      st.life.on_idle(generation, st.members.empty());
    },
    [self](shutdown_atom) -> caf::result<stopped_atom> {
      auto& st = self->state;
      st.stopping = true;
      for (auto& l : *st.links.all())
        st.out.close_one(l, 1001, "server shutting down");
      return st.life.shutdown();
    },
    [self](close_atom, std::uint16_t code, const std::string& reason) { return self->state.close(code, reason); },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
