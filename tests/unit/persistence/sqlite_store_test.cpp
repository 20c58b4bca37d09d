#define CAF_SUITE sqlite_store
#include "persistence/sqlite_store.hpp"

#include <cstdint>
#include <fstream>
#include <limits>

#include "caf/test/unit_test.hpp"

#include "second_connection.hpp"
#include "temp_dir.hpp"

using namespace roomcast::persistence;
using roomcast::persistence::testing::second_connection;
using roomcast::persistence::testing::temp_dir;

namespace {

stored_message msg(std::uint64_t seq) {
  return stored_message{seq, "m" + std::to_string(seq),
                        1000 + static_cast<std::int64_t>(seq),
                        "{\"text\":\"hello " + std::to_string(seq) + "\"}"};
}

std::vector<std::uint64_t> seqs(const std::vector<stored_message>& xs) {
  std::vector<std::uint64_t> result;
  for (const auto& x : xs)
    result.push_back(x.seq);
  return result;
}

// Unwraps a store result by value: CAF_CHECK_EQUAL binds its arguments to
// references, which must not point into a temporary optional.
template <class T>
T get(std::optional<T> x) {
  CAF_REQUIRE(x.has_value());
  return std::move(*x);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct fixture {
  temp_dir dir;
  std::string path = dir.file("data/roomcast.db");

  std::unique_ptr<sqlite_store> open_store() {
    std::string error;
    auto store = sqlite_store::open(path, error);
    if (!store)
      CAF_FAIL("cannot open store: " << error);
    return store;
  }

  // Appends seq 1..n to `room` in one transaction.
  void fill(sqlite_store& store, const std::string& room, std::uint64_t n) {
    CAF_REQUIRE(store.begin());
    for (std::uint64_t i = 1; i <= n; ++i)
      CAF_REQUIRE(store.append_message(room, msg(i)));
    CAF_REQUIRE(store.commit());
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(sqlite_store_tests, fixture)

CAF_TEST(opening a new file creates its directory and applies every migration) {
  auto store = open_store();
  CAF_CHECK(std::filesystem::exists(path));
  auto stats = store->stats();
  CAF_REQUIRE(stats.has_value());
  CAF_CHECK_EQUAL(stats->schema_version, sqlite_store::latest_schema_version());
  CAF_CHECK_EQUAL(stats->snapshots, 0u);
  second_connection db{path};
  CAF_CHECK_EQUAL(db.value("PRAGMA user_version"),
                  sqlite_store::latest_schema_version());
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM sqlite_master WHERE name IN"
                           " ('snapshots', 'messages', 'quarantine', 'meta')"),
                  4);
  // The messages table is keyed for paging and has no rowid.
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM sqlite_master WHERE"
                           " name = 'messages' AND sql LIKE '%WITHOUT ROWID%'"),
                  1);
}

CAF_TEST(the database runs in WAL mode) {
  auto store = open_store();
  std::ifstream header{path, std::ios::binary};
  char bytes[20] = {};
  header.read(bytes, sizeof(bytes));
  // File format bytes 18 and 19 are 2 for WAL databases.
  CAF_CHECK_EQUAL(static_cast<int>(bytes[18]), 2);
  CAF_CHECK_EQUAL(static_cast<int>(bytes[19]), 2);
}

CAF_TEST(reopening keeps the data and the schema version) {
  {
    auto store = open_store();
    CAF_REQUIRE(store->put_snapshot("conf:a", "conference", 3, "{}", 42));
  }
  auto store = open_store();
  auto rec = store->load("conf:a", 10);
  CAF_REQUIRE(rec.has_value());
  CAF_CHECK(rec->found);
  CAF_CHECK_EQUAL(rec->version, 3);
  CAF_CHECK_EQUAL(get(store->stats()).schema_version,
                  sqlite_store::latest_schema_version());
}

CAF_TEST(a database from a newer build is refused with a clear message) {
  open_store().reset();
  auto newer = sqlite_store::latest_schema_version() + 1;
  {
    second_connection db{path};
    CAF_REQUIRE(db.exec("PRAGMA user_version=" + std::to_string(newer)));
  }
  std::string error;
  auto store = sqlite_store::open(path, error);
  CAF_CHECK(store == nullptr);
  auto expected = "database schema version " + std::to_string(newer)
                  + " is newer than this build supports ("
                  + std::to_string(sqlite_store::latest_schema_version())
                  + "); upgrade roomcast";
  CAF_CHECK(contains(error, expected));
  CAF_CHECK(contains(error, path));
}

CAF_TEST(a file that is not a database gives an error instead of a crash) {
  std::filesystem::create_directories(dir.file("data"));
  {
    std::ofstream out{path, std::ios::binary};
    for (int i = 0; i < 512; ++i)
      out << "this is not an sqlite database, just text. ";
  }
  std::string error;
  auto store = sqlite_store::open(path, error);
  CAF_CHECK(store == nullptr);
  CAF_CHECK(contains(error, "not a database"));
  CAF_CHECK(contains(error, path));
}

CAF_TEST(a directory that cannot be created gives an error) {
  auto blocker = dir.file("plain-file");
  std::ofstream{blocker} << "x";
  std::string error;
  auto store = sqlite_store::open(blocker + "/sub/roomcast.db", error);
  CAF_CHECK(store == nullptr);
  CAF_CHECK(contains(error, "cannot create directory"));
}

CAF_TEST(an empty path is refused) {
  std::string error;
  CAF_CHECK(sqlite_store::open("", error) == nullptr);
  CAF_CHECK(!error.empty());
}

CAF_TEST(an in-memory database works like a file) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error, false);
  CAF_REQUIRE(store != nullptr);
  CAF_CHECK(store->put_snapshot("r", "chat", 1, "{\"a\":1}", 5));
  CAF_CHECK(store->append_message("r", msg(1)));
  auto rec = store->load("r", 5);
  CAF_REQUIRE(rec.has_value());
  CAF_CHECK_EQUAL(rec->state, "{\"a\":1}");
  CAF_CHECK_EQUAL(rec->last_seq, 1u);
}

CAF_TEST(a snapshot is upserted and loaded back) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("conf:a", "conference", 1, "{\"v\":1}", 100));
  CAF_REQUIRE(store->put_snapshot("conf:a", "conference", 2, "{\"v\":2}", 200));
  auto rec = store->load("conf:a", 0);
  CAF_REQUIRE(rec.has_value());
  room_record expected;
  expected.found = true;
  expected.kind = "conference";
  expected.version = 2;
  expected.state = "{\"v\":2}";
  expected.updated_ms = 200;
  CAF_CHECK_EQUAL(*rec, expected);
  CAF_CHECK_EQUAL(get(store->stats()).snapshots, 1u);
}

CAF_TEST(loading an unknown room finds nothing) {
  auto store = open_store();
  auto rec = store->load("nobody", 10);
  CAF_REQUIRE(rec.has_value());
  CAF_CHECK_EQUAL(*rec, room_record{});
}

CAF_TEST(load returns the last N messages oldest first and the last seq) {
  auto store = open_store();
  fill(*store, "chat:x", 10);
  fill(*store, "chat:y", 3);
  auto rec = store->load("chat:x", 4);
  CAF_REQUIRE(rec.has_value());
  CAF_CHECK(!rec->found); // messages but no snapshot
  CAF_CHECK_EQUAL(seqs(rec->history), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  CAF_CHECK_EQUAL(rec->history.back(), msg(10));
  CAF_CHECK_EQUAL(rec->last_seq, 10u);
  rec = store->load("chat:x", 0);
  CAF_CHECK(rec->history.empty());
  CAF_CHECK_EQUAL(rec->last_seq, 10u);
  CAF_CHECK_EQUAL(get(store->load("chat:x", 1000)).history.size(), 10u);
  CAF_CHECK_EQUAL(get(store->load("chat:y", 1000)).last_seq, 3u);
}

CAF_TEST(page returns the messages before a seq oldest first) {
  auto store = open_store();
  fill(*store, "chat:x", 10);
  using seq_list = std::vector<std::uint64_t>;
  CAF_CHECK_EQUAL(seqs(*store->page("chat:x", 6, 3)), (seq_list{3, 4, 5}));
  CAF_CHECK_EQUAL(seqs(*store->page("chat:x", 3, 10)), (seq_list{1, 2}));
  CAF_CHECK_EQUAL(seqs(*store->page("chat:x", 1, 10)), seq_list{});
  CAF_CHECK_EQUAL(seqs(*store->page("chat:x", 6, 0)), seq_list{});
  CAF_CHECK_EQUAL(seqs(*store->page("chat:x",
                                    std::numeric_limits<std::uint64_t>::max(),
                                    2)),
                  (seq_list{9, 10}));
  CAF_CHECK_EQUAL(seqs(*store->page("other", 100, 10)), seq_list{});
  auto one = get(store->page("chat:x", 5, 1));
  CAF_REQUIRE_EQUAL(one.size(), 1u);
  CAF_CHECK_EQUAL(one[0], msg(4));
}

CAF_TEST(appending a seq twice fails but keeps the transaction) {
  auto store = open_store();
  CAF_REQUIRE(store->begin());
  CAF_CHECK(store->append_message("r", msg(1)));
  CAF_CHECK(!store->append_message("r", msg(1)));
  CAF_CHECK(contains(store->last_error(), "UNIQUE"));
  CAF_CHECK(store->in_transaction());
  CAF_CHECK(store->append_message("r", msg(2)));
  CAF_CHECK(store->commit());
  CAF_CHECK_EQUAL(get(store->load("r", 10)).history.size(), 2u);
}

CAF_TEST(a write is visible to other connections only after commit) {
  auto store = open_store();
  second_connection db{path};
  CAF_REQUIRE(store->begin());
  CAF_REQUIRE(store->append_message("r", msg(1)));
  CAF_REQUIRE(store->put_snapshot("r", "chat", 1, "{}", 1));
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM messages"), 0);
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM snapshots"), 0);
  CAF_REQUIRE(store->commit());
  CAF_CHECK(!store->in_transaction());
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM messages"), 1);
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM snapshots"), 1);
}

CAF_TEST(rollback discards the open transaction) {
  auto store = open_store();
  CAF_REQUIRE(store->begin());
  CAF_REQUIRE(store->append_message("r", msg(1)));
  store->rollback();
  CAF_CHECK(!store->in_transaction());
  CAF_CHECK_EQUAL(get(store->load("r", 10)).last_seq, 0u);
}

CAF_TEST(quarantine moves the snapshot aside and keeps the messages) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("conf:a", "conference", 7, "{bad", 100));
  fill(*store, "conf:a", 2);
  CAF_REQUIRE(store->quarantine("conf:a", "cannot decode state"));
  auto rec = store->load("conf:a", 10);
  CAF_CHECK(!rec->found);
  CAF_CHECK_EQUAL(rec->history.size(), 2u);
  CAF_CHECK_EQUAL(rec->last_seq, 2u);
  second_connection db{path};
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM quarantine WHERE"
                           " room_key = 'conf:a' AND kind = 'conference'"
                           " AND version = 7 AND state = '{bad'"
                           " AND reason = 'cannot decode state'"
                           " AND at_ms > 0"),
                  1);
  // Nothing to move: succeeds and changes nothing.
  CAF_CHECK(store->quarantine("nobody", "x"));
  CAF_CHECK_EQUAL(get(store->stats()).quarantined, 1u);
}

CAF_TEST(expire deletes old rooms with their messages and keeps recent ones) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("old", "chat", 1, "{}", 1000));
  CAF_REQUIRE(store->put_snapshot("new", "chat", 1, "{}", 5000));
  fill(*store, "old", 3);
  fill(*store, "new", 2);
  auto n = store->expire("chat", 2000);
  CAF_REQUIRE(n.has_value());
  CAF_CHECK_EQUAL(*n, 1u);
  CAF_CHECK_EQUAL(get(store->load("old", 10)), room_record{});
  auto recent = store->load("new", 10);
  CAF_CHECK(recent->found);
  CAF_CHECK_EQUAL(recent->history.size(), 2u);
  CAF_CHECK_EQUAL(get(store->expire("chat", 2000)), 0u);
  CAF_CHECK_EQUAL(get(store->stats()).messages, 2u);
}

CAF_TEST(expire deletes only rooms of the kind it is given) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("meeting", "conference", 1, "{}", 1000));
  CAF_REQUIRE(store->put_snapshot("channel", "channel", 1, "{}", 1000));
  CAF_CHECK_EQUAL(get(store->expire("conference", 2000)), 1u);
  CAF_CHECK(!get(store->load("meeting", 10)).found);
  CAF_CHECK(get(store->load("channel", 10)).found);
}

CAF_TEST(remove deletes one room with its messages) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("a", "chat", 1, "{}", 1000));
  CAF_REQUIRE(store->put_snapshot("b", "chat", 1, "{}", 1000));
  fill(*store, "a", 3);
  CAF_REQUIRE(store->remove("a"));
  CAF_CHECK_EQUAL(get(store->load("a", 10)), room_record{});
  CAF_CHECK(get(store->load("b", 10)).found);
  CAF_CHECK_EQUAL(get(store->stats()).messages, 0u);
}

CAF_TEST(room keys lists the stored rooms of one kind) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("signaling:b", "signaling", 1, "{}", 1000));
  CAF_REQUIRE(store->put_snapshot("signaling:a", "signaling", 1, "{}", 1000));
  CAF_REQUIRE(store->put_snapshot("conference:c", "conference", 1, "{}", 1000));
  CAF_CHECK_EQUAL(get(store->room_keys("signaling")), (std::vector<std::string>{"signaling:a", "signaling:b"}));
  CAF_CHECK(get(store->room_keys("channel")).empty());
}

CAF_TEST(a secret is created once and stays the same across reopening) {
  std::string first;
  {
    auto store = open_store();
    auto secret = store->get_or_create_secret("resume");
    CAF_REQUIRE(secret.has_value());
    first = *secret;
    CAF_CHECK_EQUAL(first.size(), 64u);
    CAF_CHECK_EQUAL(first.find_first_not_of("0123456789abcdef"),
                    std::string::npos);
    CAF_CHECK_EQUAL(get(store->get_or_create_secret("resume")), first);
    CAF_CHECK_NOT_EQUAL(get(store->get_or_create_secret("jwt")), first);
  }
  auto store = open_store();
  CAF_CHECK_EQUAL(get(store->get_or_create_secret("resume")), first);
}

CAF_TEST_FIXTURE_SCOPE_END()
