#pragma once
// One accepted TCP connection's place under the server's connection limits
// (settings: max_connections, max_connections_per_ip, max_pending_http).
// Taken at accept; the session holding it gives it back when it goes, and
// an upgrade moves it from the HTTP session to the WebSocket session, so a
// connection is counted once from accept to close.

#include <string>
#include <string_view>
#include <variant>

#include "gateway/gateway_context.hpp"

namespace roomcast {

/// The limit that refused a connection.
enum class connection_refusal { total, per_ip, pending_http };

std::string_view to_string(connection_refusal r);

class connection_slot {
public:
  /// Takes a place for a new connection from `remote_address`, counted as
  /// pending HTTP, or names the limit it would break. Thread-safe.
  static std::variant<connection_slot, connection_refusal> admit(gateway_context& ctx, std::string remote_address);

  /// Warns about a refusal, at most once a second (with the count since the
  /// last warning). Thread-safe.
  static void log_refusal(gateway_context& ctx, connection_refusal why, std::string_view remote_address);

  connection_slot() = default; ///< holds no place
  connection_slot(connection_slot&& other) noexcept;
  connection_slot& operator=(connection_slot&& other) noexcept;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;
  ~connection_slot();

  /// The connection left HTTP (it upgraded): no longer pending.
  void upgraded();
  /// Gives the place back now (the socket is closed); idempotent.
  void release();

  bool holds() const noexcept { return ctx_ != nullptr; }
  const std::string& remote_address() const noexcept { return remote_; }

private:
  connection_slot(gateway_context& ctx, std::string remote) : ctx_(&ctx), remote_(std::move(remote)), pending_(true) {}

  gateway_context* ctx_ = nullptr;
  std::string remote_;
  bool pending_ = false;
};

} // namespace roomcast
