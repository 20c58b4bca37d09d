#pragma once
// Who a connection is, as verified once when it authenticated. Dialects
// take identity from here, never from a payload.

#include <string>
#include <vector>

namespace roomcast {

struct verified_identity {
  bool authenticated = false; ///< false: anonymous (no token, or none required)
  std::string subject;        ///< JWT `sub`
  std::string name;           ///< `name`, or `sub` when absent
  std::string role;           ///< `role`, may be empty
  std::vector<std::string> channels;      ///< optional `channels` claim
  std::vector<std::string> conversations; ///< optional `conversations` claim

  bool is_admin() const { return authenticated && role == "admin"; }

  friend bool operator==(const verified_identity&, const verified_identity&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, verified_identity& x) {
  return f(x.authenticated, x.subject, x.name, x.role, x.channels, x.conversations);
}

} // namespace roomcast
