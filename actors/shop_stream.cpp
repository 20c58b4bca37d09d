#include "actors/shop_stream.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

constexpr std::string_view snapshot_kind = "shop_stream";
constexpr std::int32_t snapshot_version = 1;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

// -- membership -----------------------------------------------------------------

void shop_stream_state::enter(shop_member who) {
  if (stopping)
    return;
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  if (!conn || members.count(conn.address()))
    return;
  self->monitor(conn);
  links.add(who.link);
  if (!who.admin)
    customer_links.add(who.link);
  auto link = who.link;
  bool customer = !who.admin;
  members.emplace(conn.address(), stream_member{std::move(who), conn, {}});
  life.touch();
  if (!durable.active)
    return;
  // A newcomer gets the live state right away, then everyone the new count.
  out.emit_one(link, render_stream_started(view()));
  out.emit_one(link, render_shop_chat_history(history.bodies()));
  if (durable.pinned != "[]")
    out.emit_one(link, render_pinned_products(durable.pinned));
  if (customer && !broadcaster.empty())
    out.emit_one(link, render_broadcaster("webrtc_broadcaster_available", broadcaster));
  if (customer)
    broadcast(render_stream_update(viewers(), durable.liked_by));
}

void shop_stream_state::leave(const caf::actor_addr& conn) {
  auto i = members.find(conn);
  if (i == members.end() || stopping)
    return;
  auto& m = i->second;
  self->demonitor(m.conn);
  links.remove(m.who.link);
  bool customer = !m.who.admin;
  if (customer)
    customer_links.remove(m.who.link);
  if (!m.peer_id.empty()) {
    peers.erase(m.peer_id);
    if (broadcaster == m.peer_id) {
      out.emit(customer_links.all(), render_broadcaster("webrtc_broadcast_stopped", broadcaster));
      broadcaster.clear();
    }
  }
  members.erase(i);
  if (customer && durable.active)
    broadcast(render_stream_update(viewers(), durable.liked_by));
  life.maybe_idle(members.empty());
}

// -- dispatch -------------------------------------------------------------------

void shop_stream_state::handle(const shop_command& cmd) {
  auto i = members.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (i == members.end() || stopping)
    return;
  auto& m = i->second;
  switch (cmd.op) {
    case shop_op::toggle_like: return toggle_like(m);
    case shop_op::chat_message: return chat(m, cmd);
    case shop_op::stream_start:
    case shop_op::stream_stop:
    case shop_op::pin_products: {
      if (!m.who.admin)
        return fail(m, shop_error::admin_only);
      auto r = control(cmd);
      if (r.code != shop_error::none)
        fail(m, r.code, r.body);
      return;
    }
    case shop_op::webrtc_register: return webrtc_register(m, cmd.peer_id);
    case shop_op::webrtc_offer:
    case shop_op::webrtc_answer:
    case shop_op::webrtc_ice_candidate: return webrtc_relay(m, cmd);
    case shop_op::webrtc_broadcast_start: return broadcast_start(m);
    case shop_op::webrtc_broadcast_stop: return broadcast_stop(m);
    default: return fail(m, shop_error::invalid_payload, "Not a stream message");
  }
}

shop_reply shop_stream_state::control(const shop_command& cmd) {
  if (stopping)
    return {shop_error::unavailable, std::string{text_of(shop_error::unavailable)}};
  switch (cmd.op) {
    case shop_op::stream_start: {
      if (durable.active)
        return {shop_error::stream_already_live, std::string{text_of(shop_error::stream_already_live)}};
      char hex[25];
      std::snprintf(hex, sizeof hex, "%08llx%016llx", static_cast<unsigned long long>(now_ms() / 1000) & 0xffffffffULL,
                    static_cast<unsigned long long>(rng()));
      shop_stream_durable d;
      d.active = true;
      d.stream_id = hex;
      d.title = cmd.stream.title;
      d.description = cmd.stream.description;
      d.stream_url = cmd.stream.stream_url;
      d.quality = cmd.stream.quality.empty() ? "720p" : cmd.stream.quality;
      d.start_time = iso_time(now_ms());
      d.chat_from_seq = history.last_seq() + 1;
      durable = std::move(d);
      liked.clear();
      std::vector<persistence::stored_message> none;
      history.restore(none, history.last_seq()); // a new stream, a new chat
      life.persist_now();
      broadcast(render_stream_started(view()));
      return {shop_error::none, public_state()};
    }
    case shop_op::stream_stop: {
      if (!durable.active)
        return {shop_error::no_active_stream, std::string{text_of(shop_error::no_active_stream)}};
      auto stopped_id = durable.stream_id;
      auto next_chat = history.last_seq() + 1;
      durable = shop_stream_durable{}; // the contract: reset when the stream stops
      durable.chat_from_seq = next_chat;
      liked.clear();
      std::vector<persistence::stored_message> none;
      history.restore(none, history.last_seq());
      life.persist_now();
      broadcast(render_stream_stopped(stopped_id));
      json_writer w;
      w.str("streamId", stopped_id).boolean("isActive", false);
      return {shop_error::none, w.done()};
    }
    case shop_op::pin_products: {
      if (!durable.active)
        return {shop_error::no_active_stream, std::string{text_of(shop_error::no_active_stream)}};
      durable.pinned = cmd.payload;
      life.persist_now();
      broadcast(render_pinned_products(durable.pinned));
      json_writer w;
      w.raw("pinnedProducts", durable.pinned);
      return {shop_error::none, w.done()};
    }
    default: return {shop_error::invalid_payload, "Not a stream control"};
  }
}

// -- one handler per wire operation ---------------------------------------------

void shop_stream_state::toggle_like(stream_member& m) {
  if (!durable.active)
    return fail(m, shop_error::no_active_stream);
  auto& key = m.who.identity;
  if (liked.erase(key))
    durable.liked_by.erase(std::find(durable.liked_by.begin(), durable.liked_by.end(), key));
  else {
    liked.insert(key);
    durable.liked_by.push_back(key);
  }
  life.persist_now(); // the count everyone sees is on disk first
  broadcast(render_stream_update(viewers(), durable.liked_by));
}

void shop_stream_state::chat(stream_member& m, const shop_command& cmd) {
  if (!durable.active)
    return fail(m, shop_error::no_active_stream);
  // Identity from the connection: an admin's name is its token's; a
  // customer's is its token's, else what it asked for.
  std::string username = !m.who.name.empty()    ? m.who.name
                         : m.who.admin          ? std::string{"Admin"}
                         : !cmd.username.empty() ? cmd.username
                                                 : std::string{"Guest"};
  auto ts = now_ms();
  auto body = render_shop_chat_body(username, cmd.text, m.who.admin, iso_time(ts), cfg.escape_html);
  auto frame = render_shop_chat(body);
  auto seq = history.next_seq();
  auto sender = m.who.link;
  auto owner = history.append(self, life, out, seq, "chat_" + std::to_string(seq), ts, std::move(body), [sender] {
    sender->send(render_shop_error(shop_error::unavailable, "Message not saved; send it again"));
  });
  out.emit(links.all(), frame, nullptr, owner);
}

void shop_stream_state::notice(const std::string& text) {
  auto ts = now_ms();
  auto body = render_shop_chat_body("Server", text, true, iso_time(ts), cfg.escape_html);
  auto frame = render_shop_chat(body);
  auto seq = history.next_seq();
  auto owner = history.append(self, life, out, seq, "chat_" + std::to_string(seq), ts, std::move(body),
                              [] { spdlog::warn("shop: a server notice was not saved"); });
  out.emit(links.all(), frame, nullptr, owner);
}

void shop_stream_state::webrtc_register(stream_member& m, const std::string& peer_id) {
  auto i = peers.find(peer_id);
  if (i != peers.end() && i->second != m.conn.address())
    return fail(m, shop_error::peer_id_in_use);
  if (!m.peer_id.empty() && m.peer_id != peer_id) {
    peers.erase(m.peer_id);
    if (broadcaster == m.peer_id) {
      out.emit(customer_links.all(), render_broadcaster("webrtc_broadcast_stopped", broadcaster));
      broadcaster.clear();
    }
  }
  m.peer_id = peer_id;
  peers[peer_id] = m.conn.address();
  // The peer's type is what the connection is, whatever userType claimed.
  out.emit_one(m.who.link, render_webrtc_registered(peer_id, m.who.admin ? "admin" : "customer"));
  if (m.who.admin || broadcaster.empty())
    return;
  if (auto b = peers.find(broadcaster); b != peers.end())
    out.emit_one(members.at(b->second).who.link, render_new_customer(peer_id));
  out.emit_one(m.who.link, render_broadcaster("webrtc_broadcaster_available", broadcaster));
}

void shop_stream_state::webrtc_relay(stream_member& m, const shop_command& cmd) {
  if (m.peer_id.empty())
    return fail(m, shop_error::webrtc_not_registered);
  auto t = peers.find(cmd.to);
  if (t == peers.end())
    return fail(m, shop_error::peer_not_found, "No such peer: " + cmd.to);
  out.emit_one(members.at(t->second).who.link, render_webrtc_relay(cmd.op, m.peer_id, cmd.to, cmd.payload));
}

void shop_stream_state::broadcast_start(stream_member& m) {
  if (!m.who.admin)
    return fail(m, shop_error::admin_only);
  if (m.peer_id.empty())
    return fail(m, shop_error::webrtc_not_registered);
  broadcaster = m.peer_id;
  out.emit(customer_links.all(), render_broadcaster("webrtc_broadcaster_available", broadcaster));
  // Customers already waiting are new to this broadcaster.
  for (auto& [addr, other] : members)
    if (!other.who.admin && !other.peer_id.empty())
      out.emit_one(m.who.link, render_new_customer(other.peer_id));
}

void shop_stream_state::broadcast_stop(stream_member& m) {
  if (!m.who.admin)
    return fail(m, shop_error::admin_only);
  if (m.peer_id.empty() || broadcaster != m.peer_id)
    return fail(m, shop_error::invalid_payload, "No broadcast of this connection to stop");
  out.emit(customer_links.all(), render_broadcaster("webrtc_broadcast_stopped", broadcaster));
  broadcaster.clear();
}

// -- helpers ----------------------------------------------------------------------

stream_view shop_stream_state::view() const {
  stream_view v;
  v.active = durable.active;
  v.stream_id = durable.stream_id;
  v.title = durable.title;
  v.description = durable.description;
  v.start_time = durable.start_time;
  v.viewer_count = durable.active ? viewers() : 0;
  v.liked_by = &durable.liked_by;
  v.stream_url = durable.stream_url;
  v.quality = durable.quality;
  v.pinned_json = durable.pinned;
  return v;
}

std::string shop_stream_state::public_state() const {
  return render_stream_data(view(), true);
}

std::string shop_stream_state::describe() const {
  json_writer w;
  w.str("kind", "shop_stream").str("id", id).boolean("isActive", durable.active).str("streamId", durable.stream_id);
  w.unum("viewerCount", viewers()).unum("members", members.size()).unum("likes", durable.liked_by.size());
  w.str("broadcaster", broadcaster).array("peers");
  for (auto& [p, addr] : peers)
    w.element_str(p);
  w.end_array();
  w.unum("historySize", history.size()).unum("lastSeq", history.last_seq());
  w.num("lastSnapshotMs", life.last_snapshot_ms()).unum("pendingWrites", out.pending_writes());
  w.unum("queuedFrames", out.queued_frames());
  return w.done();
}

void shop_stream_state::fail(const stream_member& m, shop_error code, std::string_view message) {
  out.emit_one(m.who.link, render_shop_error(code, message));
}

void shop_stream_state::on_loaded(persistence::room_record& rec) {
  if (rec.found) {
    auto snap = rec.kind == snapshot_kind && rec.version == snapshot_version ? decode_stream_snapshot(rec.state)
                                                                             : std::nullopt;
    if (snap) {
      durable = std::move(*snap);
    } else {
      spdlog::error("shop stream {}: snapshot cannot be decoded; quarantined, the stream starts stopped", id);
      life.quarantine("undecodable shop stream snapshot");
    }
  }
  liked = {durable.liked_by.begin(), durable.liked_by.end()};
  // Only the live stream's chat comes back.
  std::erase_if(rec.history, [this](auto& m) { return m.seq < durable.chat_from_seq; });
  history.restore(rec.history, rec.last_seq);
}

// -- behavior -----------------------------------------------------------------------

caf::behavior shop_stream(caf::stateful_actor<shop_stream_state>* self, std::string id, shop_stream_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.id = std::move(id);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.leave(dm.source); });
  st.history.set_limit(st.cfg.history_limit);
  st.life.init(self, std::string{snapshot_kind}, st.id, st.cfg.life, st.out,
               [self] { return std::make_pair(snapshot_version, encode_stream_snapshot(self->state.durable)); });
  st.life.load(static_cast<std::uint32_t>(st.cfg.history_limit),
               [self](persistence::room_record& rec) { self->state.on_loaded(rec); });
  st.life.maybe_idle(true);
  return {
    [self](enter_atom, shop_member& who) { self->state.enter(std::move(who)); },
    [self](const shop_command& cmd) { self->state.handle(cmd); },
    [self](control_atom, const shop_command& cmd) { return self->state.control(cmd); },
    [self](state_atom) { return self->state.public_state(); },
    [self](leave_atom) { self->state.leave(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
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
    [self](close_atom, std::uint16_t code, const std::string& reason) {
      // Closed by an operator: everyone is told, the state stays stored.
      auto& st = self->state;
      st.stopping = true;
      for (auto& l : *st.links.all())
        st.out.close_one(l, code, reason);
      st.life.passivate();
      return true;
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
