#pragma once
// Routes as data: HTTP routes {method, pattern} -> handler and upgrade
// routes {pattern} -> endpoint. Dialects register theirs at start; the
// HTTP session only asks the table. Patterns are paths whose `:name`
// segments capture one segment each ("/api/rooms/:roomId").

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/endpoint.hpp"
#include "gateway/engineio.hpp"
#include "gateway/http_types.hpp"
#include "gateway/socketio_namespace.hpp"

namespace roomcast {

/// Answers one request, once: the first reply wins and later ones are
/// ignored (a late actor answer after the timeout's 503). Copyable and
/// thread-safe, so a handler may hand it to an actor and reply later.
class responder {
public:
  using sink = std::function<void(http_response)>;
  explicit responder(sink s);

  void reply(http_response r) const;
  void json(unsigned status, std::string body) const { reply(http_response::json(status, std::move(body))); }
  void error(unsigned status, std::string_view message) const { reply(http_response::error(status, message)); }
  bool answered() const;

private:
  struct state {
    sink out;
    std::atomic<bool> done{false};
  };
  std::shared_ptr<state> state_;
};

using http_handler = std::function<void(http_request& req, responder res)>;

struct http_route {
  http_method method = http_method::get;
  std::string pattern;
  http_handler handler;
  std::size_t body_limit = 64 * 1024;
  /// The body must be a JSON value (parsed into `http_request::json`), else 400.
  bool json_body = false;
  /// Answers CORS preflights and adds Access-Control-* headers for the
  /// allowed origins.
  bool cors = false;
  /// A handler that has not answered by then gets 503 on its behalf.
  std::chrono::milliseconds timeout{10000};
  /// Refuses (403) a browser request from an origin not allowed: for routes
  /// with side effects that a foreign page must not trigger (Engine.IO polling).
  bool check_origin = false;
};

struct upgrade_route {
  std::string pattern;
  std::shared_ptr<ws_endpoint> endpoint;
  /// Browser origins allowed to open this WebSocket; empty: the router's.
  std::vector<std::string> origins = {};
  /// The path is also an ordinary web address (e.g. "/"): a GET without the
  /// upgrade goes to the HTTP side (its route, or 404) instead of 426.
  bool shares_http_path = false;
};

class router {
public:
  void add(http_route r);
  void add(upgrade_route r);
  /// An Engine.IO endpoint with its own handler (the gateway mounts its
  /// polling and WebSocket routes at start).
  void add(eio_mount m) { eio_.push_back(std::move(m)); }
  /// A Socket.IO namespace ("/chat"); the gateway serves Socket.IO on its
  /// configured path once any namespace is registered.
  void add_namespace(std::string name, std::shared_ptr<sio_namespace> ns) {
    namespaces_.emplace_back(std::move(name), std::move(ns));
  }

  const std::vector<eio_mount>& engineio_mounts() const noexcept { return eio_; }
  const std::vector<std::pair<std::string, std::shared_ptr<sio_namespace>>>& namespaces() const noexcept {
    return namespaces_;
  }

  /// Origins CORS routes answer to ("*" for any).
  void allow_origins(std::vector<std::string> origins) { origins_ = std::move(origins); }

  /// The upgrade route for `path` (captures into `params`), or null.
  const upgrade_route* find_upgrade(std::string_view path, string_pairs& params) const;

  /// The route a request goes to; null with `status` 404 or 405 (and
  /// `allow`, the methods the path takes) when none.
  struct match {
    const http_route* route = nullptr;
    string_pairs params;
    unsigned status = 0;
    std::string allow;
    bool preflight = false; ///< an OPTIONS request to a CORS route
  };
  match find(http_method method, std::string_view path) const;

  /// Runs `req` through the table: 404/405 with JSON bodies, CORS
  /// preflights, 400 for a body that is not JSON where JSON is required,
  /// otherwise the handler (which may answer later through `res`). The
  /// caller applies the returned route's timeout.
  const http_route* dispatch(http_request& req, responder res) const;

  /// One line of the table, for a page that says what this node serves.
  struct listing {
    std::string method; ///< "GET", ...; "WS" for an upgrade route
    std::string pattern;
  };
  /// Every route in the order registered: upgrade routes, then HTTP routes.
  std::vector<listing> list() const;

  /// The CORS headers for a request from `origin`; none when it is not allowed.
  string_pairs cors_headers(std::string_view origin) const;

  /// May a browser page from `req`'s Origin use this server? No Origin (not a
  /// browser), the same origin as the Host, or one of `allowed` ("*": any;
  /// empty: the router's list).
  bool origin_allowed(const http_request& req, const std::vector<std::string>& allowed = {}) const;

private:
  std::vector<http_route> http_;
  std::vector<upgrade_route> upgrades_;
  std::vector<std::string> origins_;
  std::vector<eio_mount> eio_;
  std::vector<std::pair<std::string, std::shared_ptr<sio_namespace>>> namespaces_;
};

/// True when `path` matches `pattern`; captures `:name` segments.
bool match_pattern(std::string_view pattern, std::string_view path, string_pairs& params);

} // namespace roomcast
