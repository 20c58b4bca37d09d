#pragma once
// The live client connections as an operator sees them: an id per session,
// where it came from, which endpoint path it opened, its age, and a handle
// to ask its send queue or close it. No dialect is named here: the path
// says which endpoint serves it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/transport_session.hpp"

namespace roomcast {

class connection_table {
public:
  using clock = std::chrono::steady_clock;

  struct entry {
    std::uint64_t id = 0;
    std::string remote; ///< client address
    std::string path;   ///< the upgrade request's path (which endpoint)
    clock::time_point opened;
    std::weak_ptr<transport_session> session;
  };

  /// A snapshot row: what the console shows.
  struct row {
    std::uint64_t id = 0;
    std::string remote;
    std::string path;
    std::chrono::milliseconds age{0};
    std::size_t send_queue_bytes = 0;
    std::string transport = {}; ///< how the client is reached now (transport_session::transport)
    /// The client as its connection actor describes it (identity, phase,
    /// rooms; JSON), empty until it said.
    std::string client = {};
  };

  /// Registers a session that just opened; returns its id. Sessions that
  /// ended are dropped when they are next looked at. Thread-safe.
  std::uint64_t add(std::weak_ptr<transport_session> session, std::string remote, std::string path);
  /// Forgets a session at once. Thread-safe.
  void remove(std::uint64_t id);

  /// Every live session, oldest first.
  std::vector<row> rows() const;
  std::optional<row> find(std::uint64_t id) const;
  /// The session behind `id`, if still open.
  std::shared_ptr<transport_session> session(std::uint64_t id) const;
  std::size_t size() const;

private:
  static row to_row(const entry& e, clock::time_point now);
  void prune_locked() const;

  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;
  mutable std::unordered_map<std::uint64_t, entry> entries_; /// mutable: lookups drop ended sessions
  std::size_t prune_at_ = 64; ///< add() drops ended sessions when the table reaches this
};

} // namespace roomcast
