#include "gateway/connection_slot.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace roomcast {

std::string_view to_string(connection_refusal r) {
  switch (r) {
    case connection_refusal::total: return "server.max_connections";
    case connection_refusal::per_ip: return "server.max_connections_per_ip";
    case connection_refusal::pending_http: return "server.max_pending_http";
  }
  return "a connection limit";
}

std::variant<connection_slot, connection_refusal> connection_slot::admit(gateway_context& ctx,
                                                                         std::string remote_address) {
  if (ctx.open_connections.fetch_add(1) >= ctx.max_connections.load(std::memory_order_relaxed)) {
    --ctx.open_connections;
    return connection_refusal::total;
  }
  {
    std::lock_guard lk(ctx.per_ip_mu);
    auto& n = ctx.per_ip[remote_address];
    if (n >= ctx.max_connections_per_ip.load(std::memory_order_relaxed)) {
      if (n == 0)
        ctx.per_ip.erase(remote_address);
      --ctx.open_connections;
      return connection_refusal::per_ip;
    }
    ++n;
  }
  if (ctx.pending_http.fetch_add(1) >= ctx.max_pending_http.load(std::memory_order_relaxed)) {
    --ctx.pending_http;
    connection_slot undo{ctx, std::move(remote_address)}; // gives back the two places above
    undo.pending_ = false;
    return connection_refusal::pending_http;
  }
  return connection_slot{ctx, std::move(remote_address)};
}

void connection_slot::log_refusal(gateway_context& ctx, connection_refusal why, std::string_view remote_address) {
  auto count = ++ctx.refused;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
               .count();
  auto last = ctx.last_refusal_log.load();
  if (last != 0 && now - last < std::chrono::nanoseconds(std::chrono::seconds(1)).count())
    return;
  if (!ctx.last_refusal_log.compare_exchange_strong(last, now))
    return; // another thread warns this second
  count = ctx.refused.exchange(0);
  spdlog::warn("refused {} connection(s) with 503 since the last warning; the latest from {} over {}", count,
               remote_address, to_string(why));
}

connection_slot::connection_slot(connection_slot&& other) noexcept
  : ctx_(other.ctx_), remote_(std::move(other.remote_)), pending_(other.pending_) {
  other.ctx_ = nullptr;
  other.pending_ = false;
}

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
  if (this != &other) {
    release();
    ctx_ = other.ctx_;
    remote_ = std::move(other.remote_);
    pending_ = other.pending_;
    other.ctx_ = nullptr;
    other.pending_ = false;
  }
  return *this;
}

connection_slot::~connection_slot() {
  release();
}

void connection_slot::upgraded() {
  if (ctx_ && pending_) {
    pending_ = false;
    --ctx_->pending_http;
  }
}

void connection_slot::release() {
  if (!ctx_)
    return;
  upgraded();
  {
    std::lock_guard lk(ctx_->per_ip_mu);
    auto i = ctx_->per_ip.find(remote_);
    if (i != ctx_->per_ip.end() && --i->second == 0)
      ctx_->per_ip.erase(i);
  }
  --ctx_->open_connections;
  ctx_ = nullptr;
}

} // namespace roomcast
