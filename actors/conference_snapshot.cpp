#include "actors/conference_snapshot.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace json = boost::json;

namespace roomcast {
namespace {

json::array to_array(const std::set<std::string>& s) {
  json::array a;
  for (auto& x : s)
    a.emplace_back(x);
  return a;
}

bool read_set(const json::object& o, std::string_view key, std::set<std::string>& out) {
  auto* v = o.if_contains(key);
  if (!v)
    return true;
  if (!v->is_array())
    return false;
  for (auto& x : v->get_array()) {
    if (!x.is_string())
      return false;
    out.emplace(x.get_string());
  }
  return true;
}

} // namespace

std::string encode_snapshot(const conference_snapshot& s) {
  json::object o;
  o["hostId"] = s.host_id;
  o["coHosts"] = to_array(s.co_hosts);
  o["locked"] = s.locked;
  o["chatEnabled"] = s.chat_enabled;
  o["raisedHands"] = to_array(s.raised_hands);
  o["banned"] = to_array(s.banned);
  o["lastSeq"] = s.last_seq;
  return json::serialize(o);
}

std::optional<conference_snapshot> decode_snapshot(std::int32_t version, std::string_view json_text) {
  if (version < 1 || version > conference_snapshot::current_version)
    return std::nullopt;
  json::error_code ec;
  auto doc = json::parse(json_text, ec);
  if (ec || !doc.is_object())
    return std::nullopt;
  auto& o = doc.get_object();
  conference_snapshot s;
  // v1 named the host "host" and had only the two flags.
  auto* host = o.if_contains(version == 1 ? "host" : "hostId");
  auto* locked = o.if_contains("locked");
  auto* chat = o.if_contains("chatEnabled");
  if (!host || !host->is_string() || !locked || !locked->is_bool() || !chat || !chat->is_bool())
    return std::nullopt;
  s.host_id = host->get_string();
  s.locked = locked->get_bool();
  s.chat_enabled = chat->get_bool();
  if (version >= 2) {
    if (!read_set(o, "coHosts", s.co_hosts) || !read_set(o, "raisedHands", s.raised_hands)
        || !read_set(o, "banned", s.banned))
      return std::nullopt;
    if (auto* seq = o.if_contains("lastSeq")) {
      if (!seq->is_number())
        return std::nullopt;
      s.last_seq = seq->to_number<std::uint64_t>(ec);
      if (ec)
        return std::nullopt;
    }
  }
  return s;
}

} // namespace roomcast
