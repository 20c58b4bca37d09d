#include "actors/chat_budget.hpp"

#include <algorithm>

namespace roomcast {

// -- the fixed windows -------------------------------------------------------------

chat_window_limiter::window* chat_window_limiter::slot(chat_op op, unsigned& limit) {
  switch (op) {
    case chat_op::send_message: limit = limits_.messages; return &windows_[0];
    case chat_op::join_room: limit = limits_.joins; return &windows_[1];
    case chat_op::typing: limit = limits_.typing; return &windows_[2];
    default: return nullptr;
  }
}

bool chat_window_limiter::allow(chat_op op, time_point now) {
  unsigned limit = 0;
  auto* w = slot(op, limit);
  if (!w)
    return true;
  if (!w->open || now >= w->start + limits_.window || now < w->start) {
    w->open = true;
    w->start = now;
    w->used = 0;
  }
  if (w->used >= limit)
    return false;
  ++w->used;
  return true;
}

unsigned chat_window_limiter::remaining(chat_op op, time_point now) const {
  unsigned limit = 0;
  auto* w = const_cast<chat_window_limiter*>(this)->slot(op, limit);
  if (!w)
    return ~0u;
  if (!w->open || now >= w->start + limits_.window || now < w->start)
    return limit;
  return limit - std::min(limit, w->used);
}

// -- one user's budget ----------------------------------------------------------------

bool chat_budget::allow(chat_op op, time_point now) {
  std::lock_guard lk(mu_);
  if (!limiter_.allow(op, now)) {
    ++violations_;
    return false;
  }
  if (op == chat_op::send_message)
    ++messages_;
  return true;
}

unsigned chat_budget::remaining(chat_op op, time_point now) const {
  std::lock_guard lk(mu_);
  return limiter_.remaining(op, now);
}

std::uint64_t chat_budget::messages() const {
  std::lock_guard lk(mu_);
  return messages_;
}

std::uint64_t chat_budget::violations() const {
  std::lock_guard lk(mu_);
  return violations_;
}

} // namespace roomcast
