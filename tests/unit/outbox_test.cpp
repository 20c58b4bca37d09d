#define CAF_SUITE outbox

#include <caf/test/unit_test.hpp>

#include "actors/outbox.hpp"

#include <memory>
#include <string>
#include <vector>

#include "wire/wire_frame.hpp"

using namespace roomcast;

namespace {

/// Records, in order, every frame and close a client would have seen.
class recording_link : public client_link {
public:
  bool send(wire_frame_ptr frame) override {
    log.emplace_back(frame->payload());
    return true;
  }
  void close(std::uint16_t code, std::string reason) override {
    log.push_back("close " + std::to_string(code) + " " + reason);
  }
  std::size_t backlog() const override { return 0; }
  void command_done() override {}

  std::vector<std::string> log;
};

using log_t = std::vector<std::string>;

struct fixture {
  std::shared_ptr<recording_link> a = std::make_shared<recording_link>();
  std::shared_ptr<recording_link> b = std::make_shared<recording_link>();
  std::shared_ptr<recording_link> c = std::make_shared<recording_link>();
  std::vector<client_link_ptr> all{a, b, c};
  outbox box;

  static wire_frame_ptr f(const std::string& payload) { return make_text_frame(payload); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(outbox_tests, fixture)

CAF_TEST(with no pending write frames go out at once) {
  box.emit(all, f("one"));
  CAF_CHECK_EQUAL(a->log, log_t{"one"});
  CAF_CHECK_EQUAL(b->log, log_t{"one"});
  CAF_CHECK_EQUAL(c->log, log_t{"one"});
  box.emit_one(b, f("two"));
  CAF_CHECK_EQUAL(a->log, log_t{"one"});
  CAF_CHECK_EQUAL(b->log, (log_t{"one", "two"}));
  CAF_CHECK_EQUAL(box.queued_frames(), 0u);
  CAF_CHECK_EQUAL(box.pending_writes(), 0u);
}

CAF_TEST(recipients share the same rendered frame) {
  std::vector<const wire_frame*> seen;
  struct pointer_link : client_link {
    std::vector<const wire_frame*>* out;
    explicit pointer_link(std::vector<const wire_frame*>* o) : out(o) {}
    bool send(wire_frame_ptr frame) override {
      out->push_back(frame.get());
      return true;
    }
    void close(std::uint16_t, std::string) override {}
    std::size_t backlog() const override { return 0; }
    void command_done() override {}
  };
  std::vector<client_link_ptr> links{std::make_shared<pointer_link>(&seen), std::make_shared<pointer_link>(&seen)};
  auto frame = f("shared");
  auto w = box.begin_write();
  box.emit(links, frame);
  box.commit(w);
  CAF_CHECK_EQUAL(seen, (std::vector<const wire_frame*>{frame.get(), frame.get()}));
}

CAF_TEST(frames emitted after begin_write wait for the commit and keep their order) {
  auto w = box.begin_write();
  CAF_CHECK_EQUAL(box.pending_writes(), 1u);
  box.emit(all, f("1"));
  box.emit_one(a, f("2"));
  box.emit(all, f("3"));
  CAF_CHECK(a->log.empty());
  CAF_CHECK(b->log.empty());
  CAF_CHECK_EQUAL(box.queued_frames(), 3u);
  box.commit(w);
  CAF_CHECK_EQUAL(a->log, (log_t{"1", "2", "3"}));
  CAF_CHECK_EQUAL(b->log, (log_t{"1", "3"}));
  CAF_CHECK_EQUAL(c->log, (log_t{"1", "3"}));
  CAF_CHECK_EQUAL(box.queued_frames(), 0u);
  CAF_CHECK_EQUAL(box.pending_writes(), 0u);
  // Nothing pending any more: the next frame goes out at once.
  box.emit(all, f("4"));
  CAF_CHECK_EQUAL(a->log.back(), "4");
}

CAF_TEST(commit releases frames only up to the next uncommitted write) {
  auto w1 = box.begin_write();
  box.emit(all, f("after w1"));
  auto w2 = box.begin_write();
  box.emit(all, f("after w2"));
  auto w3 = box.begin_write();
  box.emit(all, f("after w3"));
  CAF_CHECK_EQUAL(box.pending_writes(), 3u);
  box.commit(w1);
  CAF_CHECK_EQUAL(a->log, log_t{"after w1"});
  CAF_CHECK_EQUAL(box.pending_writes(), 2u);
  box.commit(w2);
  CAF_CHECK_EQUAL(a->log, (log_t{"after w1", "after w2"}));
  box.commit(w3);
  CAF_CHECK_EQUAL(a->log, (log_t{"after w1", "after w2", "after w3"}));
  CAF_CHECK_EQUAL(c->log, a->log);
}

CAF_TEST(frames emitted before a write are not held by it) {
  auto w1 = box.begin_write();
  box.emit(all, f("x"));
  box.commit(w1);
  CAF_CHECK_EQUAL(a->log, log_t{"x"});
  box.emit(all, f("before"));
  CAF_CHECK_EQUAL(a->log, (log_t{"x", "before"}));
  auto w2 = box.begin_write();
  box.emit(all, f("after"));
  CAF_CHECK_EQUAL(a->log, (log_t{"x", "before"}));
  box.commit(w2);
  CAF_CHECK_EQUAL(a->log, (log_t{"x", "before", "after"}));
}

CAF_TEST(commits out of order release nothing until the oldest write commits) {
  auto w1 = box.begin_write();
  box.emit(all, f("a"));
  auto w2 = box.begin_write();
  box.emit(all, f("b"));
  auto w3 = box.begin_write();
  box.emit(all, f("c"));
  box.commit(w3);
  box.commit(w2);
  CAF_CHECK(a->log.empty());
  CAF_CHECK_EQUAL(box.pending_writes(), 1u);
  box.commit(w1);
  CAF_CHECK_EQUAL(a->log, (log_t{"a", "b", "c"}));
  CAF_CHECK_EQUAL(b->log, (log_t{"a", "b", "c"}));
  CAF_CHECK_EQUAL(box.pending_writes(), 0u);
  CAF_CHECK_EQUAL(box.queued_frames(), 0u);
}

CAF_TEST(a middle commit out of order releases up to the next pending write) {
  auto w1 = box.begin_write();
  box.emit(all, f("a"));
  auto w2 = box.begin_write();
  box.emit(all, f("b"));
  auto w3 = box.begin_write();
  box.emit(all, f("c"));
  box.commit(w2);
  CAF_CHECK(a->log.empty());
  box.commit(w1);
  CAF_CHECK_EQUAL(a->log, (log_t{"a", "b"}));
  box.commit(w3);
  CAF_CHECK_EQUAL(a->log, (log_t{"a", "b", "c"}));
}

CAF_TEST(fail drops only the frames owned by that write) {
  auto w1 = box.begin_write();
  box.emit(all, f("owned by w1"), nullptr, w1);
  box.emit(all, f("unowned"));
  auto w2 = box.begin_write();
  box.emit(all, f("owned by w2"), nullptr, w2);
  box.emit_one(a, f("one owned by w1"), w1);
  box.fail(w1);
  CAF_CHECK_EQUAL(a->log, log_t{"unowned"});
  CAF_CHECK_EQUAL(b->log, log_t{"unowned"});
  CAF_CHECK_EQUAL(box.pending_writes(), 1u);
  box.commit(w2);
  CAF_CHECK_EQUAL(a->log, (log_t{"unowned", "owned by w2"}));
  CAF_CHECK_EQUAL(b->log, (log_t{"unowned", "owned by w2"}));
  CAF_CHECK_EQUAL(c->log, (log_t{"unowned", "owned by w2"}));
}

CAF_TEST(a failed write behind a pending one drops its frames and keeps the rest waiting) {
  auto w1 = box.begin_write();
  box.emit(all, f("w1"), nullptr, w1);
  auto w2 = box.begin_write();
  box.emit(all, f("w2"), nullptr, w2);
  box.emit(all, f("plain"));
  box.fail(w2);
  CAF_CHECK(a->log.empty());
  box.commit(w1);
  CAF_CHECK_EQUAL(a->log, (log_t{"w1", "plain"}));
}

CAF_TEST(close_one is ordered behind earlier frames) {
  auto w = box.begin_write();
  box.emit(all, f("goodbye"));
  box.close_one(b, 4000, "kicked");
  box.emit(all, f("after close"));
  CAF_CHECK(b->log.empty());
  box.commit(w);
  CAF_CHECK_EQUAL(b->log, (log_t{"goodbye", "close 4000 kicked", "after close"}));
  CAF_CHECK_EQUAL(a->log, (log_t{"goodbye", "after close"}));
}

CAF_TEST(close_one with no pending write closes at once) {
  box.emit(all, f("hi"));
  box.close_one(c, 1008, "slow");
  CAF_CHECK_EQUAL(c->log, (log_t{"hi", "close 1008 slow"}));
  CAF_CHECK_EQUAL(a->log, log_t{"hi"});
}

CAF_TEST(a failed write does not cancel a close queued behind it) {
  auto w = box.begin_write();
  box.emit_one(b, f("owned"), w);
  box.close_one(b, 4001, "bye");
  box.fail(w);
  CAF_CHECK_EQUAL(b->log, log_t{"close 4001 bye"});
}

CAF_TEST(except skips one link) {
  box.emit(all, f("now"), b.get());
  CAF_CHECK_EQUAL(a->log, log_t{"now"});
  CAF_CHECK(b->log.empty());
  CAF_CHECK_EQUAL(c->log, log_t{"now"});
  auto w = box.begin_write();
  box.emit(all, f("later"), a.get());
  box.commit(w);
  CAF_CHECK_EQUAL(a->log, log_t{"now"});
  CAF_CHECK_EQUAL(b->log, log_t{"later"});
  CAF_CHECK_EQUAL(c->log, (log_t{"now", "later"}));
}

CAF_TEST(committing an unknown or repeated write id changes nothing) {
  auto w = box.begin_write();
  box.emit(all, f("held"));
  box.commit(w + 100);
  CAF_CHECK(a->log.empty());
  box.commit(w);
  box.commit(w);
  CAF_CHECK_EQUAL(a->log, log_t{"held"});
}

CAF_TEST(write ids are distinct) {
  auto w1 = box.begin_write();
  auto w2 = box.begin_write();
  CAF_CHECK_NOT_EQUAL(w1, w2);
  CAF_CHECK_NOT_EQUAL(w1, 0u);
  CAF_CHECK_NOT_EQUAL(w2, 0u);
  box.commit(w1);
  box.commit(w2);
  auto w3 = box.begin_write();
  CAF_CHECK_NOT_EQUAL(w3, w1);
  CAF_CHECK_NOT_EQUAL(w3, w2);
}

CAF_TEST_FIXTURE_SCOPE_END()
