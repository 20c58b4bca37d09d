#pragma once
// Plain HTTP request and response values, free of Beast, so handlers and
// endpoints can be written and unit-tested without a socket.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class value;
}

namespace roomcast {

enum class http_method { get, head, post, put, patch, del, options, other };

std::string_view method_name(http_method m);

using string_pairs = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  http_method method = http_method::get;
  std::string target; ///< as sent: path and query
  std::string path;   ///< target without the query
  string_pairs headers; ///< names in lower case
  std::string body;
  /// The body parsed, for routes that take JSON (validated before the handler runs).
  std::shared_ptr<const boost::json::value> json;
  string_pairs params; ///< `:name` captures of the matched route pattern
  std::string remote_address;

  /// A header by lower-case name; empty when absent.
  std::string_view header(std::string_view lower_name) const;
  /// A route capture; empty when absent.
  std::string_view param(std::string_view name) const;
  /// A query parameter, percent-decoded; empty when absent.
  std::string query_param(std::string_view name) const;
  /// The token of an `Authorization: Bearer <token>` header; empty when absent.
  std::string bearer_token() const;
};

/// The writing end of a streamed response body (Server-Sent Events and the
/// like). Thread-safe; hold it only while producing.
class http_stream {
public:
  virtual ~http_stream() = default;
  /// Queues `chunk` for the client. False once the client is gone, the
  /// stream ended, or the client reads too slowly: stop producing then.
  virtual bool write(std::string chunk) = 0;
  /// Ends the response; the connection closes after what is queued.
  virtual void end() = 0;
  /// False once write() would fail.
  virtual bool open() const = 0;
};

struct http_response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  string_pairs headers; ///< extra headers
  /// Set: a streamed response. The headers go out with `body` as the first
  /// piece and no length; then `stream` is called once with the writer for
  /// the rest. The connection is not reused; it closes when the stream ends
  /// or the client hangs up.
  std::function<void(std::shared_ptr<http_stream>)> stream;

  /// `{"error": message}` with `status`.
  static http_response error(unsigned status, std::string_view message);
  static http_response json(unsigned status, std::string body);
};

} // namespace roomcast
