#include "gateway/session_id.hpp"

#include <openssl/rand.h>

namespace roomcast {

std::string new_session_id() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char raw[20];
  RAND_bytes(raw, sizeof raw);
  std::string id;
  for (auto b : raw)
    id.push_back(alphabet[b & 63]);
  return id;
}

} // namespace roomcast
