#pragma once
// The server's TLS identity: an OpenSSL context built from PEM files
// (server.tls_cert, which may hold a chain, and server.tls_key), TLS 1.2+
// with Mozilla's "intermediate" ciphers. A tls_identity holds the current
// context; each new connection takes a reference, so a reload swaps it for
// new connections while open ones go on with the old.

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <variant>

namespace roomcast {

using tls_context_ptr = std::shared_ptr<boost::asio::ssl::context>;

/// A server context from `cert_file` (PEM, leaf first, then its chain) and
/// `key_file` (PEM); an error text naming the file that is wrong.
std::variant<tls_context_ptr, std::string> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file);

class tls_identity {
public:
  tls_identity(std::string cert_file, std::string key_file);

  /// Builds a context from the files and swaps it in (the first one, or a
  /// replacement); on an error the old one stays and the error text is
  /// returned, else empty. Thread-safe.
  std::string reload();
  /// The context for a new connection. Thread-safe.
  tls_context_ptr current() const;

private:
  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mu_;
  tls_context_ptr current_;
};

} // namespace roomcast
