#pragma once
// One Engine.IO v4 client: a logical connection that lives across HTTP
// long-polling requests (which may arrive on any I/O thread) and, after the
// upgrade, one WebSocket. It is the client's `client_link` whatever the
// transport: frames queue (bounded) until a poll takes them, or go straight
// to the WebSocket once upgraded. Thread-safe.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/engineio.hpp"
#include "gateway/router.hpp"
#include "gateway/transport_session.hpp"
#include "wire/client_link.hpp"

namespace roomcast {

class engineio_session final : public client_link,
                               public transport_session,
                               public eio_session_services,
                               public std::enable_shared_from_this<engineio_session> {
public:
  /// Called once when the session ends (the server forgets `sid`).
  using closed_fn = std::function<void(const std::string& sid)>;

  engineio_session(boost::asio::io_context& ioc, std::string sid, const eio_options& opts,
                   std::unique_ptr<eio_handler> handler, http_request handshake, closed_fn on_closed);
  ~engineio_session() override;

  const std::string& sid() const noexcept { return sid_; }

  /// Sends the open packet and starts heartbeat and handler. `ws`: opened
  /// directly over this WebSocket (no upgrades offered); null: polling.
  void open(client_link_ptr ws);

  // -- HTTP long-polling -------------------------------------------------
  /// A GET: answered with what is queued, or held until something is.
  void poll(responder res);
  /// A POST carrying packets; answered "ok", or 400 (and the session ends).
  void post(std::string_view body, responder res);

  // -- WebSocket (from the upgrade route) ----------------------------------
  /// A WebSocket wants to take over this polling session; false if it may not.
  bool attach(client_link_ptr ws);
  /// One WebSocket message of `ws`.
  void on_ws_message(std::string_view data, bool binary, client_link& ws);
  /// The WebSocket `ws` is gone.
  void on_ws_gone(const client_link* ws);
  /// A message over the WebSocket size limit: the session ends.
  void on_too_big();

  // -- client_link ---------------------------------------------------------
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

  // -- transport_session ---------------------------------------------------
  void flush() override {}
  void shutdown() override;
  std::string transport() const override {
    std::lock_guard lk(mu_);
    return phase_ == phase::websocket ? "socket.io/websocket" : "socket.io/polling";
  }

  // -- eio_session_services ------------------------------------------------
  void after(std::chrono::milliseconds delay, std::function<void()> f) override;
  const http_request& handshake() const override { return handshake_; }

private:
  std::string annotation_; ///< the connection actor's describe, for operators (guarded by mu_)
  enum class phase { polling, probing, websocket, closed };

  /// Handles one Engine.IO packet from either transport; false if invalid.
  bool on_packet(std::string_view packet, bool binary, client_link& via);
  void deliver(std::string_view data, bool binary, client_link& via);
  /// Ends the session: `farewell` goes to a waiting poll, the WebSocket is closed.
  void end(const char* why, std::string_view farewell);
  void end_locked(std::unique_lock<std::mutex>& lk, const char* why, std::string_view farewell);
  /// Answers a held poll with the queue (call with mu_ held; replies after unlock).
  std::optional<std::pair<responder, std::string>> take_poll_locked();
  std::string drain_queue_locked();
  void arm_ping();
  void on_ping_timer(std::uint64_t generation);

  boost::asio::io_context& ioc_;
  const std::string sid_;
  const eio_options opts_;
  const http_request handshake_;
  closed_fn on_closed_;
  std::unique_ptr<eio_handler> handler_; ///< guarded by in_mu_
  std::mutex in_mu_;                     ///< one inbound packet at a time

  mutable std::mutex mu_; ///< guards everything below
  phase phase_ = phase::polling;
  client_link_ptr ws_;
  std::vector<wire_frame_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  std::optional<responder> poll_;
  bool closing_ = false; ///< a close packet waits for the next poll
  bool awaiting_pong_ = false;
  std::uint64_t ping_generation_ = 0;
  boost::asio::steady_timer ping_timer_;
};

} // namespace roomcast
