#pragma once
// The rooms one connection belongs to (a shop customer is in the live
// stream and in its support conversation at once). Each room is monitored;
// on disconnect the connection leaves them all.

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <string>
#include <vector>

#include "actors/message_types.hpp"

namespace roomcast {

class memberships {
public:
  struct entry {
    std::string kind;
    std::string id;
    caf::actor room;
  };

  /// Records and monitors `room` (a room joined twice is kept once).
  void add(caf::event_based_actor* self, std::string kind, std::string id, caf::actor room) {
    if (find(room.address()))
      return;
    self->monitor(room);
    rooms_.push_back({std::move(kind), std::move(id), std::move(room)});
  }

  const entry* find(const caf::actor_addr& room) const {
    for (auto& e : rooms_)
      if (e.room.address() == room)
        return &e;
    return nullptr;
  }

  const entry* find(const std::string& kind, const std::string& id) const {
    for (auto& e : rooms_)
      if (e.kind == kind && e.id == id)
        return &e;
    return nullptr;
  }

  /// Forgets `room` (it stopped, or the client left it); false if unknown.
  bool remove(caf::event_based_actor* self, const caf::actor_addr& room) {
    for (auto i = rooms_.begin(); i != rooms_.end(); ++i)
      if (i->room.address() == room) {
        self->demonitor(i->room);
        rooms_.erase(i);
        return true;
      }
    return false;
  }

  /// Tells every room this connection leaves, and forgets them.
  void leave_all(caf::event_based_actor* self) {
    for (auto& e : rooms_) {
      self->demonitor(e.room);
      self->send(e.room, leave_atom::value);
    }
    rooms_.clear();
  }

  const std::vector<entry>& all() const noexcept { return rooms_; }
  bool empty() const noexcept { return rooms_.empty(); }

private:
  std::vector<entry> rooms_;
};

} // namespace roomcast
