#pragma once
// The admin API's meaning, apart from actors and sockets: everything here is
// built from describe JSON (the registry's, the rooms', the persistence
// actor's) and from the gateway's live tables, never from counters kept on
// the side, so what the console shows cannot drift from the actors' state.
// Pure functions: unit-tested with fixed describe documents.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/identity.hpp"
#include "auth/jwt_policy.hpp"
#include "gateway/connection_table.hpp"
#include "gateway/http_types.hpp"
#include "gateway/metrics.hpp"

namespace roomcast::admin {

// -- auth -----------------------------------------------------------------------

/// The cookie `POST /admin/login` sets.
inline constexpr std::string_view cookie_name = "roomcast_admin";

/// Who is asking, or the 401/403 to answer with.
struct auth_result {
  std::optional<verified_identity> admin;
  std::optional<http_response> refusal;
};

/// The request's admin token (`Authorization: Bearer`, else the cookie)
/// checked against `tokens` (auth.*): HS256, not expired, `role: admin`.
auth_result authenticate(const http_request& req, const jwt_policy& tokens);

/// A cookie's value from a `Cookie:` header; empty when absent.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

/// The token in a login body: JSON `{"token": ...}` or a form `token=...`.
std::string login_token(const http_request& req);

// -- actors ---------------------------------------------------------------------

/// `GET /admin/api/actors?kind=&prefix=&page=&limit=&sort=`.
struct actor_query {
  std::string kind;   ///< empty: every kind
  std::string prefix; ///< of the room id
  std::size_t page = 1;
  std::size_t limit = 50;
  std::string sort = "id"; ///< id | members | activity
};

/// Parses the query string; an error text for a bad value.
std::optional<actor_query> parse_actor_query(const http_request& req, std::string& error);

/// The rooms a registry describe lists ("kind:id"), as (kind, id), that the
/// query's kind and prefix select, in registry order.
std::vector<std::pair<std::string, std::string>> select_rooms(std::string_view registry_describe,
                                                             const actor_query& q);

/// One page of rooms from their describe documents (one per selected room;
/// an empty string for a room that did not answer): `{"total", "page",
/// "limit", "pages", "items": [{"kind","id","memberCount","activity"}]}`,
/// sorted by `q.sort` (members: most first; activity: latest lastSeq
/// first; id: ascending; ties by kind and id).
std::string actor_page(const std::vector<std::pair<std::string, std::string>>& rooms,
                       const std::vector<std::string>& describes, const actor_query& q);

/// A describe document with any secret-looking field (token, secret,
/// password, resumeToken, ...) removed, at any depth. Invalid JSON in,
/// `{"error":...}` out.
std::string redact(std::string_view describe_json);

// -- connections ----------------------------------------------------------------

std::string connection_json(const connection_table::row& r);
std::string connections_json(const std::vector<connection_table::row>& rows);
/// Open connections counted by dialect (as each connection actor describes
/// itself; "pending" before it did) and transport. A WebSocket that only
/// carries an Engine.IO session is counted with that session, not again.
std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>>
connections_by_dialect(const std::vector<connection_table::row>& rows);

// -- overview -------------------------------------------------------------------

/// What the process itself reports (from /proc/self).
struct process_stats {
  std::uint64_t rss_bytes = 0;
  double cpu_seconds = 0; ///< user + system since start
};
process_stats read_process_stats();

struct overview_inputs {
  std::string version;
  std::string node;
  double uptime_seconds = 0;
  std::size_t connections = 0;
  /// {dialect, transport} -> open connections (connections_by_dialect).
  std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>> by_dialect;
  std::string registry_describe;    ///< the registry's describe JSON (may be empty)
  std::string persistence_describe; ///< the persistence actor's (may be empty)
  metrics::totals totals;
  metrics::rate_ring::rates rates;
  std::uint64_t database_bytes = 0;
  process_stats process;
  double cpu_percent = 0; ///< over the last sample interval
};

/// `GET /admin/api/overview` and each SSE event: actors by kind come from
/// the registry's describe, persistence from its own.
std::string overview_json(const overview_inputs& in);

/// `{"kind": count}` from a registry describe's roomsByKind; empty on bad input.
std::vector<std::pair<std::string, std::uint64_t>> actors_by_kind(std::string_view registry_describe);

/// A Server-Sent Events message.
std::string sse_event(std::string_view event, std::string_view data);

} // namespace roomcast::admin
