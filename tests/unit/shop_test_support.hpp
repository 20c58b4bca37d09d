#pragma once
// Shared by the shop unit tests: a persistence stand-in that holds writes
// until told to commit, and reading shop frames (`{type, ...}`) off a fake link.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/all.hpp>

#include <deque>
#include <string>
#include <vector>

#include "fake_link.hpp"
#include "persistence/persistence_messages.hpp"

namespace roomcast::test {

struct shop_store_state {
  persistence::room_record to_load;
  std::vector<persistence::stored_message> appended;
  std::vector<std::string> snapshots;
  std::vector<caf::response_promise> pending;
};

inline caf::behavior shop_store(caf::stateful_actor<shop_store_state>* self) {
  namespace p = persistence;
  return {
    [self](p::load_atom, const std::string&, std::uint32_t) { return self->state.to_load; },
    [self](p::page_atom, const std::string&, std::uint64_t before, std::uint32_t limit) {
      std::vector<p::stored_message> out;
      for (auto& m : self->state.appended)
        if (m.seq < before)
          out.push_back(m);
      if (out.size() > limit)
        out.erase(out.begin(), out.end() - limit);
      return out;
    },
    [self](p::quarantine_atom, const std::string&, const std::string&) { return p::committed_atom::value; },
    [self](p::append_atom, const std::string&, p::stored_message& m) {
      self->state.appended.push_back(m);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](p::snapshot_atom, const std::string&, const std::string&, std::int32_t, const std::string& state) {
      self->state.snapshots.push_back(state);
      self->state.pending.push_back(self->make_response_promise());
    },
    [self](caf::ok_atom) {
      for (auto& rp : self->state.pending)
        rp.deliver(p::committed_atom::value);
      self->state.pending.clear();
    },
  };
}

/// Message types received, in order.
inline std::vector<std::string> types(const fake_link& l) {
  std::vector<std::string> out;
  for (auto& f : l.frames)
    out.emplace_back(boost::json::parse(f).at("type").as_string());
  return out;
}

inline std::size_t count(const fake_link& l, std::string_view type) {
  std::size_t n = 0;
  for (auto& t : types(l))
    n += t == type;
  return n;
}

/// Keeps parsed frames alive for the whole test: CAF's check macros hold
/// references to their operands (`.as_string()` of a temporary dangles).
inline const boost::json::value& keep(boost::json::value v) {
  static std::deque<boost::json::value> arena;
  return arena.emplace_back(std::move(v));
}

/// The last frame of `type`, or null.
inline const boost::json::value& last(const fake_link& l, std::string_view type) {
  for (auto i = l.frames.rbegin(); i != l.frames.rend(); ++i) {
    auto v = boost::json::parse(*i);
    if (v.at("type").as_string() == type)
      return keep(std::move(v));
  }
  return keep(nullptr);
}

} // namespace roomcast::test
