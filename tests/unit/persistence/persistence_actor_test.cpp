// The persistence actor is detached (its own thread), so it does not run on
// the deterministic test scheduler: these tests use a real actor system and
// blocking requests with finite timeouts. Where batching must be exact, a
// second connection holds the SQLite write lock while requests are queued,
// which stalls the actor on its first write until all of them are in its
// mailbox.
#define CAF_SUITE persistence_actor
#define FAIL(msg) CAF_FAIL(msg)
#include "persistence/persistence_actor.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <vector>

#include "caf/all.hpp"
#include "caf/test/unit_test.hpp"

#include "second_connection.hpp"
#include "temp_dir.hpp"

using namespace roomcast::persistence;
using roomcast::persistence::testing::second_connection;
using roomcast::persistence::testing::temp_dir;

namespace {

constexpr auto timeout = std::chrono::seconds(30);

stored_message msg(std::uint64_t seq, std::string body = "{}") {
  return stored_message{seq, "id" + std::to_string(seq),
                        static_cast<std::int64_t>(seq), std::move(body)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct test_config : caf::actor_system_config {
  test_config() {
    add_persistence_message_types(*this);
  }
};

struct fixture {
  temp_dir dir;
  std::string path = dir.file("roomcast.db");
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  caf::actor uut;

  ~fixture() {
    if (uut)
      caf::anon_send_exit(uut, caf::exit_reason::user_shutdown);
  }

  std::unique_ptr<sqlite_store> open_store() {
    std::string error;
    auto store = sqlite_store::open(path, error);
    if (!store)
      CAF_FAIL("cannot open store: " << error);
    return store;
  }

  void start(std::size_t max_batch = default_max_batch) {
    uut = spawn_persistence(sys, open_store(), max_batch);
  }

  // Sends a request and returns its single reply of type T; fails the test
  // on an error reply.
  template <class T, class... Ts>
  T ask(Ts&&... xs) {
    T result{};
    self->request(uut, timeout, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) {
                 CAF_FAIL("unexpected error: " << sys.render(err));
               });
    return result;
  }

  // Sends a write that must fail and returns the error text.
  template <class... Ts>
  std::string ask_error(Ts&&... xs) {
    std::string result;
    self->request(uut, timeout, std::forward<Ts>(xs)...)
      .receive([&](committed_atom) { CAF_FAIL("write unexpectedly succeeded"); },
               [&](caf::error& err) { result = sys.render(err); });
    return result;
  }

  void commit_snapshot(const std::string& room, std::int32_t version,
                       const std::string& state) {
    ask<committed_atom>(snapshot_atom::value, room, std::string{"conference"},
                        version, state);
  }

  void commit_append(const std::string& room, const stored_message& m) {
    ask<committed_atom>(append_atom::value, room, m);
  }

  std::string describe() {
    return ask<std::string>(describe_atom::value);
  }
};

using append_handle =
  decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<caf::actor&>(), timeout, append_atom::value, std::string{},
    stored_message{}));

} // namespace

CAF_TEST_FIXTURE_SCOPE(persistence_actor_tests, fixture)

CAF_TEST(a snapshot is acknowledged and loaded back) {
  start();
  commit_snapshot("conf:a", 4, "{\"peers\":[]}");
  auto rec = ask<room_record>(load_atom::value, std::string{"conf:a"},
                              std::uint32_t{10});
  CAF_CHECK(rec.found);
  CAF_CHECK_EQUAL(rec.kind, "conference");
  CAF_CHECK_EQUAL(rec.version, 4);
  CAF_CHECK_EQUAL(rec.state, "{\"peers\":[]}");
  CAF_CHECK_GREATER(rec.updated_ms, 0);
}

CAF_TEST(a later snapshot of a room replaces the earlier one) {
  start();
  commit_snapshot("conf:a", 1, "{\"v\":1}");
  commit_snapshot("conf:a", 2, "{\"v\":2}");
  auto rec = ask<room_record>(load_atom::value, std::string{"conf:a"},
                              std::uint32_t{0});
  CAF_CHECK_EQUAL(rec.version, 2);
  CAF_CHECK_EQUAL(rec.state, "{\"v\":2}");
}

CAF_TEST(a reply means the write is committed and visible to others) {
  start();
  second_connection db{path};
  commit_append("chat:x", msg(1));
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM messages WHERE"
                           " room_key = 'chat:x' AND seq = 1"),
                  1);
  commit_snapshot("chat:x", 1, "{}");
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM snapshots"), 1);
}

CAF_TEST(appended messages come back as the last N and as pages) {
  start();
  for (std::uint64_t i = 1; i <= 20; ++i)
    commit_append("chat:x", msg(i, "{\"n\":" + std::to_string(i) + "}"));
  auto rec = ask<room_record>(load_atom::value, std::string{"chat:x"},
                              std::uint32_t{5});
  CAF_CHECK(!rec.found);
  CAF_CHECK_EQUAL(rec.last_seq, 20u);
  CAF_REQUIRE_EQUAL(rec.history.size(), 5u);
  CAF_CHECK_EQUAL(rec.history.front(), msg(16, "{\"n\":16}"));
  CAF_CHECK_EQUAL(rec.history.back(), msg(20, "{\"n\":20}"));
  auto page = ask<std::vector<stored_message>>(
    page_atom::value, std::string{"chat:x"}, std::uint64_t{16},
    std::uint32_t{3});
  CAF_REQUIRE_EQUAL(page.size(), 3u);
  CAF_CHECK_EQUAL(page[0].seq, 13u);
  CAF_CHECK_EQUAL(page[2].seq, 15u);
}

CAF_TEST(reads see writes that are still in the open batch) {
  start();
  // Queue writes without waiting, then read: the read commits them first.
  for (std::uint64_t i = 1; i <= 50; ++i)
    caf::anon_send(uut, append_atom::value, std::string{"chat:x"}, msg(i));
  auto rec = ask<room_record>(load_atom::value, std::string{"chat:x"},
                              std::uint32_t{100});
  CAF_CHECK_EQUAL(rec.last_seq, 50u);
  CAF_CHECK_EQUAL(rec.history.size(), 50u);
}

CAF_TEST(concurrent appends are group committed and all acknowledged) {
  start();
  second_connection lock{path};
  CAF_REQUIRE(lock.exec("BEGIN IMMEDIATE"));
  std::vector<append_handle> handles;
  for (std::uint64_t i = 1; i <= 1000; ++i)
    handles.push_back(self->request(uut, timeout, append_atom::value,
                                    std::string{"chat:x"}, msg(i)));
  CAF_REQUIRE(lock.exec("ROLLBACK"));
  std::size_t acked = 0;
  for (auto& h : handles)
    h.receive([&](committed_atom) { ++acked; },
              [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(acked, 1000u);
  CAF_CHECK_EQUAL(lock.value("SELECT COUNT(*) FROM messages"), 1000);
  auto json = describe();
  CAF_MESSAGE("describe: " << json);
  CAF_CHECK(contains(json, "\"commits\":1,"));
  CAF_CHECK(contains(json, "\"writes\":1000,"));
  CAF_CHECK(contains(json, "\"max_batch\":1000,"));
  CAF_CHECK(contains(json, "\"pending\":0,"));
}

CAF_TEST(a batch commits early when it reaches its limit) {
  start(100);
  second_connection lock{path};
  CAF_REQUIRE(lock.exec("BEGIN IMMEDIATE"));
  std::vector<append_handle> handles;
  for (std::uint64_t i = 1; i <= 1000; ++i)
    handles.push_back(self->request(uut, timeout, append_atom::value,
                                    std::string{"chat:x"}, msg(i)));
  CAF_REQUIRE(lock.exec("ROLLBACK"));
  std::size_t acked = 0;
  for (auto& h : handles)
    h.receive([&](committed_atom) { ++acked; },
              [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(acked, 1000u);
  auto json = describe();
  CAF_CHECK(contains(json, "\"commits\":10,"));
  CAF_CHECK(contains(json, "\"max_batch\":100,"));
  CAF_CHECK(contains(json, "\"batch_limit\":100,"));
}

CAF_TEST(flush answers once every earlier write is committed) {
  start();
  second_connection lock{path};
  CAF_REQUIRE(lock.exec("BEGIN IMMEDIATE"));
  // Fire-and-forget writes: only the flush tells us they are durable.
  for (std::uint64_t i = 1; i <= 50; ++i)
    caf::anon_send(uut, append_atom::value, std::string{"chat:x"}, msg(i));
  auto flushed = self->request(uut, timeout, flush_atom::value);
  CAF_REQUIRE(lock.exec("ROLLBACK"));
  bool ok = false;
  flushed.receive([&](committed_atom) { ok = true; },
                  [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK(ok);
  CAF_CHECK_EQUAL(lock.value("SELECT COUNT(*) FROM messages"), 50);
  // With nothing pending, flush answers at once.
  ask<committed_atom>(flush_atom::value);
}

CAF_TEST(a failed write is answered with an error and the actor keeps working) {
  start();
  commit_append("chat:x", msg(1));
  auto err = ask_error(append_atom::value, std::string{"chat:x"}, msg(1));
  CAF_CHECK(contains(err, "UNIQUE"));
  commit_append("chat:x", msg(2));
  auto rec = ask<room_record>(load_atom::value, std::string{"chat:x"},
                              std::uint32_t{10});
  CAF_CHECK_EQUAL(rec.last_seq, 2u);
  CAF_CHECK(contains(describe(), "\"failed_writes\":1"));
}

CAF_TEST(a write that aborts the transaction fails the rest of its batch) {
  start();
  second_connection db{path};
  CAF_REQUIRE(db.exec("CREATE TRIGGER boom BEFORE INSERT ON messages"
                      " WHEN NEW.body = 'boom'"
                      " BEGIN SELECT RAISE(ROLLBACK, 'boom'); END"));
  CAF_REQUIRE(db.exec("BEGIN IMMEDIATE"));
  auto first = self->request(uut, timeout, append_atom::value,
                             std::string{"chat:x"}, msg(1));
  auto bad = self->request(uut, timeout, append_atom::value,
                           std::string{"chat:x"}, msg(2, "boom"));
  auto after = self->request(uut, timeout, append_atom::value,
                             std::string{"chat:x"}, msg(3));
  CAF_REQUIRE(db.exec("ROLLBACK"));
  int errors = 0;
  int acks = 0;
  auto count = [&](auto& handle) {
    handle.receive([&](committed_atom) { ++acks; },
                   [&](caf::error&) { ++errors; });
  };
  count(first);
  count(bad);
  count(after);
  CAF_CHECK_EQUAL(errors, 2);
  CAF_CHECK_EQUAL(acks, 1);
  auto rec = ask<room_record>(load_atom::value, std::string{"chat:x"},
                              std::uint32_t{10});
  CAF_REQUIRE_EQUAL(rec.history.size(), 1u);
  CAF_CHECK_EQUAL(rec.history[0].seq, 3u);
}

CAF_TEST(quarantine moves the snapshot of a room aside) {
  start();
  commit_snapshot("conf:a", 9, "{garbage");
  commit_append("conf:a", msg(1));
  ask<committed_atom>(quarantine_atom::value, std::string{"conf:a"},
                      std::string{"state does not parse"});
  auto rec = ask<room_record>(load_atom::value, std::string{"conf:a"},
                              std::uint32_t{10});
  CAF_CHECK(!rec.found);
  CAF_CHECK_EQUAL(rec.last_seq, 1u);
  second_connection db{path};
  CAF_CHECK_EQUAL(db.value("SELECT COUNT(*) FROM quarantine WHERE"
                           " room_key = 'conf:a' AND state = '{garbage'"
                           " AND reason = 'state does not parse'"),
                  1);
}

CAF_TEST(expire deletes rooms last updated before the cutoff) {
  auto store = open_store();
  CAF_REQUIRE(store->put_snapshot("stale", "chat", 1, "{}", 1000));
  CAF_REQUIRE(store->append_message("stale", msg(1)));
  uut = spawn_persistence(sys, std::move(store));
  commit_snapshot("fresh", 1, "{}");
  commit_append("fresh", msg(1));
  CAF_CHECK_EQUAL(ask<std::uint64_t>(expire_atom::value, std::string{"chat"}, std::int64_t{2000}),
                  1u);
  auto stale = ask<room_record>(load_atom::value, std::string{"stale"},
                                std::uint32_t{10});
  CAF_CHECK_EQUAL(stale, room_record{});
  auto fresh = ask<room_record>(load_atom::value, std::string{"fresh"},
                                std::uint32_t{10});
  CAF_CHECK(fresh.found);
  CAF_CHECK_EQUAL(fresh.history.size(), 1u);
}

CAF_TEST(describe reports the database and the commit counters) {
  start();
  commit_append("chat:x", msg(1));
  auto json = describe();
  CAF_CHECK(contains(json, "\"path\":\"" + path + "\""));
  CAF_CHECK(contains(json, "\"synchronous\":\"full\""));
  CAF_CHECK(contains(json, "\"commits\":1,"));
  CAF_CHECK(contains(json, "\"writes\":1,"));
  CAF_CHECK(contains(json, "\"avg_batch\":1.00,"));
  CAF_CHECK(contains(json, "\"failed_commits\":0"));
  // One commit, counted in exactly one latency bucket.
  auto v = boost::json::parse(json).as_object();
  std::uint64_t counted = 0;
  for (auto& c : v.at("commit_ms_counts").as_array())
    counted += c.to_number<std::uint64_t>();
  CAF_CHECK_EQUAL(counted, 1u);
  CAF_CHECK_EQUAL(v.at("commit_ms_counts").as_array().size(), commit_bounds_ms.size() + 1);
}

CAF_TEST(a shutdown request commits the open batch before the actor stops) {
  start();
  second_connection lock{path};
  CAF_REQUIRE(lock.exec("BEGIN IMMEDIATE"));
  // The actor stalls on the first write; the exit arrives while that write's
  // batch is open.
  caf::anon_send(uut, append_atom::value, std::string{"chat:x"}, msg(1));
  caf::anon_send_exit(uut, caf::exit_reason::user_shutdown);
  CAF_REQUIRE(lock.exec("ROLLBACK"));
  self->wait_for(uut);
  CAF_CHECK_EQUAL(lock.value("SELECT COUNT(*) FROM messages"), 1);
  uut = nullptr;
}

CAF_TEST_FIXTURE_SCOPE_END()
