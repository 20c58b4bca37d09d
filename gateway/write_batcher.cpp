#include "gateway/write_batcher.hpp"

#include <boost/asio/post.hpp>

#include "gateway/transport_session.hpp"

namespace roomcast {

boost::asio::execution_context::id write_batcher::id;

write_batcher::write_batcher(boost::asio::execution_context& ctx)
  : boost::asio::execution_context::service(ctx), ioc_(static_cast<boost::asio::io_context&>(ctx)) {}

void write_batcher::add(std::shared_ptr<transport_session> s) {
  std::lock_guard lk(mu_);
  pending_.push_back(std::move(s));
  if (posted_)
    return;
  posted_ = true;
  boost::asio::post(ioc_, [this] { run(); });
}

void write_batcher::run() {
  {
    std::lock_guard lk(mu_);
    running_.swap(pending_);
    posted_ = false;
  }
  for (auto& s : running_)
    s->flush();
  running_.clear();
}

void write_batcher::shutdown() {
  // Sessions still waiting go with their io_context (their sockets first).
  std::vector<std::shared_ptr<transport_session>> drop;
  {
    std::lock_guard lk(mu_);
    drop.swap(pending_);
  }
  running_.clear();
}

} // namespace roomcast
