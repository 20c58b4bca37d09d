#define CAF_SUITE route_deadline

#include "gateway/route_deadline.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <vector>

using namespace roomcast;
using namespace std::chrono_literals;

namespace {

/// Answers recorded on the io_context's thread (the tests run it on theirs).
struct fixture {
  boost::asio::io_context ioc;
  boost::asio::steady_timer deadline{ioc};
  std::vector<http_response> answers;
  responder res{[this](http_response r) { answers.push_back(std::move(r)); }};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(route_deadline_tests, fixture)

CAF_TEST(a handler that never answers gets 503 after the timeout) {
  auto start = std::chrono::steady_clock::now();
  arm_route_deadline(deadline, res, 30ms);
  CAF_CHECK(answers.empty());
  ioc.run();
  CAF_CHECK_GREATER_OR_EQUAL(std::chrono::steady_clock::now() - start, 30ms);
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK_EQUAL(answers[0].status, 503u);
  CAF_CHECK(res.answered());
}

CAF_TEST(a handler that answers in time gets no 503) {
  arm_route_deadline(deadline, res, 200ms);
  // The handler's answer comes from elsewhere a little later; the deadline
  // still fires afterwards, and its 503 must not reach the client.
  boost::asio::steady_timer handler{ioc};
  handler.expires_after(10ms);
  handler.async_wait([r = res](const boost::system::error_code&) { r.json(200, "{}"); });
  ioc.run();
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK_EQUAL(answers[0].status, 200u);
}

CAF_TEST(cancelling the timer when the answer is written disarms the deadline) {
  // http_session cancels the timer as it writes an answer.
  responder cancelling{[this](http_response r) {
    deadline.cancel();
    answers.push_back(std::move(r));
  }};
  arm_route_deadline(deadline, cancelling, 10s);
  boost::asio::post(ioc, [cancelling] { cancelling.json(200, "{}"); });
  auto start = std::chrono::steady_clock::now();
  ioc.run();
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - start, 5s);
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK_EQUAL(answers[0].status, 200u);
}

CAF_TEST(a request answered before the deadline is armed arms nothing) {
  res.json(200, "{}");
  arm_route_deadline(deadline, res, 10ms);
  CAF_CHECK_EQUAL(ioc.run(), 0u);
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK_EQUAL(answers[0].status, 200u);
}

CAF_TEST_FIXTURE_SCOPE_END()
