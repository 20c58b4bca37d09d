#include "gateway/connection_table.hpp"

#include <algorithm>

namespace roomcast {

std::uint64_t connection_table::add(std::weak_ptr<transport_session> session, std::string remote, std::string path) {
  std::lock_guard lk(mu_);
  if (entries_.size() >= prune_at_) {
    prune_locked();
    prune_at_ = 2 * entries_.size() + 64; // amortized: a prune per doubling
  }
  auto id = next_id_++;
  entries_.emplace(id, entry{id, std::move(remote), std::move(path), clock::now(), std::move(session)});
  return id;
}

void connection_table::remove(std::uint64_t id) {
  std::lock_guard lk(mu_);
  entries_.erase(id);
}

void connection_table::prune_locked() const {
  std::erase_if(entries_, [](auto& kv) { return kv.second.session.expired(); });
}

connection_table::row connection_table::to_row(const entry& e, clock::time_point now) {
  row r{e.id, e.remote, e.path, std::chrono::duration_cast<std::chrono::milliseconds>(now - e.opened), 0};
  if (auto s = e.session.lock()) {
    r.send_queue_bytes = s->backlog();
    r.client = s->annotation();
    r.transport = s->transport();
  }
  return r;
}

std::vector<connection_table::row> connection_table::rows() const {
  std::vector<entry> copy;
  {
    std::lock_guard lk(mu_);
    prune_locked();
    copy.reserve(entries_.size());
    for (auto& [id, e] : entries_)
      copy.push_back(e);
  }
  // Sessions are asked outside the lock (backlog() takes the session's own lock).
  auto now = clock::now();
  std::vector<row> out;
  out.reserve(copy.size());
  for (auto& e : copy)
    out.push_back(to_row(e, now));
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return out;
}

std::optional<connection_table::row> connection_table::find(std::uint64_t id) const {
  entry copy;
  {
    std::lock_guard lk(mu_);
    auto i = entries_.find(id);
    if (i == entries_.end() || i->second.session.expired())
      return std::nullopt;
    copy = i->second;
  }
  return to_row(copy, clock::now());
}

std::shared_ptr<transport_session> connection_table::session(std::uint64_t id) const {
  std::lock_guard lk(mu_);
  auto i = entries_.find(id);
  return i == entries_.end() ? nullptr : i->second.session.lock();
}

std::size_t connection_table::size() const {
  std::lock_guard lk(mu_);
  return std::count_if(entries_.begin(), entries_.end(), [](auto& kv) { return !kv.second.session.expired(); });
}

} // namespace roomcast
