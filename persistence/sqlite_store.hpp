#pragma once
// SQLite storage for room snapshots and chat history. A plain class with no
// actor code: the persistence actor drives it from its own thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "persistence/persistence_messages.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace roomcast::persistence {

/// Row counts and size of a store, for diagnostics.
struct store_stats {
  std::int32_t schema_version = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t messages = 0;
  std::uint64_t quarantined = 0;
  /// page_count * page_size of the main database (WAL not included).
  std::uint64_t db_bytes = 0;
};

/// One SQLite connection in WAL mode with the Roomcast schema applied.
/// Not thread-safe: use it from one thread at a time.
///
/// Every fallible method returns false or an empty optional on failure and
/// leaves a description in `last_error()`; none of them throws on SQLite
/// errors. A write that fails inside an open transaction may have ended that
/// transaction (SQLite rolls back on I/O errors, full disk, RAISE(ROLLBACK));
/// check `in_transaction()` afterwards.
class sqlite_store {
public:
  /// Opens (creating if needed) the database at `path`, creating its parent
  /// directory; ":memory:" gives a private in-memory database. Applies WAL
  /// mode, `synchronous=FULL` (or NORMAL: survives a process crash but not a
  /// power loss), a busy timeout, and any pending schema migrations.
  /// On failure returns nullptr and sets `error` to a readable message.
  static std::unique_ptr<sqlite_store>
  open(const std::string& path, std::string& error,
       bool synchronous_full = true);

  /// The schema version this build creates and understands.
  static std::int32_t latest_schema_version() noexcept;

  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  const std::string& path() const noexcept { return path_; }
  bool synchronous_full() const noexcept { return synchronous_full_; }
  const std::string& last_error() const noexcept { return last_error_; }

  // -- transactions ----------------------------------------------------------

  /// Starts a write transaction (BEGIN IMMEDIATE: takes the write lock now,
  /// waiting up to the busy timeout for other writers).
  bool begin();
  bool commit();
  /// Rolls back the open transaction, if any.
  void rollback();
  bool in_transaction() const noexcept;

  // -- writes ----------------------------------------------------------------

  /// Inserts or replaces the snapshot of `room_key`.
  bool put_snapshot(const std::string& room_key, const std::string& kind,
                    std::int32_t version, const std::string& state,
                    std::int64_t updated_ms);

  /// Appends one message; fails if the room already has a message `msg.seq`.
  bool append_message(const std::string& room_key, const stored_message& msg);

  /// Moves the snapshot of `room_key` (if any) into the quarantine table, so
  /// the room starts fresh while the bad state stays available for analysis.
  /// Its messages are kept.
  bool quarantine(const std::string& room_key, const std::string& reason);

  /// Deletes snapshots and messages of every room of `kind` whose snapshot
  /// was last updated before `older_than_ms` (epoch milliseconds). Returns
  /// the number of rooms deleted.
  std::optional<std::uint64_t> expire(const std::string& kind, std::int64_t older_than_ms);

  /// Deletes the snapshot and the messages of one room (it was closed for good).
  bool remove(const std::string& room_key);

  // -- reads -----------------------------------------------------------------

  /// Snapshot, last `history_limit` messages (oldest first) and last seq.
  std::optional<room_record> load(const std::string& room_key,
                                  std::uint32_t history_limit);

  /// Up to `limit` messages with seq < `before_seq`, the newest of those,
  /// returned oldest first.
  std::optional<std::vector<stored_message>>
  page(const std::string& room_key, std::uint64_t before_seq,
       std::uint32_t limit);

  /// The keys of every stored room of `kind`.
  std::optional<std::vector<std::string>> room_keys(const std::string& kind);

  /// A random 32-byte secret (64 hex chars) stored under `name`; created on
  /// first use and stable afterwards, also across processes.
  std::optional<std::string> get_or_create_secret(const std::string& name);

  std::optional<store_stats> stats();

private:
  struct stmt_deleter {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

  sqlite_store(sqlite3* db, std::string path, bool synchronous_full);

  bool configure(std::string& error);
  bool migrate(std::string& error);
  bool prepare_statements(std::string& error);
  stmt_ptr prepare(const char* sql);
  bool exec(const char* sql);
  bool fail(const std::string& what);
  std::optional<std::int64_t> query_int(const char* sql);
  bool read_history(sqlite3_stmt* stmt, std::vector<stored_message>& out);

  sqlite3* db_;
  std::string path_;
  bool synchronous_full_;
  std::string last_error_;
  stmt_ptr begin_;
  stmt_ptr commit_;
  stmt_ptr rollback_;
  stmt_ptr put_snapshot_;
  stmt_ptr append_;
  stmt_ptr load_snapshot_;
  stmt_ptr load_history_;
  stmt_ptr last_seq_;
  stmt_ptr page_;
};

} // namespace roomcast::persistence
