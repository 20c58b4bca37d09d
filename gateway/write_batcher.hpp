#pragma once
// Collects the sessions of one I/O thread that have frames to write, so a
// broadcast to many of them costs one wake-up of that thread instead of one
// posted handler per recipient. One instance per io_context (an Asio
// service); the io_context must be run by exactly one thread.

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace roomcast {

class transport_session;

class write_batcher final : public boost::asio::execution_context::service {
public:
  static boost::asio::execution_context::id id;

  explicit write_batcher(boost::asio::execution_context& ctx);

  /// The batcher of the io_context `ex` belongs to.
  template <class Executor>
  static write_batcher& of(const Executor& ex) {
    auto& ctx = boost::asio::query(ex, boost::asio::execution::context);
    return boost::asio::use_service<write_batcher>(static_cast<boost::asio::io_context&>(ctx));
  }

  /// Thread-safe: `s` writes its queue on its thread soon. The caller adds a
  /// session at most once until its write runs (the session keeps a flag).
  void add(std::shared_ptr<transport_session> s);

private:
  void shutdown() override;
  void run();

  boost::asio::io_context& ioc_;
  std::mutex mu_;
  std::vector<std::shared_ptr<transport_session>> pending_;
  std::vector<std::shared_ptr<transport_session>> running_; ///< I/O thread only
  bool posted_ = false;
};

} // namespace roomcast
