#include "actors/resume_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace roomcast {

std::string make_resume_token(std::string_view secret, std::string_view room_id, std::string_view peer_id) {
  std::string data;
  data.reserve(room_id.size() + peer_id.size() + 1);
  data.append(room_id).push_back('\n');
  data.append(peer_id);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 16 && i < len; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 0xF]);
  }
  return out;
}

bool check_resume_token(std::string_view secret, std::string_view room_id, std::string_view peer_id,
                        std::string_view token) {
  auto expected = make_resume_token(secret, room_id, peer_id);
  return token.size() == expected.size() && CRYPTO_memcmp(token.data(), expected.data(), token.size()) == 0;
}

} // namespace roomcast
