#include "actors/registry.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <memory>

#include "actors/message_types.hpp"
#include "persistence/persistence_messages.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

namespace {

using reg_actor = caf::stateful_actor<registry_state>;

constexpr auto persistence_timeout = std::chrono::seconds(10);

caf::actor start_room(reg_actor* self, const room_kind& kind, const std::string& id) {
  auto room = kind.spawn(self->system(), id, self->address());
  self->monitor(room);
  self->state.rooms.emplace(room_key(kind.name, id), room);
  return room;
}

} // namespace

caf::behavior registry(reg_actor* self, std::vector<room_kind> kinds, caf::actor persistence,
                       std::chrono::milliseconds sweep_period) {
  auto& st = self->state;
  for (auto& k : kinds)
    st.kinds.emplace(k.name, std::move(k));
  st.persistence = std::move(persistence);
  if (st.persistence && sweep_period.count() > 0)
    self->send(self, sweep_atom::value);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& rooms = self->state.rooms;
    for (auto i = rooms.begin(); i != rooms.end(); ++i)
      if (i->second.address() == dm.source) {
        if (dm.reason)
          spdlog::warn("room {} stopped: {}", i->first, self->system().render(dm.reason));
        rooms.erase(i);
        return;
      }
  });
  return {
    [self](room_atom, const std::string& kind, const std::string& id) -> caf::result<caf::actor> {
      auto& st = self->state;
      if (st.stopping)
        return make_error(registry_error::shutting_down);
      auto k = st.kinds.find(kind);
      if (k == st.kinds.end())
        return make_error(registry_error::no_such_kind, kind);
      if (auto i = st.rooms.find(room_key(kind, id)); i != st.rooms.end())
        return i->second;
      return start_room(self, k->second, id);
    },
    [self](find_atom, const std::string& kind, const std::string& id) -> caf::result<caf::actor> {
      auto& st = self->state;
      if (st.stopping)
        return make_error(registry_error::shutting_down);
      auto k = st.kinds.find(kind);
      if (k == st.kinds.end())
        return make_error(registry_error::no_such_kind, kind);
      auto key = room_key(kind, id);
      if (auto i = st.rooms.find(key); i != st.rooms.end())
        return i->second;
      if (!st.persistence || !k->second.resumable)
        return make_error(registry_error::no_such_room, key);
      // Not live: it exists if it is stored, and then it resumes.
      auto rp = self->make_response_promise<caf::actor>();
      self->request(st.persistence, persistence_timeout, persistence::keys_atom::value, kind)
        .then(
          [self, rp, kind, id, key](const std::vector<std::string>& keys) mutable {
            auto& st = self->state;
            if (auto i = st.rooms.find(key); i != st.rooms.end())
              rp.deliver(i->second); // started meanwhile
            else if (st.stopping || std::find(keys.begin(), keys.end(), key) == keys.end())
              rp.deliver(make_error(registry_error::no_such_room, key));
            else
              rp.deliver(start_room(self, st.kinds.at(kind), id));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](list_atom, const std::string& kind) {
      std::vector<std::string> ids;
      auto prefix = kind + ":";
      for (auto& [key, room] : self->state.rooms)
        if (key.compare(0, prefix.size(), prefix) == 0)
          ids.push_back(key.substr(prefix.size()));
      std::sort(ids.begin(), ids.end());
      return ids;
    },
    [self](list_atom, const std::string& kind, bool stored) -> caf::result<std::vector<std::string>> {
      std::vector<std::string> ids;
      auto prefix = kind + ":";
      for (auto& [key, room] : self->state.rooms)
        if (key.compare(0, prefix.size(), prefix) == 0)
          ids.push_back(key.substr(prefix.size()));
      if (!stored || !self->state.persistence) {
        std::sort(ids.begin(), ids.end());
        return ids;
      }
      auto rp = self->make_response_promise<std::vector<std::string>>();
      self->request(self->state.persistence, persistence_timeout, persistence::keys_atom::value, kind)
        .then(
          [rp, ids, prefix](const std::vector<std::string>& keys) mutable {
            for (auto& k : keys)
              if (k.compare(0, prefix.size(), prefix) == 0)
                ids.push_back(k.substr(prefix.size()));
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            rp.deliver(std::move(ids));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](describe_atom, const std::string& kind, const std::string& id) -> caf::result<std::string> {
      auto i = self->state.rooms.find(room_key(kind, id));
      if (i == self->state.rooms.end())
        return make_error(registry_error::no_such_room, room_key(kind, id));
      auto rp = self->make_response_promise<std::string>();
      self->request(i->second, persistence_timeout, describe_atom::value)
        .then([rp](std::string& s) mutable { rp.deliver(std::move(s)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](passivate_atom, const std::string& kind, const std::string& id) {
      auto& rooms = self->state.rooms;
      auto i = rooms.find(room_key(kind, id));
      if (i != rooms.end() && i->second.address() == self->current_sender()->address()) {
        self->demonitor(i->second);
        rooms.erase(i);
      }
      return true;
    },
    [self, sweep_period](sweep_atom) {
      auto& st = self->state;
      auto now = std::chrono::system_clock::now().time_since_epoch();
      for (auto& [name, kind] : st.kinds) {
        if (kind.retention.count() <= 0)
          continue;
        auto cutoff = std::chrono::duration_cast<std::chrono::milliseconds>(now - kind.retention).count();
        self->request(st.persistence, std::chrono::seconds(60), persistence::expire_atom::value, name, cutoff)
          .then(
            [name = name](std::uint64_t n) {
              if (n > 0)
                spdlog::info("retention: deleted {} {} rooms unused since before the cutoff", n, name);
            },
            [self](caf::error& err) { spdlog::error("retention sweep failed: {}", self->system().render(err)); });
      }
      self->delayed_send(self, sweep_period, sweep_atom::value);
    },
    [self](describe_atom) {
      std::unordered_map<std::string, std::size_t> counts;
      for (auto& [name, kind] : self->state.kinds)
        counts[name] = 0;
      for (auto& [key, room] : self->state.rooms)
        ++counts[key.substr(0, key.find(':'))];
      json_writer w;
      w.str("kind", "registry").str("id", "registry").object("roomsByKind");
      for (auto& [name, n] : counts)
        w.unum(name, n);
      w.end_object().array("rooms");
      for (auto& [key, room] : self->state.rooms)
        w.element_str(key);
      w.end_array();
      return w.done();
    },
    [self](shutdown_atom) -> caf::result<stopped_atom> {
      // Every room snapshots and closes its clients; answer when all did.
      auto rp = self->make_response_promise<stopped_atom>();
      self->state.stopping = true;
      auto rooms = std::move(self->state.rooms);
      self->state.rooms.clear();
      if (rooms.empty()) {
        rp.deliver(stopped_atom::value);
        return rp;
      }
      auto remaining = std::make_shared<std::size_t>(rooms.size());
      for (auto& [id, room] : rooms) {
        self->demonitor(room);
        auto done = [rp, remaining]() mutable {
          if (--*remaining == 0)
            rp.deliver(stopped_atom::value);
        };
        self->request(room, std::chrono::seconds(15), shutdown_atom::value)
          .then([done](stopped_atom) mutable { done(); }, [done](caf::error&) mutable { done(); });
      }
      return rp;
    },
  };
}

} // namespace roomcast
