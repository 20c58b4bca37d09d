#pragma once
// Every member's link of one room, for broadcasts. Copy on write: a frame
// held in the outbox behind a write shares the list as it was, so changing
// membership copies it only while such a frame still holds it.

#include <algorithm>
#include <memory>

#include "actors/outbox.hpp"

namespace roomcast {

class member_links {
public:
  /// The recipients of a broadcast now.
  const std::shared_ptr<link_list>& all() const noexcept { return links_; }
  std::size_t size() const noexcept { return links_->size(); }

  void add(client_link_ptr link) { writable().push_back(std::move(link)); }

  void remove(const client_link_ptr& link) {
    auto& all = writable();
    if (auto i = std::find(all.begin(), all.end(), link); i != all.end())
      all.erase(i);
  }

private:
  link_list& writable() {
    if (links_.use_count() > 1) // a queued broadcast still reads the old list
      links_ = std::make_shared<link_list>(*links_);
    return *links_;
  }

  std::shared_ptr<link_list> links_ = std::make_shared<link_list>();
};

} // namespace roomcast
