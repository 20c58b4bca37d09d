#pragma once
// A check on client JSON that the server re-serializes (relayed SDP and ICE
// payloads): Boost.JSON parses 1e999 as infinity and serializes it as
// `Infinity`, which is not JSON, so the peer could not parse the relay.

#include <boost/json/value.hpp>

#include <cmath>

namespace roomcast {

/// False when a number anywhere in `v` is not finite. Depth is bounded by
/// the parse's max_depth.
inline bool finite_json(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (auto& e : v.get_array())
        if (!finite_json(e))
          return false;
      return true;
    case boost::json::kind::object:
      for (auto& kv : v.get_object())
        if (!finite_json(kv.value()))
          return false;
      return true;
    default: return true;
  }
}

} // namespace roomcast
