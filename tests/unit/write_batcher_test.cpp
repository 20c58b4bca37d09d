#define CAF_SUITE write_batcher

#include "gateway/write_batcher.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

#include "gateway/transport_session.hpp"

using namespace roomcast;

namespace {

/// Records the thread of every flush. Flushes run on the io_context's
/// thread only, so no lock.
class fake_session final : public transport_session {
public:
  void flush() override { flushed_on.push_back(std::this_thread::get_id()); }
  void close(std::uint16_t, std::string) override {}
  void shutdown() override {}
  std::size_t backlog() const override { return 0; }

  std::vector<std::thread::id> flushed_on;
};

struct fixture {
  boost::asio::io_context ioc{1};
  write_batcher& batcher = boost::asio::use_service<write_batcher>(ioc);

  /// Runs what is ready on this thread (the io_context's thread in these
  /// tests); the number of handlers that ran.
  std::size_t run_round() {
    ioc.restart();
    return ioc.poll();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(write_batcher_tests, fixture)

CAF_TEST(a session registered from two threads is flushed once per round on the io_context thread) {
  auto s = std::make_shared<fake_session>();
  auto io_thread = std::this_thread::get_id();
  std::thread first{[&] { batcher.add(s); }};
  first.join();
  CAF_CHECK(s->flushed_on.empty()); // nothing runs until the io_context does
  CAF_CHECK_EQUAL(run_round(), 1u);
  CAF_REQUIRE_EQUAL(s->flushed_on.size(), 1u);
  std::thread second{[&] { batcher.add(s); }};
  second.join();
  CAF_CHECK_EQUAL(run_round(), 1u);
  CAF_REQUIRE_EQUAL(s->flushed_on.size(), 2u);
  CAF_CHECK(s->flushed_on[0] == io_thread);
  CAF_CHECK(s->flushed_on[1] == io_thread);
  CAF_CHECK_EQUAL(run_round(), 0u); // nothing left over
  CAF_CHECK_EQUAL(s->flushed_on.size(), 2u);
}

CAF_TEST(sessions registered by two threads in one round cost one wake up) {
  auto a = std::make_shared<fake_session>();
  auto b = std::make_shared<fake_session>();
  std::thread ta{[&] { batcher.add(a); }};
  std::thread tb{[&] { batcher.add(b); }};
  ta.join();
  tb.join();
  CAF_CHECK_EQUAL(run_round(), 1u);
  CAF_CHECK_EQUAL(a->flushed_on.size(), 1u);
  CAF_CHECK_EQUAL(b->flushed_on.size(), 1u);
  CAF_CHECK_EQUAL(run_round(), 0u);
}

CAF_TEST(a session registered while its round runs is flushed in the next round) {
  auto later = std::make_shared<fake_session>();
  struct adder final : transport_session {
    write_batcher* batcher = nullptr;
    std::shared_ptr<transport_session> next;
    void flush() override { batcher->add(next); }
    void close(std::uint16_t, std::string) override {}
    void shutdown() override {}
    std::size_t backlog() const override { return 0; }
  };
  auto first = std::make_shared<adder>();
  first->batcher = &batcher;
  first->next = later;
  batcher.add(first);
  CAF_CHECK_EQUAL(run_round(), 2u); // the first round posts a second one
  CAF_CHECK_EQUAL(later->flushed_on.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
