#pragma once
// The io_context the calling thread runs, when it is one of the gateway's
// I/O threads: work created in a handler can stay on the thread it came from.

#include <boost/asio/io_context.hpp>

namespace roomcast {

/// Set by each I/O thread before it runs its io_context; null elsewhere.
inline boost::asio::io_context*& current_lane() {
  static thread_local boost::asio::io_context* lane = nullptr;
  return lane;
}

} // namespace roomcast
