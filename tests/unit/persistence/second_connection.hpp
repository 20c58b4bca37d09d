#pragma once
// An independent SQLite connection to a test database: sees only what the
// store has committed, and can hold the write lock to stall the store.

#include <cstdint>
#include <string>

#include <sqlite3.h>

namespace roomcast::persistence::testing {

class second_connection {
public:
  explicit second_connection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr)
        != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }
  ~second_connection() { sqlite3_close(db_); }
  second_connection(const second_connection&) = delete;
  second_connection& operator=(const second_connection&) = delete;

  bool ok() const noexcept { return db_ != nullptr; }

  bool exec(const std::string& sql) {
    return db_ != nullptr
           && sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr)
                == SQLITE_OK;
  }

  /// First column of the first row as an integer; -1 on any error.
  std::int64_t value(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::int64_t result = -1;
    if (db_ != nullptr
        && sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW)
      result = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return result;
  }

private:
  sqlite3* db_ = nullptr;
};

} // namespace roomcast::persistence::testing
