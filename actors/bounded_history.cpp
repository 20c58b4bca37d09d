#include "actors/bounded_history.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace roomcast {

void bounded_history::restore(std::vector<persistence::stored_message>& stored, std::uint64_t stored_last_seq) {
  entries_.clear();
  for (auto& m : stored)
    entries_.push_back({m.seq, std::move(m.body)});
  while (entries_.size() > limit_)
    entries_.pop_front();
  advance_to(stored_last_seq);
}

std::uint64_t bounded_history::append(caf::event_based_actor* self, durable_lifecycle& life, outbox& out,
                                      std::uint64_t seq, std::string id, std::int64_t ts_ms, std::string body,
                                      std::function<void()> on_fail) {
  entries_.push_back({seq, body});
  while (entries_.size() > limit_)
    entries_.pop_front();
  if (!life.stored())
    return 0;
  auto owner = out.begin_write();
  self
    ->request(life.persistence(), caf::infinite, persistence::append_atom::value, life.key(),
              persistence::stored_message{seq, std::move(id), ts_ms, std::move(body)})
    .then([&out, owner](persistence::committed_atom) { out.commit(owner); },
          [this, self, &life, &out, owner, seq, on_fail](caf::error& err) {
            spdlog::error("{}: message {} not stored: {}", life.key(), seq, self->system().render(err));
            out.fail(owner);
            entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [seq](auto& h) { return h.seq == seq; }),
                           entries_.end());
            if (on_fail)
              on_fail();
          });
  return owner;
}

std::vector<const std::string*> bounded_history::bodies() const {
  std::vector<const std::string*> out;
  out.reserve(entries_.size());
  for (auto& h : entries_)
    out.push_back(&h.body);
  return out;
}

} // namespace roomcast
