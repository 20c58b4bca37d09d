#include "gateway/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ssl = boost::asio::ssl;

namespace roomcast {

namespace {

/// Mozilla "intermediate" (TLS 1.2 part; TLS 1.3 suites are OpenSSL's defaults).
constexpr const char* intermediate_ciphers =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
  "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// ALPN: the client may offer h2 and others; we take http/1.1 when offered
/// and otherwise go on without ALPN (no fatal alert).
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                void*) {
  static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, http11, sizeof http11, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::string describe(const boost::system::error_code& ec) {
  auto text = ec.message();
  // Asio's messages for OpenSSL errors can be terse; add the queue's first entry.
  if (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    text += " (";
    text += buf;
    text += ")";
  }
  ERR_clear_error();
  return text;
}

} // namespace

std::variant<tls_context_ptr, std::string> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file) {
  if (cert_file.empty() || key_file.empty())
    return std::string{"server.tls_cert and server.tls_key must be set together"};
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  auto* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3
                   | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_cipher_list(native, intermediate_ciphers) != 1) {
    ERR_clear_error();
    return std::string{"TLS: the cipher list is not supported by this OpenSSL"};
  }
  // Idle connections give OpenSSL's record buffers back.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  // An encrypted key would make OpenSSL prompt on the terminal: fail instead.
  ctx->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string{}; });
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    std::string err = "cannot load TLS certificate ";
    err += cert_file;
    err += ": ";
    err += describe(ec);
    return err;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    ERR_clear_error();
    std::string err = "TLS private key ";
    err += key_file;
    err += " does not match the certificate ";
    err += cert_file;
    return err;
  }
  if (ec) {
    std::string err = "cannot load TLS private key ";
    err += key_file;
    err += ": ";
    err += describe(ec);
    return err;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    std::string err = "TLS private key ";
    err += key_file;
    err += " does not match the certificate ";
    err += cert_file;
    return err;
  }
  return ctx;
}

tls_identity::tls_identity(std::string cert_file, std::string key_file)
  : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

std::string tls_identity::reload() {
  auto made = make_tls_context(cert_file_, key_file_);
  if (auto* err = std::get_if<std::string>(&made))
    return std::move(*err);
  std::lock_guard lk(mu_);
  current_ = std::move(std::get<tls_context_ptr>(made));
  return {};
}

tls_context_ptr tls_identity::current() const {
  std::lock_guard lk(mu_);
  return current_;
}

} // namespace roomcast
