#pragma once
// One WebSocket client on a raw TCP socket or TLS over one (the handshake
// was done by http_session): the transport only. Frames in: parsed and handed, as
// complete messages, to the endpoint's connection. Frames out: a bounded
// queue of shared frames written with gathered writes. Ping, pong and the
// closing handshake are handled here; what messages mean is not.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wire/client_link.hpp"
#include "gateway/connection_slot.hpp"
#include "gateway/deflate_negotiation.hpp"
#include "gateway/gateway_context.hpp"
#include "gateway/tls_context.hpp"
#include "gateway/tls_stream.hpp"
#include "gateway/ws_parser.hpp"

namespace roomcast {

class write_batcher;

/// Plain TCP: reads wait for readiness and then read without blocking into
/// a per-thread buffer (an idle client holds no read buffer); writes go out
/// as gathered non-blocking writes. TLS: OpenSSL keeps decrypted bytes
/// buffered, so readiness says nothing; reads are async_read_some into the
/// session's own buffer and writes one async_write per batch.
template <class Stream>
class basic_websocket_session final : public client_link,
                                      public transport_session,
                                      public std::enable_shared_from_this<basic_websocket_session<Stream>> {
public:
  using tcp = boost::asio::ip::tcp;

  /// `stream`'s executor must be an io_context run by one thread: every
  /// private member function below runs on that thread, unsynchronized.
  /// `slot`: the connection's place under the limits, from the HTTP session.
  /// `tls`: the context `stream` was made with (kept while it lives).
  /// `deflate`: the permessage-deflate agreement, if one was made.
  basic_websocket_session(Stream&& stream, gateway_context& ctx, std::unique_ptr<ws_connection> conn,
                          connection_slot slot = {}, tls_context_ptr tls = nullptr,
                          const deflate_agreement* deflate = nullptr);
  ~basic_websocket_session() override;

  /// Starts the endpoint's connection and reading. `leftover`: bytes the
  /// HTTP parser read past the upgrade request.
  void start(std::string leftover);

  // client_link and transport_session: thread-safe unless said otherwise
  bool send(wire_frame_ptr frame) override;
  void close(std::uint16_t code, std::string reason) override;
  std::size_t backlog() const override;
  void command_done() override;
  void annotate(std::string json) override {
    std::lock_guard lk(mu_);
    annotation_ = std::move(json);
  }
  std::string annotation() const override {
    std::lock_guard lk(mu_);
    return annotation_;
  }
  /// Closes the socket at once (server shutdown).
  void shutdown() override;
  /// Writes what is queued; on the session's thread (write_batcher).
  void flush() override;

private:
  std::string annotation_; ///< the connection actor's describe, for operators (guarded by mu_)
  using std::enable_shared_from_this<basic_websocket_session<Stream>>::shared_from_this;
  static constexpr bool tls = is_tls_stream<Stream>;

  void do_wait_read();
  void on_readable(const boost::system::error_code& ec);
  void on_tls_read(const boost::system::error_code& ec, std::size_t n);
  void consume(char* data, std::size_t n);
  void on_frame(const ws_event& e);
  void dispatched(bool handed_to_actor);
  /// Queues a pong; it counts against the queue bound, and past a few
  /// waiting ones only the latest ping is answered (RFC 6455 5.5.3).
  void send_pong(std::string_view payload);
  void send_control(wire_frame_ptr frame);
  /// What this client gets for `frame`: its compressed variant (made once,
  /// shared with every other such client) when that pays, else `frame`.
  wire_frame_ptr for_deflate(wire_frame_ptr frame) const;
  void schedule_flush_locked();
  void do_write();
  void do_write_plain();
  void do_write_tls();
  /// Moves the queue into batch_; false (and not flushing) if it was empty.
  bool take_batch();
  /// The batch is written; false if it held our close frame.
  bool finish_batch();
  void arm_timer();
  void on_timer(const boost::system::error_code& ec);
  void start_closing(wire_frame_ptr close_frame, bool drop_queued, std::chrono::milliseconds deadline);
  void terminate(const char* why);
  /// Tells the endpoint's connection the client is gone (it leaves its rooms).
  void release_connection();
  void overflow();

  tls_context_ptr tls_; ///< outlives stream_
  Stream stream_;
  gateway_context& ctx_;
  connection_slot slot_; ///< I/O thread; given back when the socket closes
  std::unique_ptr<ws_connection> conn_; ///< I/O thread; null once released
  ws_parser parser_;
  bool deflate_ = false; ///< permessage-deflate negotiated (fixed at construction)
  /// The client limited our window (server_max_window_bits): only messages
  /// that fit it are compressed (each is compressed on its own).
  std::size_t deflate_max_payload_ = static_cast<std::size_t>(-1);
  std::string pending_; ///< bytes of an incomplete frame; empty when idle
  std::chrono::steady_clock::time_point last_read_;
  std::chrono::steady_clock::time_point last_ping_;
  boost::asio::steady_timer timer_;
  bool waiting_read_ = false;
  bool close_deadline_ = false; ///< the timer now bounds the closing handshake

  mutable std::mutex mu_; ///< guards the write side below
  std::vector<wire_frame_ptr> queue_;
  std::size_t queued_bytes_ = 0; ///< queue_ plus the batch in flight
  bool flushing_ = false;        ///< registered with the batcher, or writing
  bool closing_ = false;         ///< a close frame is queued: nothing more
  wire_frame_ptr close_frame_;
  std::size_t pong_at_ = no_pong; ///< index in queue_ of the last pong waiting there
  std::size_t pongs_waiting_ = 0;  ///< pongs in queue_
  static constexpr std::size_t no_pong = static_cast<std::size_t>(-1);

  write_batcher& batcher_;
  std::vector<wire_frame_ptr> batch_; ///< I/O thread: frames being written
  std::size_t batch_bytes_ = 0;       ///< their total size
  std::size_t next_ = 0;              ///< the first frame not fully written
  std::size_t offset_ = 0;            ///< bytes of that frame already written
  bool write_waiting_ = false;        ///< waiting for the socket to take more (TLS: a write in flight)
  struct tls_buffers {
    std::unique_ptr<char[]> in; ///< decrypted bytes land here
    std::string out;            ///< the batch in flight, in one piece; empty when idle
  };
  struct no_tls_buffers {};
  [[no_unique_address]] std::conditional_t<tls, tls_buffers, no_tls_buffers> tls_io_;
  std::vector<boost::asio::const_buffer> buffers_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> paused_{false};
  std::atomic<std::size_t> inflight_{0};
};

using websocket_session = basic_websocket_session<plain_stream>;
using tls_websocket_session = basic_websocket_session<tls_stream>;
extern template class basic_websocket_session<plain_stream>;
extern template class basic_websocket_session<tls_stream>;

} // namespace roomcast
