#include "actors/chat_room.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/chat_room_snapshot.hpp"
#include "persistence/persistence_messages.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

using room_actor = caf::stateful_actor<chat_room_state>;

constexpr std::string_view snapshot_kind = "chatroom";
constexpr std::int32_t snapshot_version = 1;
constexpr auto persistence_timeout = std::chrono::seconds(10);
/// The author of an operator's notice.
const chat_user_ref notice_author{"system", "Server"};

} // namespace

// -- client events -----------------------------------------------------------------

bool chat_room_state::join(chat_member& m, const chat_command& cmd) {
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  if (stopping || !conn) {
    if (m.link)
      fail(m.link, cmd, chat_error::unavailable);
    return false;
  }
  auto now = chat_now_ms();
  last_activity_ms = now;
  chat_user_ref user{m.user_id, m.username};
  bool new_conn = !members.count(conn.address());
  bool first_of_user = new_conn && !user_present(m.user_id);
  if (new_conn) {
    self->monitor(conn);
    links.add(m.link);
    members.emplace(conn.address(), chat_room_member{user, conn, m.link});
    life.touch();
  }
  // Membership is durable (it lets the user read the history over REST):
  // stored before the user is told it joined.
  if (known_users.insert(m.user_id).second)
    life.persist_now();
  out.emit_one(m.link, render_event(cfg.nsp, "roomUsers", room_users_body(room_id, users())));
  reply(m.link, cmd, reply_name(chat_op::join_room), reply_body(chat_op::join_room, room_id, now));
  if (first_of_user)
    broadcast(render_event(cfg.nsp, "userJoined", user_body(user, room_id, now)), m.link.get());
  return true;
}

void chat_room_state::handle(const chat_command& cmd) {
  auto i = members.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (i == members.end() || stopping)
    return; // not (or no longer) a member: the connection checked and told its client
  auto& m = i->second;
  switch (cmd.op) {
    case chat_op::leave_room: leave(m, cmd); break;
    case chat_op::send_message: send_message(m, cmd); break;
    case chat_op::typing: set_typing(m, cmd); break;
    case chat_op::get_room_stats: stats(m, cmd); break;
    case chat_op::join_room:
    case chat_op::heartbeat: break; // handled elsewhere
  }
}

void chat_room_state::leave(chat_room_member& m, const chat_command& cmd) {
  auto link = m.link;
  auto conn = m.conn.address();
  reply(link, cmd, reply_name(chat_op::leave_room), reply_body(chat_op::leave_room, room_id, chat_now_ms()));
  remove(conn);
}

void chat_room_state::send_message(chat_room_member& m, const chat_command& cmd) {
  auto now = chat_now_ms();
  last_activity_ms = now;
  ++messages_processed;
  auto seq = history.next_seq();
  auto id = room_id + "-" + std::to_string(seq);
  auto body = message_body(id, cmd.content, m.user, room_id, cmd.message_type, now);
  // Frames with this owner wait for the commit and are dropped if it fails.
  auto link = m.link;
  auto owner = history.append(self, life, out, seq, id, now, body, [this, link, cmd] {
    fail(link, cmd, chat_error::unavailable, "The message could not be stored; send it again");
  });
  // Whoever typed has now sent: the indicator ends with the message.
  if (auto t = typing.find(m.user.user_id); t != typing.end()) {
    typing.erase(t);
    broadcast(render_event(cfg.nsp, "userTyping", typing_body(m.user, room_id, false, now)), link.get(), owner);
  }
  broadcast(render_event(cfg.nsp, "receiveMessage", body), nullptr, owner);
  reply(link, cmd, reply_name(chat_op::send_message), message_sent_body(body), owner);
}

void chat_room_state::notice(const std::string& text) {
  auto now = chat_now_ms();
  last_activity_ms = now;
  auto seq = history.next_seq();
  auto id = room_id + "-" + std::to_string(seq);
  auto body = message_body(id, text, notice_author, room_id, "TEXT", now);
  auto owner = history.append(self, life, out, seq, id, now, body,
                              [] { spdlog::warn("chatrooms: a server notice was not saved"); });
  broadcast(render_event(cfg.nsp, "receiveMessage", body), nullptr, owner);
}

void chat_room_state::close(const std::string& reason) {
  // Every member hears why; each connection drops the room when this actor
  // stops (its monitor), so the client may join again and find it resumed.
  auto frame = render_event(cfg.nsp, "error", error_body(chat_error::room_closed, reason, chat_now_ms()));
  broadcast(frame);
  stopping = true;
  life.passivate();
}

void chat_room_state::set_typing(chat_room_member& m, const chat_command& cmd) {
  auto now = chat_now_ms();
  auto& uid = m.user.user_id;
  bool was = typing.count(uid) > 0;
  if (cmd.is_typing) {
    auto gen = ++typing_generation;
    typing[uid] = chat_typing{m.user, gen};
    self->delayed_send(self, cfg.typing_timeout, typing_atom::value, uid, gen);
  } else {
    typing.erase(uid);
  }
  // Repeated "still typing" updates only extend the timer.
  if (was != cmd.is_typing)
    broadcast(render_event(cfg.nsp, "userTyping", typing_body(m.user, room_id, cmd.is_typing, now)), m.link.get());
  reply(m.link, cmd, reply_name(chat_op::typing), reply_body(chat_op::typing, room_id, now));
}

void chat_room_state::stats(chat_room_member& m, const chat_command& cmd) {
  auto now = chat_now_ms();
  out.emit_one(m.link, render_event(cfg.nsp, "roomStats", room_stats_body(room_id, users(), typing_ids(), now)));
  reply(m.link, cmd, reply_name(chat_op::get_room_stats), reply_body(chat_op::get_room_stats, room_id, now));
}

caf::result<std::string> chat_room_state::history_page(const std::string& user_id, std::uint32_t page,
                                                       std::uint32_t limit) {
  if (!known_users.count(user_id))
    return caf::make_error(caf::sec::invalid_argument, "forbidden");
  auto total = history.last_seq();
  auto render = [page, limit, total](const std::vector<const std::string*>& newest_first) {
    json_writer w;
    w.boolean("success", true).object("data").array("messages");
    for (auto* b : newest_first)
      w.element_raw(*b);
    w.end_array().object("pagination");
    auto pages = (total + limit - 1) / limit;
    w.unum("page", page).unum("limit", limit).unum("total", total).unum("totalPages", pages);
    w.boolean("hasMore", page < pages).end_object().end_object();
    return w.done();
  };
  // Sequence numbers run 1..total: page p holds (total - p*limit, total - (p-1)*limit].
  std::uint64_t skip = std::uint64_t{page - 1} * limit;
  if (skip >= total)
    return render({});
  std::uint64_t before = total - skip + 1;
  if (!life.stored()) {
    std::vector<const std::string*> out_bodies;
    auto& e = history.entries();
    for (auto i = e.rbegin(); i != e.rend() && out_bodies.size() < limit; ++i)
      if (i->seq < before)
        out_bodies.push_back(&i->body);
    return render(out_bodies);
  }
  auto rp = self->make_response_promise<std::string>();
  self->request(life.persistence(), persistence_timeout, persistence::page_atom::value, life.key(), before, limit)
    .then(
      [rp, render](std::vector<persistence::stored_message>& msgs) mutable {
        std::vector<const std::string*> newest_first;
        for (auto i = msgs.rbegin(); i != msgs.rend(); ++i)
          newest_first.push_back(&i->body);
        rp.deliver(render(newest_first));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// -- helpers ---------------------------------------------------------------------------

void chat_room_state::remove(const caf::actor_addr& conn) {
  auto i = members.find(conn);
  if (i == members.end())
    return;
  auto m = std::move(i->second);
  members.erase(i);
  self->demonitor(m.conn);
  links.remove(m.link);
  if (stopping)
    return;
  auto now = chat_now_ms();
  if (!user_present(m.user.user_id)) {
    if (typing.erase(m.user.user_id))
      broadcast(render_event(cfg.nsp, "userTyping", typing_body(m.user, room_id, false, now)));
    broadcast(render_event(cfg.nsp, "userLeft", user_body(m.user, room_id, now)));
  }
  life.maybe_idle(members.empty());
}

void chat_room_state::expire_typing(const std::string& user_id, std::uint64_t generation) {
  auto t = typing.find(user_id);
  if (t == typing.end() || t->second.generation != generation)
    return; // stopped or refreshed meanwhile
  auto user = t->second.user;
  typing.erase(t);
  broadcast(render_event(cfg.nsp, "userTyping", typing_body(user, room_id, false, chat_now_ms())));
}

bool chat_room_state::user_present(const std::string& user_id) const {
  for (auto& [addr, m] : members)
    if (m.user.user_id == user_id)
      return true;
  return false;
}

std::vector<chat_user_ref> chat_room_state::users() const {
  std::map<std::string, std::string> unique; // sorted by user id
  for (auto& [addr, m] : members)
    unique.emplace(m.user.user_id, m.user.username);
  std::vector<chat_user_ref> out_users;
  for (auto& [id, name] : unique)
    out_users.push_back({id, name});
  return out_users;
}

std::vector<std::string> chat_room_state::typing_ids() const {
  std::vector<std::string> ids;
  for (auto& [id, t] : typing)
    ids.push_back(id);
  return ids;
}

void chat_room_state::reply(const client_link_ptr& link, const chat_command& cmd, std::string_view event,
                            const std::string& body, std::uint64_t owner) {
  if (cmd.has_ack)
    out.emit_one(link, render_ack(cfg.nsp, cmd.ack_id, body), owner);
  out.emit_one(link, render_event(cfg.nsp, event, body), owner);
}

void chat_room_state::fail(const client_link_ptr& link, const chat_command& cmd, chat_error code,
                           std::string_view message) {
  reply(link, cmd, "error", error_body(code, message, chat_now_ms()));
}

void chat_room_state::broadcast(const wire_frame_ptr& frame, const client_link* except, std::uint64_t owner) {
  out.emit(links.all(), frame, except, owner);
}

std::string chat_room_state::describe() const {
  json_writer w;
  w.str("kind", "chatroom").str("id", room_id);
  auto us = users();
  w.unum("userCount", us.size()).unum("connections", members.size());
  w.array("users");
  for (auto& u : us)
    w.element_str(u.user_id);
  w.end_array();
  w.strings("typingUsers", typing_ids());
  w.unum("knownUsers", known_users.size());
  w.str("createdAt", iso_time(created_ms)).str("lastActivity", iso_time(last_activity_ms));
  w.unum("messagesProcessed", messages_processed).unum("lastSeq", history.last_seq());
  w.unum("historySize", history.size());
  w.num("lastSnapshotMs", life.last_snapshot_ms());
  w.unum("pendingWrites", out.pending_writes()).unum("queuedFrames", out.queued_frames());
  return w.done();
}

// -- durability ----------------------------------------------------------------------

std::string chat_room_state::encode() const {
  return encode_chat_room_snapshot({created_ms, known_users});
}

void chat_room_state::on_loaded(persistence::room_record& rec) {
  if (rec.found) {
    bool ok = false;
    if (rec.kind == snapshot_kind && rec.version == snapshot_version) {
      if (auto d = decode_chat_room_snapshot(rec.state)) {
        ok = true;
        created_ms = d->created_ms;
        known_users.merge(d->known_users);
      }
    }
    if (!ok) {
      spdlog::error("chat room {}: snapshot (kind '{}', version {}) cannot be decoded; quarantined", room_id,
                    rec.kind, rec.version);
      life.quarantine("undecodable chatroom snapshot");
    }
  }
  history.restore(rec.history, rec.last_seq);
}

// -- behavior ----------------------------------------------------------------------------

caf::behavior chat_room(room_actor* self, std::string room_id, chat_room_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.room_id = std::move(room_id);
  st.cfg = std::move(cfg);
  st.created_ms = st.last_activity_ms = chat_now_ms();
  self->set_down_handler([self](caf::down_msg& dm) { self->state.remove(dm.source); });
  st.history.set_limit(st.cfg.history_limit);
  st.life.init(self, std::string{snapshot_kind}, st.room_id, st.cfg.life, st.out,
               [self] { return std::make_pair(snapshot_version, self->state.encode()); });
  st.life.load(static_cast<std::uint32_t>(st.cfg.history_limit),
               [self](persistence::room_record& rec) { self->state.on_loaded(rec); });
  st.life.maybe_idle(true);
  return {
    [self](enter_atom, chat_member& m, const chat_command& cmd) { return self->state.join(m, cmd); },
    [self](const chat_command& cmd) { self->state.handle(cmd); },
    [self](leave_atom) { self->state.remove(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
    [self](typing_atom, const std::string& user_id, std::uint64_t generation) {
      self->state.expire_typing(user_id, generation);
    },
    [self](history_atom, const std::string& user_id, std::uint32_t page, std::uint32_t limit) {
      return self->state.history_page(user_id, page, limit);
    },
    [self](persist_atom) { self->state.life.on_persist(); },
    [self](refresh_atom) { self->state.life.on_refresh(!self->state.members.empty()); },
    [self](idle_atom, std::uint64_t generation) { self->state.life.on_idle(generation, self->state.members.empty()); },
    [self](shutdown_atom) -> caf::result<stopped_atom> {
      auto& st = self->state;
      st.stopping = true;
      for (auto& l : *st.links.all())
        st.out.close_one(l, 1001, "server shutting down");
      return st.life.shutdown();
    },
    [self](notice_atom, const std::string& text) {
      self->state.notice(text);
      return true;
    },
    [self](close_atom, std::uint16_t, const std::string& reason) {
      self->state.close(reason);
      return true;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
