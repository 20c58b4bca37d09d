#include "persistence/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace roomcast::persistence {

namespace {

// Schema migrations: step i takes the schema from version i to i + 1.
// Never edit a released step; append a new one.
constexpr const char* migrations[] = {
  // v1
  "CREATE TABLE snapshots("
  "  room_key TEXT PRIMARY KEY,"
  "  kind TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  state TEXT NOT NULL,"
  "  updated_ms INTEGER NOT NULL);"
  "CREATE INDEX snapshots_by_updated ON snapshots(updated_ms);"
  // The primary key doubles as the paging index; WITHOUT ROWID stores the
  // rows in it directly.
  "CREATE TABLE messages("
  "  room_key TEXT NOT NULL,"
  "  seq INTEGER NOT NULL,"
  "  id TEXT NOT NULL,"
  "  ts_ms INTEGER NOT NULL,"
  "  body TEXT NOT NULL,"
  "  PRIMARY KEY(room_key, seq)) WITHOUT ROWID;"
  "CREATE TABLE quarantine("
  "  room_key TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  state TEXT NOT NULL,"
  "  reason TEXT NOT NULL,"
  "  at_ms INTEGER NOT NULL);"
  "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);",
};

constexpr std::int32_t latest_version =
  static_cast<std::int32_t>(std::size(migrations));

constexpr int busy_timeout_ms = 5000;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// SQLite integers are signed 64-bit.
std::int64_t to_db_seq(std::uint64_t seq) {
  constexpr auto max = static_cast<std::uint64_t>(
    std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(seq, max));
}

void bind_text(sqlite3_stmt* stmt, int index, const std::string& str) {
  sqlite3_bind_text(stmt, index, str.data(), static_cast<int>(str.size()),
                    SQLITE_STATIC);
}

std::string column_text(sqlite3_stmt* stmt, int col) {
  auto ptr = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  return ptr == nullptr
           ? std::string{}
           : std::string(ptr, static_cast<std::size_t>(
                                sqlite3_column_bytes(stmt, col)));
}

// Resets a kept-open statement when leaving scope, so it holds no read lock
// and no bound pointers into dead strings.
class stmt_scope {
public:
  explicit stmt_scope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~stmt_scope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  stmt_scope(const stmt_scope&) = delete;
  stmt_scope& operator=(const stmt_scope&) = delete;

private:
  sqlite3_stmt* stmt_;
};

bool read_random(unsigned char* buf, std::size_t n) {
  auto* f = std::fopen("/dev/urandom", "rb");
  if (f == nullptr)
    return false;
  auto got = std::fread(buf, 1, n, f);
  std::fclose(f);
  return got == n;
}

std::string to_hex(const unsigned char* buf, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[buf[i] >> 4]);
    out.push_back(digits[buf[i] & 0x0F]);
  }
  return out;
}

} // namespace

void sqlite_store::stmt_deleter::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);
}

std::int32_t sqlite_store::latest_schema_version() noexcept {
  return latest_version;
}

sqlite_store::sqlite_store(sqlite3* db, std::string path, bool synchronous_full)
  : db_(db), path_(std::move(path)), synchronous_full_(synchronous_full) {
  // nop
}

sqlite_store::~sqlite_store() {
  // Statements must be finalized before the connection closes; an open
  // transaction is rolled back by closing.
  begin_.reset();
  commit_.reset();
  rollback_.reset();
  put_snapshot_.reset();
  append_.reset();
  load_snapshot_.reset();
  load_history_.reset();
  last_seq_.reset();
  page_.reset();
  sqlite3_close_v2(db_);
}

std::unique_ptr<sqlite_store>
sqlite_store::open(const std::string& path, std::string& error,
                   bool synchronous_full) {
  error.clear();
  if (path.empty()) {
    error = "database path is empty";
    return nullptr;
  }
  if (path != ":memory:") {
    auto parent = std::filesystem::path{path}.parent_path();
    std::error_code ec;
    if (!parent.empty())
      std::filesystem::create_directories(parent, ec);
    if (ec) {
      error = "cannot create directory '" + parent.string()
              + "' for database '" + path + "': " + ec.message();
      return nullptr;
    }
  }
  sqlite3* db = nullptr;
  auto rc = sqlite3_open_v2(path.c_str(), &db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                              | SQLITE_OPEN_NOMUTEX,
                            nullptr);
  // The store owns the handle from here on, also on failure.
  std::unique_ptr<sqlite_store> store{
    new sqlite_store(db, path, synchronous_full)};
  if (rc != SQLITE_OK) {
    error = "cannot open database '" + path + "': "
            + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return nullptr;
  }
  std::string why;
  if (!store->configure(why) || !store->migrate(why)
      || !store->prepare_statements(why)) {
    error = "cannot open database '" + path + "': " + why;
    return nullptr;
  }
  return store;
}

bool sqlite_store::configure(std::string& error) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // The first statement reads the file header: a file that is not a
  // database fails here with "file is not a database".
  auto mode_stmt = prepare("PRAGMA journal_mode=WAL");
  if (!mode_stmt || sqlite3_step(mode_stmt.get()) != SQLITE_ROW) {
    fail("cannot read database or enable WAL mode");
    error = last_error_;
    return false;
  }
  auto mode = column_text(mode_stmt.get(), 0);
  mode_stmt.reset();
  if (mode != "wal" && path_ != ":memory:")
    spdlog::warn("persistence: database '{}' runs in journal mode '{}', not "
                 "WAL; readers may block writers",
                 path_, mode);
  if (!exec(synchronous_full_ ? "PRAGMA synchronous=FULL"
                              : "PRAGMA synchronous=NORMAL")) {
    error = last_error_;
    return false;
  }
  // Pages are read through a mapping instead of a read() each, and the
  // cache holds the hot end of the message table and its index.
  exec("PRAGMA mmap_size=268435456");
  exec("PRAGMA cache_size=-32768");
  return true;
}

bool sqlite_store::migrate(std::string& error) {
  auto version = query_int("PRAGMA user_version");
  if (!version) {
    error = last_error_;
    return false;
  }
  if (*version > latest_version) {
    error = "database schema version " + std::to_string(*version)
            + " is newer than this build supports ("
            + std::to_string(latest_version) + "); upgrade roomcast";
    return false;
  }
  for (auto v = static_cast<std::int32_t>(*version); v < latest_version; ++v) {
    if (!exec("BEGIN IMMEDIATE")) {
      error = last_error_;
      return false;
    }
    // Another process may have migrated while we waited for the lock.
    auto current = query_int("PRAGMA user_version");
    bool ok = current.has_value();
    if (ok && *current <= v) {
      auto set_version = "PRAGMA user_version=" + std::to_string(v + 1);
      ok = exec(migrations[v]) && exec(set_version.c_str());
    }
    if (!ok || !exec("COMMIT")) {
      error = "migration to schema version " + std::to_string(v + 1)
              + " failed: " + last_error_;
      if (in_transaction())
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
  }
  return true;
}

bool sqlite_store::prepare_statements(std::string& error) {
  struct entry {
    stmt_ptr* target;
    const char* sql;
  };
  const entry entries[] = {
    {&begin_, "BEGIN IMMEDIATE"},
    {&commit_, "COMMIT"},
    {&rollback_, "ROLLBACK"},
    {&put_snapshot_,
     "INSERT INTO snapshots(room_key, kind, version, state, updated_ms)"
     " VALUES(?1, ?2, ?3, ?4, ?5)"
     " ON CONFLICT(room_key) DO UPDATE SET kind = excluded.kind,"
     " version = excluded.version, state = excluded.state,"
     " updated_ms = excluded.updated_ms"},
    {&append_,
     "INSERT INTO messages(room_key, seq, id, ts_ms, body)"
     " VALUES(?1, ?2, ?3, ?4, ?5)"},
    {&load_snapshot_,
     "SELECT kind, version, state, updated_ms FROM snapshots"
     " WHERE room_key = ?1"},
    {&load_history_,
     "SELECT seq, id, ts_ms, body FROM messages WHERE room_key = ?1"
     " ORDER BY seq DESC LIMIT ?2"},
    {&last_seq_, "SELECT MAX(seq) FROM messages WHERE room_key = ?1"},
    {&page_,
     "SELECT seq, id, ts_ms, body FROM messages"
     " WHERE room_key = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"},
  };
  for (const auto& e : entries) {
    *e.target = prepare(e.sql);
    if (!*e.target) {
      error = last_error_;
      return false;
    }
  }
  return true;
}

sqlite_store::stmt_ptr sqlite_store::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr)
      != SQLITE_OK) {
    fail(std::string{"cannot prepare '"} + sql + "'");
    sqlite3_finalize(stmt);
    return nullptr;
  }
  return stmt_ptr{stmt};
}

bool sqlite_store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    last_error_ = std::string{msg != nullptr ? msg : sqlite3_errmsg(db_)}
                  + " (code " + std::to_string(sqlite3_extended_errcode(db_))
                  + ")";
    sqlite3_free(msg);
    return false;
  }
  return true;
}

bool sqlite_store::fail(const std::string& what) {
  last_error_ = what + ": " + sqlite3_errmsg(db_) + " (code "
                + std::to_string(sqlite3_extended_errcode(db_)) + ")";
  return false;
}

std::optional<std::int64_t> sqlite_store::query_int(const char* sql) {
  auto stmt = prepare(sql);
  if (!stmt)
    return std::nullopt;
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
    fail(std::string{"'"} + sql + "' failed");
    return std::nullopt;
  }
  return sqlite3_column_int64(stmt.get(), 0);
}

// -- transactions -------------------------------------------------------------

bool sqlite_store::begin() {
  stmt_scope scope{begin_.get()};
  if (sqlite3_step(begin_.get()) != SQLITE_DONE)
    return fail("begin transaction failed");
  return true;
}

bool sqlite_store::commit() {
  stmt_scope scope{commit_.get()};
  if (sqlite3_step(commit_.get()) != SQLITE_DONE)
    return fail("commit failed");
  return true;
}

void sqlite_store::rollback() {
  if (!in_transaction())
    return;
  stmt_scope scope{rollback_.get()};
  if (sqlite3_step(rollback_.get()) != SQLITE_DONE)
    fail("rollback failed");
}

bool sqlite_store::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

// -- writes -------------------------------------------------------------------

bool sqlite_store::put_snapshot(const std::string& room_key,
                                const std::string& kind, std::int32_t version,
                                const std::string& state,
                                std::int64_t updated_ms) {
  auto* stmt = put_snapshot_.get();
  stmt_scope scope{stmt};
  bind_text(stmt, 1, room_key);
  bind_text(stmt, 2, kind);
  sqlite3_bind_int(stmt, 3, version);
  bind_text(stmt, 4, state);
  sqlite3_bind_int64(stmt, 5, updated_ms);
  if (sqlite3_step(stmt) != SQLITE_DONE)
    return fail("snapshot of room '" + room_key + "' failed");
  return true;
}

bool sqlite_store::append_message(const std::string& room_key,
                                  const stored_message& msg) {
  auto* stmt = append_.get();
  stmt_scope scope{stmt};
  bind_text(stmt, 1, room_key);
  sqlite3_bind_int64(stmt, 2, to_db_seq(msg.seq));
  bind_text(stmt, 3, msg.id);
  sqlite3_bind_int64(stmt, 4, msg.ts_ms);
  bind_text(stmt, 5, msg.body);
  if (sqlite3_step(stmt) != SQLITE_DONE)
    return fail("append to room '" + room_key + "' seq "
                + std::to_string(msg.seq) + " failed");
  return true;
}

bool sqlite_store::quarantine(const std::string& room_key,
                              const std::string& reason) {
  // A savepoint makes the copy and the delete atomic, inside or outside an
  // open transaction.
  if (!exec("SAVEPOINT quarantine"))
    return false;
  auto copy = prepare("INSERT INTO quarantine"
                      "(room_key, kind, version, state, reason, at_ms)"
                      " SELECT room_key, kind, version, state, ?2, ?3"
                      " FROM snapshots WHERE room_key = ?1");
  auto remove = prepare("DELETE FROM snapshots WHERE room_key = ?1");
  bool ok = copy && remove;
  if (ok) {
    bind_text(copy.get(), 1, room_key);
    bind_text(copy.get(), 2, reason);
    sqlite3_bind_int64(copy.get(), 3, now_ms());
    bind_text(remove.get(), 1, room_key);
    ok = sqlite3_step(copy.get()) == SQLITE_DONE
         && sqlite3_step(remove.get()) == SQLITE_DONE;
    if (!ok)
      fail("quarantine of room '" + room_key + "' failed");
  }
  copy.reset();
  remove.reset();
  if (!ok) {
    auto saved = last_error_;
    // Fails harmlessly if SQLite already rolled back the whole transaction.
    sqlite3_exec(db_, "ROLLBACK TO quarantine; RELEASE quarantine", nullptr,
                 nullptr, nullptr);
    last_error_ = std::move(saved);
    return false;
  }
  return exec("RELEASE quarantine");
}

std::optional<std::uint64_t> sqlite_store::expire(const std::string& kind, std::int64_t older_than_ms) {
  if (!exec("SAVEPOINT expire"))
    return std::nullopt;
  auto messages = prepare("DELETE FROM messages WHERE room_key IN"
                          " (SELECT room_key FROM snapshots"
                          "  WHERE updated_ms < ?1 AND kind = ?2)");
  auto snapshots = prepare("DELETE FROM snapshots WHERE updated_ms < ?1 AND kind = ?2");
  std::optional<std::uint64_t> rooms;
  if (messages && snapshots) {
    sqlite3_bind_int64(messages.get(), 1, older_than_ms);
    sqlite3_bind_int64(snapshots.get(), 1, older_than_ms);
    bind_text(messages.get(), 2, kind);
    bind_text(snapshots.get(), 2, kind);
    if (sqlite3_step(messages.get()) == SQLITE_DONE
        && sqlite3_step(snapshots.get()) == SQLITE_DONE)
      rooms = static_cast<std::uint64_t>(sqlite3_changes64(db_));
    else
      fail("expire failed");
  }
  messages.reset();
  snapshots.reset();
  if (!rooms) {
    auto saved = last_error_;
    sqlite3_exec(db_, "ROLLBACK TO expire; RELEASE expire", nullptr, nullptr,
                 nullptr);
    last_error_ = std::move(saved);
    return std::nullopt;
  }
  if (!exec("RELEASE expire"))
    return std::nullopt;
  return rooms;
}

bool sqlite_store::remove(const std::string& room_key) {
  auto messages = prepare("DELETE FROM messages WHERE room_key = ?1");
  auto snapshots = prepare("DELETE FROM snapshots WHERE room_key = ?1");
  if (!messages || !snapshots)
    return false;
  bind_text(messages.get(), 1, room_key);
  bind_text(snapshots.get(), 1, room_key);
  if (sqlite3_step(messages.get()) != SQLITE_DONE || sqlite3_step(snapshots.get()) != SQLITE_DONE)
    return fail("delete of room '" + room_key + "' failed");
  return true;
}

std::optional<std::vector<std::string>> sqlite_store::room_keys(const std::string& kind) {
  auto stmt = prepare("SELECT room_key FROM snapshots WHERE kind = ?1 ORDER BY room_key");
  if (!stmt)
    return std::nullopt;
  bind_text(stmt.get(), 1, kind);
  std::vector<std::string> keys;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW)
    keys.push_back(column_text(stmt.get(), 0));
  if (rc != SQLITE_DONE) {
    fail("listing rooms failed");
    return std::nullopt;
  }
  return keys;
}

// -- reads --------------------------------------------------------------------

bool sqlite_store::read_history(sqlite3_stmt* stmt,
                                std::vector<stored_message>& out) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    stored_message msg;
    msg.seq = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 0));
    msg.id = column_text(stmt, 1);
    msg.ts_ms = sqlite3_column_int64(stmt, 2);
    msg.body = column_text(stmt, 3);
    out.push_back(std::move(msg));
  }
  if (rc != SQLITE_DONE)
    return fail("reading messages failed");
  // Selected newest first to apply the limit; callers want oldest first.
  std::reverse(out.begin(), out.end());
  return true;
}

std::optional<room_record> sqlite_store::load(const std::string& room_key,
                                              std::uint32_t history_limit) {
  room_record rec;
  {
    auto* stmt = load_snapshot_.get();
    stmt_scope scope{stmt};
    bind_text(stmt, 1, room_key);
    auto rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      rec.found = true;
      rec.kind = column_text(stmt, 0);
      rec.version = sqlite3_column_int(stmt, 1);
      rec.state = column_text(stmt, 2);
      rec.updated_ms = sqlite3_column_int64(stmt, 3);
    } else if (rc != SQLITE_DONE) {
      fail("loading snapshot of room '" + room_key + "' failed");
      return std::nullopt;
    }
  }
  {
    auto* stmt = last_seq_.get();
    stmt_scope scope{stmt};
    bind_text(stmt, 1, room_key);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
      fail("loading last seq of room '" + room_key + "' failed");
      return std::nullopt;
    }
    rec.last_seq = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 0));
  }
  if (history_limit > 0) {
    auto* stmt = load_history_.get();
    stmt_scope scope{stmt};
    bind_text(stmt, 1, room_key);
    sqlite3_bind_int64(stmt, 2, history_limit);
    if (!read_history(stmt, rec.history))
      return std::nullopt;
  }
  return rec;
}

std::optional<std::vector<stored_message>>
sqlite_store::page(const std::string& room_key, std::uint64_t before_seq,
                   std::uint32_t limit) {
  std::vector<stored_message> result;
  if (limit == 0)
    return result;
  auto* stmt = page_.get();
  stmt_scope scope{stmt};
  bind_text(stmt, 1, room_key);
  sqlite3_bind_int64(stmt, 2, to_db_seq(before_seq));
  sqlite3_bind_int64(stmt, 3, limit);
  if (!read_history(stmt, result))
    return std::nullopt;
  return result;
}

std::optional<std::string>
sqlite_store::get_or_create_secret(const std::string& name) {
  const auto key = "secret." + name;
  auto select = prepare("SELECT value FROM meta WHERE key = ?1");
  if (!select)
    return std::nullopt;
  auto lookup = [&]() -> std::optional<std::string> {
    sqlite3_reset(select.get());
    bind_text(select.get(), 1, key);
    auto rc = sqlite3_step(select.get());
    if (rc == SQLITE_ROW)
      return column_text(select.get(), 0);
    if (rc != SQLITE_DONE)
      fail("reading secret '" + name + "' failed");
    return std::nullopt;
  };
  if (auto existing = lookup())
    return existing;
  unsigned char buf[32];
  if (!read_random(buf, sizeof(buf))) {
    last_error_ = "cannot read /dev/urandom for secret '" + name + "'";
    return std::nullopt;
  }
  auto insert = prepare("INSERT OR IGNORE INTO meta(key, value)"
                        " VALUES(?1, ?2)");
  if (!insert)
    return std::nullopt;
  auto secret = to_hex(buf, sizeof(buf));
  bind_text(insert.get(), 1, key);
  bind_text(insert.get(), 2, secret);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) {
    fail("storing secret '" + name + "' failed");
    return std::nullopt;
  }
  // Read back: if another process created it first, its value wins.
  auto stored = lookup();
  if (!stored && last_error_.empty())
    last_error_ = "secret '" + name + "' vanished after insert";
  return stored;
}

std::optional<store_stats> sqlite_store::stats() {
  auto stmt = prepare("SELECT (SELECT COUNT(*) FROM snapshots),"
                      " (SELECT COUNT(*) FROM messages),"
                      " (SELECT COUNT(*) FROM quarantine)");
  if (!stmt)
    return std::nullopt;
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
    fail("reading stats failed");
    return std::nullopt;
  }
  store_stats result;
  result.snapshots = static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 0));
  result.messages = static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 1));
  result.quarantined = static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 2));
  stmt.reset();
  auto version = query_int("PRAGMA user_version");
  auto pages = query_int("PRAGMA page_count");
  auto page_size = query_int("PRAGMA page_size");
  if (!version || !pages || !page_size)
    return std::nullopt;
  result.schema_version = static_cast<std::int32_t>(*version);
  result.db_bytes = static_cast<std::uint64_t>(*pages * *page_size);
  return result;
}

} // namespace roomcast::persistence
