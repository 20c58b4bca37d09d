#include "auth/turn_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace roomcast {

std::string hmac_sha1_base64(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &mac_len);
  std::string out(4 * ((mac_len + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(mac_len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

turn_credential make_turn_credential(std::string_view secret, std::string_view peer_id, std::int64_t ttl_s,
                                     std::int64_t now_s) {
  turn_credential c;
  c.username = std::to_string(now_s + ttl_s) + ":" + std::string{peer_id};
  c.credential = hmac_sha1_base64(secret, c.username);
  return c;
}

} // namespace roomcast
