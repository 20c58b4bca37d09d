#include "actors/conference_room.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/resume_token.hpp"
#include "persistence/persistence_messages.hpp"

namespace roomcast {

namespace {

constexpr auto persistence_timeout = std::chrono::seconds(10);
constexpr std::string_view snapshot_kind = "conference";
/// Who an operator's notice comes from; join refuses this peer id to anyone else.
constexpr std::string_view notice_author = "Server";
constexpr std::string_view notice_peer = "server";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

join_reply refuse(conference_error code) {
  return {code, std::string{text_of(code)}, {}, {}};
}

} // namespace

// -- membership ---------------------------------------------------------------

join_reply conference_room_state::join(join_request& req) {
  if (stopping)
    return refuse(conference_error::unavailable);
  auto conn_addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (by_conn.count(conn_addr))
    return refuse(conference_error::already_joined);
  auto peer_id = req.peer_id.empty() ? new_peer_id() : req.peer_id;
  bool has_token = !req.token.empty();
  bool token_ok = has_token && check_resume_token(cfg.token_secret, room_id, peer_id, req.token);
  if (peer_id == notice_peer)
    return {conference_error::unauthorized, "This peerId is reserved for server notices", {}, "peer_id_in_use"};
  if (durable.banned.count(peer_id))
    return {conference_error::unauthorized, "You were removed from this room", {}, "removed"};
  if (has_token && !token_ok)
    return {conference_error::unauthorized, "Invalid resume token for this peerId", {}, "invalid_token"};
  auto existing = members.find(peer_id);
  if (existing != members.end() && !token_ok)
    return {conference_error::unauthorized, "peerId is already in this room; rejoin with its resumeToken", {},
            "peer_id_in_use"};
  // The host's id is the host role: without the token it is nobody's to take.
  if (peer_id == durable.host_id && !token_ok)
    return {conference_error::unauthorized, "This peerId holds the host role; rejoin with its resumeToken", {},
            "peer_id_in_use"};
  // A valid token proves earlier admission: a lock keeps out newcomers only.
  if (durable.locked && existing == members.end() && !token_ok)
    return refuse(conference_error::room_locked);
  if (existing == members.end() && members.size() >= cfg.capacity)
    return refuse(conference_error::room_full);

  if (existing != members.end()) {
    // The same client on a new socket: the old one is a zombie.
    out.close_one(existing->second.link, 4001, "replaced by a new connection");
    remove_member(peer_id);
    broadcast(render_peer_left(peer_id));
  }
  if (!token_ok) {
    // A reused peerId without proof gets a fresh identity: no old roles.
    durable.co_hosts.erase(peer_id);
    durable.raised_hands.erase(peer_id);
  }
  bool host_changed = false;
  if (durable.host_id == peer_id && token_ok) {
    host_reserved = false; // the host is back
  } else if (durable.host_id.empty() || (members.empty() && !host_reserved)) {
    durable.host_id = peer_id; // first into an empty room takes the host role
    durable.co_hosts.erase(peer_id);
    host_changed = true;
  }

  conference_member m;
  m.peer_id = peer_id;
  m.username = req.username;
  m.conn = caf::actor_cast<caf::actor>(self->current_sender());
  m.link = req.link;
  m.role = req.role;
  m.joined_seq = ++join_counter;
  m.hand_raised = durable.raised_hands.count(peer_id) > 0;
  self->monitor(m.conn);
  by_conn.emplace(conn_addr, peer_id);
  links.add(m.link);
  auto& me = members.emplace(peer_id, std::move(m)).first->second;
  life.touch();

  if (host_changed)
    life.persist_now(); // the host role is durable before anyone is told

  peers_view v;
  v.your_id = peer_id;
  v.host_id = durable.host_id;
  v.is_host = durable.host_id == peer_id;
  v.room_locked = durable.locked;
  v.chat_enabled = durable.chat_enabled;
  v.resume_token = make_resume_token(cfg.token_secret, room_id, peer_id);
  std::vector<const conference_member*> ordered;
  for (auto& [id, mem] : members)
    ordered.push_back(&mem);
  std::sort(ordered.begin(), ordered.end(),
            [](auto* a, auto* b) { return a->joined_seq < b->joined_seq; });
  for (auto* p : ordered) {
    if (p->peer_id != peer_id)
      v.peers.push_back(p->peer_id);
    v.participants.push_back({p->peer_id, p->username, durable.host_id == p->peer_id,
                              durable.co_hosts.count(p->peer_id) > 0, p->hand_raised, p->screen_sharing});
    if (p->hand_raised)
      v.raised_hands.push_back(p->peer_id);
    if (durable.co_hosts.count(p->peer_id))
      v.co_host_ids.push_back(p->peer_id);
  }
  out.emit_one(me.link, render_peers(v, cfg.escape_html));
  out.emit_one(me.link, render_chat_history(history.bodies()));
  broadcast(render_peer_joined(peer_id, me.username, cfg.escape_html), &me);
  spdlog::debug("room {}: {} joined ({} members)", room_id, peer_id, members.size());
  return {conference_error::none, {}, peer_id, {}};
}

void conference_room_state::leave(const caf::actor_addr& conn) {
  auto i = by_conn.find(conn);
  if (i == by_conn.end() || stopping)
    return; // while stopping, the goodbyes we caused change nothing
  auto peer_id = i->second;
  bool was_host = durable.host_id == peer_id;
  bool had_hand = durable.raised_hands.erase(peer_id) > 0;
  remove_member(peer_id);
  broadcast(render_peer_left(peer_id));
  if (was_host && !members.empty())
    hand_over_host();
  else if (was_host)
    reserve_host();
  if (had_hand)
    life.persist_later();
  life.maybe_idle(members.empty());
}

void conference_room_state::remove_member(const std::string& peer_id) {
  auto i = members.find(peer_id);
  if (i == members.end())
    return;
  auto& m = i->second;
  self->demonitor(m.conn);
  by_conn.erase(m.conn.address());
  links.remove(m.link);
  members.erase(i);
}

void conference_room_state::hand_over_host() {
  // The longest-present participant becomes host.
  const conference_member* next = nullptr;
  for (auto& [id, m] : members)
    if (!next || m.joined_seq < next->joined_seq)
      next = &m;
  durable.host_id = next->peer_id;
  durable.co_hosts.erase(next->peer_id);
  life.persist_now();
  broadcast(render_host_changed(durable.host_id));
}

// -- dispatch: one handler per wire operation ---------------------------------

void conference_room_state::handle(const conference_command& cmd) {
  auto i = by_conn.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (i == by_conn.end() || stopping)
    return; // not (or no longer) a member: the connection tells its client
  auto& m = members.at(i->second);
  switch (cmd.op) {
    case conference_op::join: fail(m, conference_error::already_joined, {}, cmd.op); break;
    case conference_op::offer:
    case conference_op::answer:
    case conference_op::candidate: relay(m, cmd); break;
    case conference_op::room_locked: set_locked(m, true); break;
    case conference_op::room_unlocked: set_locked(m, false); break;
    case conference_op::chat_enabled: set_chat(m, true); break;
    case conference_op::chat_disabled: set_chat(m, false); break;
    case conference_op::kick: kick(m, cmd.target); break;
    case conference_op::raise_hand: raise_hand(m, true); break;
    case conference_op::lower_hand: raise_hand(m, false); break;
    case conference_op::reaction: reaction(m, cmd.text); break;
    case conference_op::chat_message: chat(m, cmd.text); break;
    case conference_op::screen_share_start: screen_share(m, true); break;
    case conference_op::screen_share_stop: screen_share(m, false); break;
    case conference_op::mute_participant: mute(m, cmd.target); break;
    case conference_op::promote_co_host: promote(m, cmd.target); break;
    case conference_op::load_history: load_history(m, cmd.before_seq, cmd.limit); break;
  }
}

void conference_room_state::relay(conference_member& from, const conference_command& cmd) {
  auto t = members.find(cmd.target);
  if (t == members.end())
    return fail(from, conference_error::peer_not_found, {}, cmd.op);
  out.emit_one(t->second.link, render_relay(cmd.op, from.peer_id, cmd.target,
                                            cmd.op == conference_op::offer ? from.username : "", cmd.text,
                                            cfg.escape_html));
}

void conference_room_state::set_locked(conference_member& from, bool locked) {
  auto op = locked ? conference_op::room_locked : conference_op::room_unlocked;
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can lock or unlock the room", op);
  durable.locked = locked;
  life.persist_now();
  broadcast(render_empty(event_name(op)));
}

void conference_room_state::set_chat(conference_member& from, bool enabled) {
  auto op = enabled ? conference_op::chat_enabled : conference_op::chat_disabled;
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can enable or disable chat", op);
  durable.chat_enabled = enabled;
  life.persist_now();
  broadcast(render_empty(event_name(op)));
}

void conference_room_state::kick(conference_member& from, const std::string& target) {
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can remove participants", conference_op::kick);
  auto t = members.find(target);
  if (t == members.end())
    return fail(from, conference_error::peer_not_found, {}, conference_op::kick);
  if (target == durable.host_id || target == from.peer_id)
    return fail(from, conference_error::unauthorized, "The host cannot be removed", conference_op::kick);
  auto link = t->second.link;
  durable.banned.insert(target);
  durable.co_hosts.erase(target);
  durable.raised_hands.erase(target);
  remove_member(target);
  life.persist_now();
  out.emit_one(link, render_empty("kicked"));
  broadcast(render_peer_left(target));
  // Closed behind the `kicked` frame: the client reads why before the close.
  out.close_one(link, 4000, "kicked");
}

void conference_room_state::raise_hand(conference_member& from, bool raised) {
  from.hand_raised = raised;
  if (raised)
    durable.raised_hands.insert(from.peer_id);
  else
    durable.raised_hands.erase(from.peer_id);
  life.persist_later();
  broadcast(raised ? render_raise_hand(from.peer_id, from.username, cfg.escape_html)
                   : render_peer_event("lower-hand", from.peer_id));
}

void conference_room_state::reaction(conference_member& from, const std::string& emoji) {
  broadcast(render_reaction(from.peer_id, emoji), &from);
}

void conference_room_state::chat(conference_member& from, const std::string& text) {
  if (!durable.chat_enabled && !is_admin(from))
    return fail(from, conference_error::chat_disabled, {}, conference_op::chat_message);
  auto seq = history.next_seq();
  durable.last_seq = seq;
  auto ts = now_ms();
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rng()));
  auto id = "msg_" + std::to_string(seq) + "_" + suffix;
  auto body = render_chat_body(id, from.username, text, ts, from.peer_id, cfg.escape_html);
  auto frame = render_chat_message(body);
  auto sender = from.link;
  auto owner = history.append(self, life, out, seq, std::move(id), ts, std::move(body), [sender] {
    sender->send(render_error(conference_error::unavailable, "Message not saved; send it again", "chat-message"));
  });
  out.emit(links.all(), frame, nullptr, owner);
}

void conference_room_state::notice(const std::string& text) {
  // Chat may be disabled for participants; an operator still gets through.
  auto seq = history.next_seq();
  durable.last_seq = seq;
  auto ts = now_ms();
  auto id = "msg_" + std::to_string(seq) + "_server";
  auto body = render_chat_body(id, notice_author, text, ts, notice_peer, cfg.escape_html);
  auto frame = render_chat_message(body);
  auto owner = history.append(self, life, out, seq, std::move(id), ts, std::move(body), [] {
    spdlog::warn("conference: a server notice was not saved");
  });
  out.emit(links.all(), frame, nullptr, owner);
}

void conference_room_state::screen_share(conference_member& from, bool sharing) {
  from.screen_sharing = sharing;
  broadcast(render_peer_event(sharing ? "screen-share-start" : "screen-share-stop", from.peer_id), &from);
}

void conference_room_state::mute(conference_member& from, const std::string& target) {
  auto op = conference_op::mute_participant;
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can mute participants", op);
  auto t = members.find(target);
  if (t == members.end())
    return fail(from, conference_error::peer_not_found, {}, op);
  if (target == durable.host_id && from.peer_id != durable.host_id)
    return fail(from, conference_error::unauthorized, "The host cannot be muted", op);
  out.emit_one(t->second.link, render_mute(target, from.peer_id));
}

void conference_room_state::promote(conference_member& from, const std::string& target) {
  auto op = conference_op::promote_co_host;
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can promote co-hosts", op);
  if (!members.count(target))
    return fail(from, conference_error::peer_not_found, {}, op);
  if (target == durable.host_id)
    return fail(from, conference_error::invalid_payload, "The host is already host", op);
  durable.co_hosts.insert(target);
  life.persist_now();
  broadcast(render_promote(target));
}

void conference_room_state::load_history(conference_member& from, std::uint64_t before_seq, std::uint32_t limit) {
  // The newest first: SQLite binds the bound as a signed 64-bit integer.
  auto before = before_seq == 0 ? std::uint64_t{INT64_MAX} : before_seq;
  auto link = from.link;
  if (!life.stored()) {
    std::vector<const std::string*> page;
    auto& entries = history.entries();
    for (auto i = entries.rbegin(); i != entries.rend() && page.size() <= limit; ++i)
      if (i->seq < before)
        page.push_back(&i->body);
    bool more = page.size() > limit;
    if (more)
      page.pop_back();
    std::reverse(page.begin(), page.end());
    return out.emit_one(link, render_chat_history_page(page, more));
  }
  // One more than asked tells whether older messages remain.
  self
    ->request(life.persistence(), persistence_timeout, persistence::page_atom::value, life.key(), before, limit + 1)
    .then(
      [this, link, limit](std::vector<persistence::stored_message>& msgs) {
        bool more = msgs.size() > limit;
        std::vector<const std::string*> page;
        for (std::size_t i = more ? 1 : 0; i < msgs.size(); ++i)
          page.push_back(&msgs[i].body);
        out.emit_one(link, render_chat_history_page(page, more));
      },
      [this, link](caf::error& err) {
        spdlog::error("room {}: history page failed: {}", room_id, self->system().render(err));
        out.emit_one(link, render_error(conference_error::unavailable, "History is unavailable; try again",
                                        "load-chat-history"));
      });
}

// -- helpers --------------------------------------------------------------------

bool conference_room_state::is_admin(const conference_member& m) const {
  return durable.host_id == m.peer_id || durable.co_hosts.count(m.peer_id) > 0 || m.role == "admin"
         || m.role == "moderator";
}

void conference_room_state::fail(const conference_member& m, conference_error code, std::string_view message,
                                 conference_op op) {
  out.emit_one(m.link, render_error(code, message, event_name(op)));
}

void conference_room_state::broadcast(const wire_frame_ptr& frame, const conference_member* except) {
  out.emit(links.all(), frame, except ? except->link.get() : nullptr);
}

std::string conference_room_state::new_peer_id() {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (;;) {
    std::string id = "peer_";
    for (int i = 0; i < 12; ++i)
      id.push_back(alphabet[rng() % 36]);
    if (!members.count(id))
      return id;
  }
}

std::string conference_room_state::describe() const {
  std::string out_json = "{\"kind\":\"conference\",\"id\":";
  append_json_string(out_json, room_id);
  out_json += ",\"hostId\":";
  append_json_string(out_json, durable.host_id);
  out_json += ",\"locked\":";
  out_json += durable.locked ? "true" : "false";
  out_json += ",\"chatEnabled\":";
  out_json += durable.chat_enabled ? "true" : "false";
  out_json += ",\"coHostIds\":[";
  bool first = true;
  for (auto& c : durable.co_hosts) {
    if (!first)
      out_json += ',';
    first = false;
    append_json_string(out_json, c);
  }
  out_json += "],\"members\":[";
  first = true;
  std::vector<const conference_member*> ordered;
  for (auto& [id, m] : members)
    ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->joined_seq < b->joined_seq; });
  for (auto* m : ordered) {
    if (!first)
      out_json += ',';
    first = false;
    out_json += "{\"peerId\":";
    append_json_string(out_json, m->peer_id);
    out_json += ",\"username\":";
    append_json_string(out_json, m->username);
    out_json += ",\"handRaised\":";
    out_json += m->hand_raised ? "true" : "false";
    out_json += ",\"screenSharing\":";
    out_json += m->screen_sharing ? "true" : "false";
    out_json += ",\"backlog\":" + std::to_string(m->link->backlog()) + "}";
  }
  out_json += "],\"memberCount\":" + std::to_string(members.size());
  out_json += ",\"historySize\":" + std::to_string(history.size());
  out_json += ",\"lastSeq\":" + std::to_string(durable.last_seq);
  out_json += ",\"lastSnapshotMs\":" + std::to_string(life.last_snapshot_ms());
  out_json += ",\"pendingWrites\":" + std::to_string(out.pending_writes());
  out_json += ",\"queuedFrames\":" + std::to_string(out.queued_frames()) + "}";
  return out_json;
}

// -- durability -----------------------------------------------------------------

void conference_room_state::on_loaded(persistence::room_record& rec) {
  if (rec.found) {
    auto snap = rec.kind == snapshot_kind ? decode_snapshot(rec.version, rec.state) : std::nullopt;
    if (snap) {
      durable = std::move(*snap);
    } else {
      spdlog::error("room {}: snapshot (kind '{}', version {}) cannot be decoded; quarantined, room starts empty",
                    room_id, rec.kind, rec.version);
      life.quarantine("undecodable conference snapshot");
    }
  }
  durable.raised_hands.clear(); // nobody is present after a restart
  if (!durable.host_id.empty())
    reserve_host(); // the stored host gets its role back if it returns in time
  history.restore(rec.history, std::max(durable.last_seq, rec.last_seq));
  durable.last_seq = history.last_seq();
}

void conference_room_state::reserve_host() {
  host_reserved = true;
  self->delayed_send(self, cfg.host_grace, grace_atom::value, ++host_grace_generation);
}

// -- behavior ---------------------------------------------------------------------

caf::behavior conference_room(caf::stateful_actor<conference_room_state>* self, std::string room_id,
                              conference_room_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.room_id = std::move(room_id);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.leave(dm.source); });
  st.history.set_limit(st.cfg.history_limit);
  st.life.init(self, std::string{snapshot_kind}, st.room_id, st.cfg.life, st.out, [self] {
    return std::make_pair(conference_snapshot::current_version, encode_snapshot(self->state.durable));
  });
  // Nothing is handled before the room knows its stored state.
  st.life.load(static_cast<std::uint32_t>(st.cfg.history_limit),
               [self](persistence::room_record& rec) { self->state.on_loaded(rec); });
  st.life.maybe_idle(true);
  return {
    [self](enter_atom, join_request& req) -> join_reply { return self->state.join(req); },
    [self](const conference_command& cmd) { self->state.handle(cmd); },
    [self](leave_atom) { self->state.leave(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
    [self](persist_atom) { self->state.life.on_persist(); },
    [self](grace_atom, std::uint64_t generation) {
      auto& st = self->state;
      if (generation != st.host_grace_generation || !st.host_reserved)
        return;
      st.host_reserved = false;
      if (!st.members.empty() && !st.members.count(st.durable.host_id))
        st.hand_over_host(); // the host did not come back: the longest present takes over
    },
    [self](refresh_atom) { self->state.life.on_refresh(!self->state.members.empty()); },
    [self](idle_atom, std::uint64_t generation) { self->state.life.on_idle(generation, self->state.members.empty()); },
    [self](shutdown_atom) -> caf::result<stopped_atom> {
      auto& st = self->state;
      st.stopping = true;
      for (auto& l : *st.links.all())
        st.out.close_one(l, 1001, "server shutting down");
      return st.life.shutdown();
    },
    [self](close_atom, std::uint16_t code, const std::string& reason) {
      // Closed by an operator: everyone is told, the state stays stored.
      auto& st = self->state;
      st.stopping = true;
      for (auto& l : *st.links.all())
        st.out.close_one(l, code, reason);
      st.life.passivate();
      return true;
    },
    [self](notice_atom, const std::string& text) {
      self->state.notice(text);
      return true;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
