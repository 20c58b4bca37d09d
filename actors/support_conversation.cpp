#include "actors/support_conversation.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin_group.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

constexpr std::string_view snapshot_kind = "shop_support";
constexpr std::int32_t snapshot_version = 1;
constexpr auto lookup_timeout = std::chrono::seconds(10);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

// -- membership -----------------------------------------------------------------

void support_conversation_state::enter(shop_member who) {
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  if (stopping || !conn || customers.count(conn.address()))
    return;
  self->monitor(conn);
  customers.emplace(conn.address(), who.link);
  links.add(who.link);
  life.touch();
  if (durable.queued.empty())
    return;
  // Replies that waited for the customer: delivered in order, then forgotten
  // (on disk first, so a crash cannot deliver them twice... or lose them).
  for (auto& f : durable.queued)
    out.emit_one(who.link, make_text_frame(f));
  durable.queued.clear();
  life.persist_now();
}

void support_conversation_state::leave(const caf::actor_addr& conn) {
  auto i = customers.find(conn);
  if (i == customers.end() || stopping)
    return;
  if (auto c = caf::actor_cast<caf::actor>(conn))
    self->demonitor(c);
  links.remove(i->second);
  customers.erase(i);
  life.maybe_idle(customers.empty());
}

// -- messages -------------------------------------------------------------------

void support_conversation_state::customer_message(const shop_command& cmd) {
  auto sender_addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
  auto sender = customers.find(sender_addr);
  if (sender == customers.end() || stopping)
    return;
  auto sender_link = sender->second;
  auto registry = caf::actor_cast<caf::actor>(cfg.life.registry);
  if (!registry)
    return;
  // The admin group is found per message (it is the registry's to place).
  self->request(registry, lookup_timeout, room_atom::value, cfg.admin_kind, cfg.admin_id)
    .then(
      [this, cmd, sender_link](caf::actor admins) {
        if (!cmd.customer_name.empty())
          durable.customer_name = cmd.customer_name;
        auto name = durable.customer_name.empty()
                      ? "Customer #" + session_id.substr(session_id.size() > 5 ? session_id.size() - 5 : 0)
                      : durable.customer_name;
        auto ts = now_ms();
        auto stamp = iso_time(ts);
        auto seq = history.next_seq();
        auto body = render_support_entry(seq, "customer", cmd.text, name, stamp, cfg.escape_html);
        durable.last_message = body;
        ++durable.unread;
        auto owner = history.append(self, life, out, seq, "support_" + std::to_string(seq), ts, std::move(body),
                                    [sender_link] {
                                      sender_link->send(render_shop_error(shop_error::unavailable,
                                                                          "Message not saved; send it again"));
                                    });
        life.persist_now();
        out.emit_one(make_admin_group_link(std::move(admins)),
                     render_customer_message(session_id, cmd.text, name, stamp, cfg.escape_html), owner);
      },
      [this, sender_link](caf::error& err) {
        spdlog::warn("support {}: admin group not reachable: {}", session_id, self->system().render(err));
        sender_link->send(render_shop_error(shop_error::unavailable));
      });
}

shop_reply support_conversation_state::staff_message(const shop_command& cmd) {
  if (stopping)
    return {shop_error::unavailable, std::string{text_of(shop_error::unavailable)}};
  auto ts = now_ms();
  auto stamp = iso_time(ts);
  auto seq = history.next_seq();
  auto body = render_support_entry(seq, "staff", cmd.text, cmd.auth_name, stamp, cfg.escape_html);
  durable.last_message = body;
  durable.unread = 0; // the staff answered
  auto frame = render_staff_reply(cmd.text, stamp, cfg.escape_html);
  auto owner = history.append(self, life, out, seq, "support_" + std::to_string(seq), ts, body, {});
  if (links.size() == 0)
    durable.queued.emplace_back(frame->payload());
  life.persist_now();
  if (links.size() > 0)
    out.emit(links.all(), frame, nullptr, owner);
  json_writer w;
  w.str("sessionId", session_id).boolean("delivered", links.size() > 0).raw("message", body);
  return {shop_error::none, w.done()};
}

void support_conversation_state::messages(std::uint32_t page, std::uint32_t limit,
                                          caf::typed_response_promise<shop_reply> rp) {
  // Page 1 is the oldest `limit` messages; sequence numbers run 1..total.
  auto total = history.last_seq();
  auto first = std::uint64_t{page - 1} * limit + 1;
  auto before = first + limit;
  auto answer = [this, page, limit, total](std::vector<const std::string*> bodies) {
    json_writer w;
    w.str("sessionId", session_id).unum("page", page).unum("limit", limit).unum("total", total);
    w.unum("pages", (total + limit - 1) / limit).array("messages");
    for (auto* b : bodies)
      w.element_raw(*b);
    w.end_array();
    return shop_reply{shop_error::none, w.done()};
  };
  durable.unread = 0; // an admin read the thread
  life.persist_later();
  auto& mem = history.entries();
  if (!life.stored() || first > total || (!mem.empty() && mem.front().seq <= first)) {
    std::vector<const std::string*> bodies;
    for (auto& e : mem)
      if (e.seq >= first && e.seq < before)
        bodies.push_back(&e.body);
    rp.deliver(answer(std::move(bodies)));
    return;
  }
  self->request(life.persistence(), lookup_timeout, persistence::page_atom::value, life.key(), before, limit)
    .then(
      [answer, first, rp](std::vector<persistence::stored_message>& msgs) mutable {
        std::vector<const std::string*> bodies;
        for (auto& m : msgs)
          if (m.seq >= first)
            bodies.push_back(&m.body);
        rp.deliver(answer(std::move(bodies)));
      },
      [rp](caf::error&) mutable {
        rp.deliver(shop_reply{shop_error::unavailable, std::string{text_of(shop_error::unavailable)}});
      });
}

std::string support_conversation_state::summary() const {
  json_writer w;
  w.str("sessionId", session_id).str("customerName", durable.customer_name);
  if (durable.last_message.empty())
    w.null("lastMessage");
  else
    w.raw("lastMessage", durable.last_message);
  w.unum("unreadCount", durable.unread).unum("messageCount", history.last_seq());
  w.boolean("online", !customers.empty()).unum("queuedReplies", durable.queued.size());
  return w.done();
}

std::string support_conversation_state::describe() const {
  json_writer w;
  w.str("kind", "shop_support").str("id", session_id).unum("connections", customers.size());
  w.unum("unreadCount", durable.unread).unum("queuedReplies", durable.queued.size());
  w.unum("historySize", history.size()).unum("lastSeq", history.last_seq());
  w.unum("pendingWrites", out.pending_writes()).unum("queuedFrames", out.queued_frames());
  return w.done();
}

void support_conversation_state::on_loaded(persistence::room_record& rec) {
  if (rec.found) {
    auto snap = rec.kind == snapshot_kind && rec.version == snapshot_version ? decode_support_snapshot(rec.state)
                                                                             : std::nullopt;
    if (snap)
      durable = std::move(*snap);
    else {
      spdlog::error("support {}: snapshot cannot be decoded; quarantined", session_id);
      life.quarantine("undecodable support snapshot");
    }
  }
  history.restore(rec.history, rec.last_seq);
}

// -- behavior -----------------------------------------------------------------------

caf::behavior support_conversation(caf::stateful_actor<support_conversation_state>* self, std::string session_id,
                                   support_conversation_config cfg) {
  auto& st = self->state;
  st.self = self;
  st.session_id = std::move(session_id);
  st.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) { self->state.leave(dm.source); });
  st.history.set_limit(st.cfg.history_limit);
  st.life.init(self, std::string{snapshot_kind}, st.session_id, st.cfg.life, st.out,
               [self] { return std::make_pair(snapshot_version, encode_support_snapshot(self->state.durable)); });
  st.life.load(static_cast<std::uint32_t>(st.cfg.history_limit),
               [self](persistence::room_record& rec) { self->state.on_loaded(rec); });
  st.life.maybe_idle(true);
  return {
    [self](enter_atom, shop_member& who) { self->state.enter(std::move(who)); },
    [self](const shop_command& cmd) {
      if (cmd.op == shop_op::customer_message)
        self->state.customer_message(cmd);
    },
    [self](control_atom, const shop_command& cmd) -> shop_reply {
      if (cmd.op != shop_op::staff_message)
        return {shop_error::invalid_payload, "Not a support control"};
      return self->state.staff_message(cmd);
    },
    [self](messages_atom, std::uint32_t page, std::uint32_t limit) -> caf::result<shop_reply> {
      auto rp = self->make_response_promise<shop_reply>();
      self->state.messages(std::max<std::uint32_t>(page, 1), std::max<std::uint32_t>(limit, 1), rp);
      return rp;
    },
    [self](summary_atom) { return self->state.summary(); },
    [self](leave_atom) { self->state.leave(caf::actor_cast<caf::actor_addr>(self->current_sender())); },
    [self](persist_atom) { self->state.life.on_persist(); },
    [self](refresh_atom) { self->state.life.on_refresh(!self->state.customers.empty()); },
    [self](idle_atom, std::uint64_t generation) {
      self->state.life.on_idle(generation, self->state.customers.empty());
    },
    [self](shutdown_atom) -> caf::result<stopped_atom> {
      self->state.stopping = true;
      return self->state.life.shutdown();
    },
    [self](describe_atom) { return self->state.describe(); },
  };
}

} // namespace roomcast
