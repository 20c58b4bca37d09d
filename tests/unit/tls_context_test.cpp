#define CAF_SUITE tls_context

#include "gateway/tls_context.hpp"

#include <caf/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

using namespace roomcast;

namespace {

// Two self-signed P-256 certificates with their keys (valid until 2126).
constexpr const char* cert_a = R"(-----BEGIN CERTIFICATE-----
MIIBeDCCAR+gAwIBAgIUf08FMLZks8cQm7Xgdv8l4xcJ6+0wCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGdW5pdC1hMCAXDTI2MTIwMzE1NDIxMFoYDzIxMjYxMTA5MTU0
MjEwWjARMQ8wDQYDVQQDDAZ1bml0LWEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAT0+Si6QBDWVb3AetF8OscMcwhQ1zs5scfWhBDQ3RxOPwKOUE+py1oXKCJnQhtN
YfugGnkkZtz07YYmGvzgz7Ljo1MwUTAdBgNVHQ4EFgQUODixD3XYlXCYPSfF2lBZ
VZNQm30wHwYDVR0jBBgwFoAUODixD3XYlXCYPSfF2lBZVZNQm30wDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAVFhY7AfhCCpkg6tHcit6PeZMRpmN1
Kq4kX8OLUzv0cQIgKxWbbNpnt4MJFiHacCgjaI1Nbl8BKgw5WD/22slUJdM=
-----END CERTIFICATE-----
)";
constexpr const char* key_a = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3H6tWfFQw2DcdHMT
vPGreHssf+tySKPFmlAePNxJDuWhRANCAAT0+Si6QBDWVb3AetF8OscMcwhQ1zs5
scfWhBDQ3RxOPwKOUE+py1oXKCJnQhtNYfugGnkkZtz07YYmGvzgz7Lj
-----END PRIVATE KEY-----
)";
constexpr const char* cert_b = R"(-----BEGIN CERTIFICATE-----
MIIBejCCAR+gAwIBAgIUHOXlcx+ncWuE9sJxlIsJo97ObgswCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGdW5pdC1iMCAXDTI2MTIwMzE1NDIxMFoYDzIxMjYxMTA5MTU0
MjEwWjARMQ8wDQYDVQQDDAZ1bml0LWIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AATv+6V8csLvIRwMLnxvTUCJH2XNylImEMxovJBGwGVLK8Znzs6Cn+CxOwkSaEbO
kPRfzvtYXX55uuD6VNTFfr6Go1MwUTAdBgNVHQ4EFgQUZP5DRr/tL8C0hUbE7vap
tyMkJrUwHwYDVR0jBBgwFoAUZP5DRr/tL8C0hUbE7vaptyMkJrUwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAv8A+p9/ZP+1jWe5RXmsxHOUpjhKF
emxlttO+sZy6hqsCIQCU1R2U4eBCenksyX0KEOY/0LskDJgH1EwGsNP3SFRDKA==
-----END CERTIFICATE-----
)";
constexpr const char* key_b = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbkZCxYP9cecmeLFr
zwLgrtTauZYt8hYZkVif+lQrMWehRANCAATv+6V8csLvIRwMLnxvTUCJH2XNylIm
EMxovJBGwGVLK8Znzs6Cn+CxOwkSaEbOkPRfzvtYXX55uuD6VNTFfr6G
-----END PRIVATE KEY-----
)";

struct fixture {
  std::filesystem::path dir;

  fixture() {
    dir = std::filesystem::temp_directory_path() / ("roomcast-tls-unit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::string write(const std::string& name, const std::string& text) {
    auto p = (dir / name).string();
    std::ofstream(p, std::ios::trunc) << text;
    return p;
  }

  static std::string error_of(const std::variant<tls_context_ptr, std::string>& made) {
    auto* err = std::get_if<std::string>(&made);
    return err ? *err : std::string{};
  }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(tls_context_tests, fixture)

CAF_TEST(a matching certificate and key make a context that speaks TLS 1.2 and later only) {
  auto made = make_tls_context(write("a.pem", cert_a), write("a.key", key_a));
  CAF_REQUIRE(std::holds_alternative<tls_context_ptr>(made));
  auto* native = std::get<tls_context_ptr>(made)->native_handle();
  CAF_CHECK_EQUAL(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  CAF_CHECK((SSL_CTX_get_options(native) & SSL_OP_NO_TLSv1_1) != 0);
}

CAF_TEST(a missing certificate file is an error naming the file) {
  auto err = error_of(make_tls_context((dir / "nowhere.pem").string(), write("a.key", key_a)));
  CAF_CHECK(contains(err, "cannot load TLS certificate"));
  CAF_CHECK(contains(err, "nowhere.pem"));
}

CAF_TEST(a file that is not a certificate is an error) {
  auto err = error_of(make_tls_context(write("bad.pem", "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n"),
                                       write("a.key", key_a)));
  CAF_CHECK(contains(err, "cannot load TLS certificate"));
}

CAF_TEST(a key that is not the certificate key is an error) {
  auto err = error_of(make_tls_context(write("a.pem", cert_a), write("b.key", key_b)));
  CAF_CHECK(contains(err, "does not match"));
  err = error_of(make_tls_context(write("a.pem", cert_a), write("junk.key", "not a key")));
  CAF_CHECK(contains(err, "cannot load TLS private key"));
}

CAF_TEST(a certificate without a key is an error) {
  auto err = error_of(make_tls_context(write("a.pem", cert_a), ""));
  CAF_CHECK(contains(err, "must be set together"));
}

CAF_TEST(a reload swaps the context and a failed one keeps the old) {
  auto cert = write("served.pem", cert_a);
  auto key = write("served.key", key_a);
  tls_identity id{cert, key};
  CAF_CHECK(id.current() == nullptr);
  CAF_CHECK_EQUAL(id.reload(), "");
  auto first = id.current();
  CAF_REQUIRE(first != nullptr);
  write("served.pem", cert_b);
  write("served.key", key_b);
  CAF_CHECK_EQUAL(id.reload(), "");
  auto second = id.current();
  CAF_CHECK(second != nullptr && second != first);
  // The first context stays usable by whoever holds it (open connections).
  CAF_CHECK(first->native_handle() != nullptr);
  write("served.pem", "garbage");
  auto err = id.reload();
  CAF_CHECK(contains(err, "cannot load TLS certificate"));
  CAF_CHECK(id.current() == second);
  write("served.pem", cert_a); // the key is b's now
  CAF_CHECK(contains(id.reload(), "does not match"));
  CAF_CHECK(id.current() == second);
}

CAF_TEST_FIXTURE_SCOPE_END()
