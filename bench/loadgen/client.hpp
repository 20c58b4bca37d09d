#pragma once
// Client connections and the worker threads that own them. Each worker is
// one io_context on one thread; a connection lives on its worker only, so
// nothing on the hot path locks. The main thread drives workers by posting
// commands and reads their counters (single writer, relaxed atomics).

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "loadgen/inflater.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/options.hpp"
#include "ws_frame.hpp"

namespace bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Microseconds on the steady clock since the load generator started.
std::int64_t now_us();

constexpr int max_steps = 16;

/// State shared by all workers: fixed before they start, except `step`.
struct run_shared {
  explicit run_shared(const options& o) : opt(o) {}
  const options& opt;
  tcp::endpoint target;
  std::shared_ptr<asio::ssl::context> tls;  ///< null: plain TCP
  std::string run_id;                       ///< makes room names unique per run
  std::atomic<int> step{-1};                ///< the measured step, -1 while not measuring
  std::vector<std::uint32_t> room_members;  ///< joined members per room, fixed before sending
  std::string room_name(std::uint32_t room) const { return run_id + "r" + std::to_string(room); }
};

/// Per-worker counters: written by the worker only, summed by the main thread.
struct counters {
  std::atomic<std::uint64_t> attempted{0}, joined{0}, failed{0};
  std::atomic<std::uint64_t> sent{0}, expected{0}, delivered{0}, acked{0}, frames{0}, bytes_in{0};
  std::atomic<std::uint64_t> err_connect{0}, err_upgrade{0}, err_timeout{0}, err_closed{0};
  std::atomic<std::uint64_t> err_event{0}, err_protocol{0}, send_backlog{0}, skipped_sends{0};
  std::atomic<std::uint64_t> compressed{0}; ///< messages that arrived compressed (permessage-deflate)
  std::atomic<std::int64_t> last_join_us{0};
};

inline void bump(std::atomic<std::uint64_t>& a, std::uint64_t n = 1) {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

class worker;

class connection {
public:
  enum class state : std::uint8_t { idle, connecting, upgrading, sio_open, sio_namespace, joining, joined, dead };

  connection(worker& w, std::uint32_t index, std::uint32_t room);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void start(std::uint32_t source_ip);
  /// Sends one chat message stamped with `now`.
  void send_chat(std::int64_t now, bool want_ack);
  /// Closes without counting an error (end of run, end of a storm step).
  void close();

  bool joined() const { return st_ == state::joined; }
  bool handshaking() const { return st_ != state::joined && st_ != state::dead; }
  std::uint32_t index() const { return index_; }
  std::uint32_t room() const { return room_; }
  std::int64_t deadline() const { return deadline_us_; }
  void fail(std::atomic<std::uint64_t>& kind);

private:
  void on_connect(const boost::system::error_code& ec);
  void send_upgrade();
  void arm_read();
  void on_tls_read(const boost::system::error_code& ec, std::size_t n);
  void tls_flush();
  void on_readable(const boost::system::error_code& ec);
  void handle_bytes(char* data, std::size_t n);
  bool on_http(); // false: wait for more
  std::size_t consume(char* data, std::size_t len);
  /// A whole message: inflated first if `compressed`. False: the connection failed.
  bool deliver(std::uint8_t op, std::string_view payload, bool compressed);
  void on_frame(std::uint8_t op, std::string_view payload);
  void on_message(std::string_view m);
  void on_conference(std::string_view m);
  void on_shop(std::string_view m);
  void on_socketio(std::string_view m);
  void on_chat_text(std::string_view text, bool is_ack);
  void become_joined();
  void send_text(std::string_view payload) { send_frame(ws::op_text, payload); }
  void send_frame(std::uint8_t op, std::string_view payload);
  void write(const char* data, std::size_t len);
  void on_writable(const boost::system::error_code& ec);

  worker& w_;
  tcp::socket sock_;
  std::uint32_t index_;
  std::uint32_t room_;
  state st_ = state::idle;
  bool write_armed_ = false;
  std::uint8_t frag_op_ = 0;
  std::int64_t next_ack_id_ = 2; // 1 is the joinRoom acknowledgement
  std::uint64_t shop_sends_ = 0; // shop: every 4th chat message also toggles a like
  std::int64_t deadline_us_ = 0;
  std::string in_;   // bytes of an incomplete frame (or the HTTP response)
  std::string out_;  // bytes the socket did not take yet
  std::string frag_; // a fragmented message being reassembled
  // TLS (--tls): OpenSSL buffers decrypted bytes, so reads are async reads
  // into the connection's own buffer and writes one async_write at a time.
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
  std::vector<char> tls_in_;
  std::string tls_out_; // bytes being written; out_ collects the next ones
  bool tls_writing_ = false;
  // permessage-deflate (--deflate, if the server agreed)
  bool deflate_ = false;
  bool server_takeover_ = false;       // the server keeps its window: this connection needs its own inflater
  bool frag_rsv1_ = false;             // the message being reassembled is compressed
  std::unique_ptr<inflater> inflater_; // with server context takeover only
};

class worker {
public:
  worker(run_shared& rs, int id);
  ~worker();

  void start();
  void stop();

  /// Runs `fn` on the worker thread and waits for it.
  template <class F>
  void call(F&& fn) {
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  // -- commands: run on the worker thread (post them, or use call) ----------
  /// Opens connections {index, room}; `rate` per second (0: as fast as `max_inflight` allows).
  void connect(std::vector<std::pair<std::uint32_t, std::uint32_t>> specs, double rate, std::uint32_t max_inflight);
  /// Starts sending at `rate` msgs/s per sender: every joined connection, or the first joined one.
  /// `max_senders`: how many of this worker's joined connections send (0: all).
  void start_sending(double rate, std::uint32_t max_senders, bool want_ack);
  void stop_sending();
  /// Drops connections not yet started (a phase that ran out of time).
  void cancel_connects() { to_connect_.clear(); }
  /// Adds this worker's joined connections per room into `members`.
  void count_members(std::vector<std::uint32_t>& members) const;
  void close_all();

  // -- for connections ------------------------------------------------------
  asio::io_context& io() { return io_; }
  run_shared& shared() { return rs_; }
  const options& opt() const { return rs_.opt; }
  counters& stats() { return c_; }
  std::vector<char>& read_buffer() { return rbuf_; }
  std::string& scratch() { return scratch_; }
  /// Inflates a message compressed without context takeover. Every member
  /// of a room gets the same bytes when the server compresses once, so the
  /// results for the last few hundred messages are kept (reads bring several
  /// messages per connection, so the last one alone would rarely match): the
  /// load generator's cost stays per message, not per delivery. Null on
  /// corrupt data.
  const std::string* inflate_shared(std::string_view compressed) {
    if (auto it = memo_.find(compressed); it != memo_.end()) return &it->second;
    std::string out;
    if (!shared_inflater_.inflate(compressed, out, true)) return nullptr;
    if (memo_order_.size() >= 512) {
      memo_.erase(memo_.find(memo_order_.front()));
      memo_order_.pop_front();
    }
    auto [it, added] = memo_.emplace(std::string(compressed), std::move(out));
    memo_order_.push_back(it->first);
    return &it->second;
  }
  std::string& inflate_buffer() { return inflated_; }
  std::int64_t now() const { return now_; }
  void set_now(std::int64_t t) { now_ = t; }
  std::uint32_t mask_key() {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return static_cast<std::uint32_t>(rng_);
  }
  std::uint64_t random() { return (static_cast<std::uint64_t>(mask_key()) << 32) | mask_key(); }
  void record_delivery(std::int64_t latency_us);
  void record_ack(std::int64_t latency_us);
  void handshake_done(connection& c);

  const latency_histogram& delivery_histogram(int step) const { return *delivery_[step]; }
  const latency_histogram& ack_histogram(int step) const { return *ack_[step]; }

private:
  void pump_connects();
  void arm_pace();
  void arm_sweep();
  void arm_send();
  void on_send_timer();

  run_shared& rs_;
  int id_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
  counters c_;
  std::vector<char> rbuf_;
  std::string scratch_;
  inflater shared_inflater_;
  struct view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, view_hash, std::equal_to<>> memo_;
  std::deque<std::string_view> memo_order_; // keys of memo_, oldest first
  std::string inflated_;
  std::int64_t now_ = 0;
  std::uint64_t rng_;
  std::array<std::unique_ptr<latency_histogram>, max_steps> delivery_, ack_;

  // Connections are never freed before the worker: late handlers may still name them.
  std::vector<std::unique_ptr<connection>> conns_;
  std::vector<connection*> handshaking_;
  std::deque<std::pair<std::uint32_t, std::uint32_t>> to_connect_;
  std::uint32_t inflight_ = 0, max_inflight_ = 1, next_source_ = 0;
  double connect_rate_ = 0, tokens_ = 0;
  std::int64_t last_pace_ = 0;
  bool pace_armed_ = false;
  asio::steady_timer pace_timer_, sweep_timer_, send_timer_;

  struct due {
    std::int64_t at;
    connection* c;
    bool operator>(const due& o) const { return at > o.at; }
  };
  std::priority_queue<due, std::vector<due>, std::greater<>> schedule_;
  std::int64_t period_us_ = 0;
  bool want_ack_ = false;
  std::uint64_t send_generation_ = 0;
};

} // namespace bench
