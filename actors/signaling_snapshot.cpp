#include "actors/signaling_snapshot.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "wire/json_writer.hpp"

namespace roomcast {

std::string encode_signaling_snapshot(const signaling_settings& s) {
  json_writer w;
  w.str("hostPeerId", s.host_peer_id).unum("maxParticipants", s.max_participants);
  w.str("encryption", s.encryption).num("createdAt", s.created_at_ms);
  return w.done();
}

std::optional<signaling_settings> decode_signaling_snapshot(std::int32_t version, std::string_view state) {
  if (version != signaling_settings::current_version)
    return std::nullopt;
  boost::json::error_code ec;
  auto doc = boost::json::parse(state, ec);
  if (ec || !doc.is_object())
    return std::nullopt;
  auto& o = doc.get_object();
  auto* host = o.if_contains("hostPeerId");
  auto* max = o.if_contains("maxParticipants");
  auto* enc = o.if_contains("encryption");
  auto* created = o.if_contains("createdAt");
  if (!host || !host->is_string() || !max || !max->is_int64() || max->get_int64() < 0 || max->get_int64() > 1'000'000 || !enc || !enc->is_string() || !created
      || !created->is_int64())
    return std::nullopt;
  signaling_settings s;
  s.host_peer_id = host->get_string();
  s.max_participants = static_cast<std::uint32_t>(max->get_int64());
  s.encryption = enc->get_string();
  s.created_at_ms = created->get_int64();
  if (s.encryption != "none" && s.encryption != "e2ee")
    return std::nullopt;
  return s;
}

} // namespace roomcast
