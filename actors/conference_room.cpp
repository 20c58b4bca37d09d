#include "actors/conference_room.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/resume_token.hpp"
#include "persistence/persistence_messages.hpp"

namespace roomcast {

namespace {

// Writes go to the local persistence actor, which answers every one (or
// fails, if it is gone): no timeout, so no timer per message on CAF's clock.
constexpr auto write_timeout = caf::infinite;
constexpr auto persistence_timeout = std::chrono::seconds(10);
constexpr std::string_view snapshot_kind = "conference";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

join_reply refuse(conference_error code) {
  return {code, std::string{text_of(code)}, {}, {}};
}

std::string storage_key(const std::string& room_id) {
  return "conference:" + room_id;
}

/// Writes the room's snapshot; the caller attaches what happens on commit.
template <class Timeout>
auto request_snapshot(conference_room_state& st, Timeout timeout) {
  return st.self->request(st.cfg.persistence, timeout, persistence::snapshot_atom::value, storage_key(st.room_id),
                          std::string{snapshot_kind}, conference_snapshot::current_version,
                          encode_snapshot(st.durable));
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
  mutable_links().push_back(m.link);
  auto& me = members.emplace(peer_id, std::move(m)).first->second;
  ++idle_generation; // cancels a pending passivation
  arm_refresh();

  if (host_changed)
    persist_now(); // the host role is durable before anyone is told

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
  out.emit_one(me.link, render_peers(v));
  std::vector<const std::string*> bodies;
  bodies.reserve(history.size());
  for (auto& h : history)
    bodies.push_back(&h.body);
  out.emit_one(me.link, render_chat_history(bodies));
  broadcast(render_peer_joined(peer_id, me.username), &me);
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
    persist_later();
  maybe_idle();
}

void conference_room_state::remove_member(const std::string& peer_id) {
  auto i = members.find(peer_id);
  if (i == members.end())
    return;
  auto& m = i->second;
  self->demonitor(m.conn);
  by_conn.erase(m.conn.address());
  auto& all = mutable_links();
  all.erase(std::find(all.begin(), all.end(), m.link));
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
  persist_now();
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
                                            cmd.op == conference_op::offer ? from.username : "", cmd.text));
}

void conference_room_state::set_locked(conference_member& from, bool locked) {
  auto op = locked ? conference_op::room_locked : conference_op::room_unlocked;
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can lock or unlock the room", op);
  durable.locked = locked;
  persist_now();
  broadcast(render_empty(event_name(op)));
}

void conference_room_state::set_chat(conference_member& from, bool enabled) {
  auto op = enabled ? conference_op::chat_enabled : conference_op::chat_disabled;
  if (!is_admin(from))
    return fail(from, conference_error::unauthorized, "Only the host can enable or disable chat", op);
  durable.chat_enabled = enabled;
  persist_now();
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
  persist_now();
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
  persist_later();
  broadcast(raised ? render_raise_hand(from.peer_id, from.username)
                   : render_peer_event("lower-hand", from.peer_id));
}

void conference_room_state::reaction(conference_member& from, const std::string& emoji) {
  broadcast(render_reaction(from.peer_id, emoji), &from);
}

void conference_room_state::chat(conference_member& from, const std::string& text) {
  if (!durable.chat_enabled && !is_admin(from))
    return fail(from, conference_error::chat_disabled, {}, conference_op::chat_message);
  auto seq = ++durable.last_seq;
  auto ts = now_ms();
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rng()));
  auto id = "msg_" + std::to_string(seq) + "_" + suffix;
  auto body = render_chat_body(id, from.username, text, ts, from.peer_id);
  history.push_back({seq, body});
  while (history.size() > cfg.history_limit)
    history.pop_front();
  std::uint64_t owner = 0;
  if (cfg.persistence) {
    owner = out.begin_write();
    auto sender = from.link;
    self
      ->request(cfg.persistence, write_timeout, persistence::append_atom::value, storage_key(room_id),
                persistence::stored_message{seq, id, ts, body})
      .then([this, owner](persistence::committed_atom) { out.commit(owner); },
            [this, owner, seq, sender](caf::error& err) {
              spdlog::error("room {}: chat message {} not stored: {}", room_id, seq,
                            self->system().render(err));
              out.fail(owner);
              history.erase(std::remove_if(history.begin(), history.end(),
                                           [seq](auto& h) { return h.seq == seq; }),
                            history.end());
              sender->send(render_error(conference_error::unavailable, "Message not saved; send it again",
                                        "chat-message"));
            });
  }
  out.emit(links, render_chat_message(body), nullptr, owner);
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
  persist_now();
  broadcast(render_promote(target));
}

void conference_room_state::load_history(conference_member& from, std::uint64_t before_seq, std::uint32_t limit) {
  // The newest first: SQLite binds the bound as a signed 64-bit integer.
  auto before = before_seq == 0 ? std::uint64_t{INT64_MAX} : before_seq;
  auto link = from.link;
  if (!cfg.persistence) {
    std::vector<const std::string*> page;
    for (auto i = history.rbegin(); i != history.rend() && page.size() <= limit; ++i)
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
    ->request(cfg.persistence, persistence_timeout, persistence::page_atom::value, storage_key(room_id), before,
              limit + 1)
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
  out.emit(links, frame, except ? except->link.get() : nullptr);
}

link_list& conference_room_state::mutable_links() {
  if (links.use_count() > 1) // a queued broadcast still reads the old list
    links = std::make_shared<link_list>(*links);
  return *links;
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
  std::string out_json = "{\"kind\":\"conference_room\",\"roomId\":";
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
  out_json += "],\"historySize\":" + std::to_string(history.size());
  out_json += ",\"lastSeq\":" + std::to_string(durable.last_seq);
  out_json += ",\"pendingWrites\":" + std::to_string(out.pending_writes());
  out_json += ",\"queuedFrames\":" + std::to_string(out.queued_frames()) + "}";
  return out_json;
}

// -- durability -----------------------------------------------------------------

void conference_room_state::persist_now() {
  if (!cfg.persistence)
    return;
  auto id = out.begin_write();
  request_snapshot(*this, write_timeout)
    .then([this, id](persistence::committed_atom) { out.commit(id); },
          [this, id](caf::error& err) {
            // The change is live in memory; clients learn of it even though
            // the disk refused it, rather than the room stalling.
            spdlog::error("room {}: snapshot not stored: {}", room_id, self->system().render(err));
            out.commit(id);
          });
}

void conference_room_state::persist_later() {
  if (!cfg.persistence || snapshot_scheduled)
    return;
  snapshot_scheduled = true;
  self->delayed_send(self, cfg.snapshot_debounce, persist_atom::value);
}

void conference_room_state::on_loaded(const std::string& kind, std::int32_t version, const std::string& state,
                                      std::vector<chat_entry> loaded, std::uint64_t last_seq, bool found) {
  if (found) {
    auto snap = kind == snapshot_kind ? decode_snapshot(version, state) : std::nullopt;
    if (snap) {
      durable = std::move(*snap);
    } else {
      spdlog::error("room {}: snapshot (kind '{}', version {}) cannot be decoded; quarantined, room starts empty",
                    room_id, kind, version);
      self->request(cfg.persistence, persistence_timeout, persistence::quarantine_atom::value, storage_key(room_id),
                    std::string{"undecodable conference snapshot"})
        .then([](persistence::committed_atom) {},
              [this](caf::error& err) {
                spdlog::error("room {}: quarantine failed: {}", room_id, self->system().render(err));
              });
    }
  }
  durable.raised_hands.clear(); // nobody is present after a restart
  if (!durable.host_id.empty())
    reserve_host(); // the stored host gets its role back if it returns in time
  durable.last_seq = std::max(durable.last_seq, last_seq);
  history.assign(std::make_move_iterator(loaded.begin()), std::make_move_iterator(loaded.end()));
}

void conference_room_state::reserve_host() {
  host_reserved = true;
  self->delayed_send(self, cfg.host_grace, grace_atom::value, ++host_grace_generation);
}

void conference_room_state::arm_refresh() {
  if (!cfg.persistence || refresh_armed)
    return;
  refresh_armed = true;
  self->delayed_send(self, cfg.refresh_interval, refresh_atom::value);
}

void conference_room_state::maybe_idle() {
  if (!members.empty())
    return;
  self->delayed_send(self, cfg.idle_timeout, idle_atom::value, ++idle_generation);
}

// -- behavior ---------------------------------------------------------------------

caf::behavior conference_room(caf::stateful_actor<conference_room_state>* self, std::string room_id,
                              conference_room_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.room_id = std::move(room_id);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.leave(dm.source); });
  if (st.cfg.persistence) {
    // Nothing is handled before the room knows its stored state.
    self
      ->request(st.cfg.persistence, persistence_timeout, persistence::load_atom::value, storage_key(st.room_id),
                static_cast<std::uint32_t>(st.cfg.history_limit))
      .await(
        [self](persistence::room_record& rec) {
          std::vector<chat_entry> loaded;
          for (auto& m : rec.history)
            loaded.push_back({m.seq, std::move(m.body)});
          self->state.on_loaded(rec.kind, rec.version, rec.state, std::move(loaded), rec.last_seq, rec.found);
        },
        [self](caf::error& err) {
          // Starting empty would let stored state go backwards: refuse instead.
          spdlog::error("room {}: cannot load stored state: {}", self->state.room_id, self->system().render(err));
          self->quit(err);
        });
  }
  st.maybe_idle();
  return {
    [self](enter_atom, join_request& req) -> join_reply { return self->state.join(req); },
    [self](const conference_command& cmd) { self->state.handle(cmd); },
    [self](leave_atom) { self->state.leave(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
    [self](persist_atom) {
      auto& st = self->state;
      st.snapshot_scheduled = false;
      if (!st.cfg.persistence)
        return;
      // Not a barrier: hands and screen share were shown already.
      request_snapshot(st, persistence_timeout)
        .then([](persistence::committed_atom) {},
              [self](caf::error& err) {
                spdlog::error("room {}: snapshot not stored: {}", self->state.room_id, self->system().render(err));
              });
    },
    [self](grace_atom, std::uint64_t generation) {
      auto& st = self->state;
      if (generation != st.host_grace_generation || !st.host_reserved)
        return;
      st.host_reserved = false;
      if (!st.members.empty() && !st.members.count(st.durable.host_id))
        st.hand_over_host(); // the host did not come back: the longest present takes over
    },
    [self](refresh_atom) {
      auto& st = self->state;
      st.refresh_armed = false;
      if (st.members.empty())
        return; // passivation writes the final snapshot
      st.persist_later();
      st.arm_refresh();
    },
    [self](idle_atom, std::uint64_t generation) {
      auto& st = self->state;
      if (generation != st.idle_generation || !st.members.empty())
        return;
      // Passivate: state on disk first, then leave the registry, then stop.
      // `await` holds back joins meanwhile; they fail and their connections
      // ask the registry again, which starts a fresh actor from disk.
      auto stop = [self] {
        auto reg = caf::actor_cast<caf::actor>(self->state.cfg.registry);
        if (!reg)
          return self->quit();
        self->request(reg, std::chrono::seconds(5), passivate_atom::value, self->state.room_id)
          .await([self](bool) { self->quit(); }, [self](caf::error&) { self->quit(); });
      };
      if (!st.cfg.persistence)
        return stop();
      request_snapshot(st, persistence_timeout)
        .await([stop](persistence::committed_atom) { stop(); },
               [self](caf::error& err) {
                 spdlog::error("room {}: final snapshot failed, staying up: {}", self->state.room_id,
                               self->system().render(err));
                 self->state.maybe_idle(); // try again later
               });
    },
    [self](shutdown_atom) -> caf::result<stopped_atom> {
      auto& st = self->state;
      st.stopping = true;
      for (auto& l : *st.links)
        st.out.close_one(l, 1001, "server shutting down");
      if (!st.cfg.persistence) {
        self->quit();
        return stopped_atom::value;
      }
      auto rp = self->make_response_promise<stopped_atom>();
      request_snapshot(st, persistence_timeout)
        .then([self, rp](persistence::committed_atom) mutable {
                rp.deliver(stopped_atom::value);
                self->quit();
              },
              [self, rp](caf::error& err) mutable {
                rp.deliver(err);
                self->quit();
              });
      return rp;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
