#include "actors/registry.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <memory>

#include "persistence/persistence_messages.hpp"

namespace roomcast {

caf::behavior registry(caf::stateful_actor<registry_state>* self, conference_room_config room_cfg,
                       std::chrono::milliseconds retention, std::chrono::milliseconds sweep_period) {
  self->state.room_cfg = std::move(room_cfg);
  self->state.room_cfg.registry = self->address();
  self->state.retention = retention;
  bool sweeping = self->state.room_cfg.persistence && retention.count() > 0;
  if (sweeping)
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
    [self](room_atom, const std::string& id) -> caf::result<caf::actor> {
      if (self->state.stopping)
        return caf::make_error(caf::sec::runtime_error, "shutting down");
      auto& rooms = self->state.rooms;
      if (auto i = rooms.find(id); i != rooms.end())
        return i->second;
      auto room = self->spawn(conference_room, id, self->state.room_cfg);
      self->monitor(room);
      rooms.emplace(id, room);
      return room;
    },
    [self](passivate_atom, const std::string& id) {
      auto& rooms = self->state.rooms;
      auto i = rooms.find(id);
      if (i != rooms.end() && i->second.address() == self->current_sender()->address()) {
        self->demonitor(i->second);
        rooms.erase(i);
      }
      return true;
    },
    [self, sweep_period](sweep_atom) {
      auto& st = self->state;
      auto cutoff = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch() - st.retention)
                      .count();
      self->request(st.room_cfg.persistence, std::chrono::seconds(60), persistence::expire_atom::value, cutoff)
        .then(
          [](std::uint64_t n) {
            if (n > 0)
              spdlog::info("retention: deleted {} rooms unused since before the cutoff", n);
          },
          [self](caf::error& err) { spdlog::error("retention sweep failed: {}", self->system().render(err)); });
      self->delayed_send(self, sweep_period, sweep_atom::value);
    },
    [self](describe_atom) {
      std::string out = "{\"kind\":\"registry\",\"rooms\":[";
      bool first = true;
      for (auto& [id, room] : self->state.rooms) {
        if (!first)
          out += ',';
        first = false;
        append_json_string(out, id);
      }
      return out + "]}";
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
