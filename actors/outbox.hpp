#pragma once
// Holds a room's outgoing frames behind writes that have not committed, so
// no client sees state that is not yet on disk, and order is kept.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "wire/client_link.hpp"

namespace roomcast {

/// The recipients of a broadcast. Shared, so a frame held behind a write
/// keeps one reference to the list instead of one per recipient.
using link_list = std::vector<client_link_ptr>;
using shared_link_list = std::shared_ptr<const link_list>;

class outbox {
public:
  /// Marks a write as started; frames emitted from now on wait for it.
  std::uint64_t begin_write() {
    entries_.push_back(entry{++last_write_, 0, false, {}, {}});
    return last_write_;
  }

  /// The write `id` committed: releases everything that waited only for it.
  void commit(std::uint64_t id) { settle(id, false); }

  /// The write `id` failed: frames it owns are dropped, the rest released.
  void fail(std::uint64_t id) { settle(id, true); }

  /// Sends `frame` to every link but `except`, now or behind pending writes.
  /// `owner`: the write whose failure cancels this frame (0: none). The list
  /// must not change while shared: its owner copies it on write.
  void emit(const shared_link_list& links, const wire_frame_ptr& frame, const client_link* except = nullptr,
            std::uint64_t owner = 0) {
    if (entries_.empty()) {
      for (auto& l : *links)
        if (l.get() != except)
          l->send(frame);
      return;
    }
    entry e{0, owner, true, frame, {}};
    e.shared = links;
    e.except = except;
    entries_.push_back(std::move(e));
  }

  void emit(const link_list& links, const wire_frame_ptr& frame, const client_link* except = nullptr,
            std::uint64_t owner = 0) {
    emit(std::make_shared<const link_list>(links), frame, except, owner);
  }

  void emit_one(const client_link_ptr& link, const wire_frame_ptr& frame, std::uint64_t owner = 0) {
    if (entries_.empty())
      link->send(frame);
    else
      entries_.push_back(entry{0, owner, true, frame, {link}});
  }

  /// Closes `link` after everything emitted before, in order.
  void close_one(const client_link_ptr& link, std::uint16_t code, std::string reason) {
    if (entries_.empty())
      return link->close(code, std::move(reason));
    entry e{0, 0, true, nullptr, {link}};
    e.close_code = code;
    e.close_reason = std::move(reason);
    entries_.push_back(std::move(e));
  }

  std::size_t pending_writes() const {
    std::size_t n = 0;
    for (auto& e : entries_)
      n += e.write_id != 0 && !e.done;
    return n;
  }

  std::size_t queued_frames() const {
    std::size_t n = 0;
    for (auto& e : entries_)
      n += e.write_id == 0;
    return n;
  }

private:
  struct entry {
    std::uint64_t write_id = 0; ///< 0: a delivery
    std::uint64_t owner = 0;    ///< deliveries: the write that must succeed
    bool done = false;
    wire_frame_ptr frame;       ///< null: close the links instead
    std::vector<client_link_ptr> links = {}; ///< single deliveries and closes
    shared_link_list shared = {};            ///< broadcasts
    const client_link* except = nullptr;
    std::uint16_t close_code = 0;
    std::string close_reason = {};
  };

  void settle(std::uint64_t id, bool failed) {
    for (auto& e : entries_) {
      if (e.write_id == id) {
        e.done = true;
        // Frames it owns come after it and matter only if it failed: a
        // commit stops here, so a long queue is not walked once per commit.
        if (!failed)
          break;
      } else if (failed && e.write_id == 0 && e.owner == id) {
        e.links.clear();
        e.shared.reset();
      }
    }
    while (!entries_.empty() && entries_.front().done) {
      auto& e = entries_.front();
      for (auto& l : e.links) {
        if (e.frame)
          l->send(e.frame);
        else
          l->close(e.close_code, e.close_reason);
      }
      if (e.shared)
        for (auto& l : *e.shared)
          if (l.get() != e.except)
            l->send(e.frame);
      entries_.pop_front();
    }
  }

  std::deque<entry> entries_;
  std::uint64_t last_write_ = 0;
};

} // namespace roomcast
