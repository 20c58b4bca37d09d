#include "actors/shop_stream_snapshot.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace json = boost::json;

namespace roomcast {

namespace {

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string{v->get_string()} : std::string{};
}

} // namespace

std::string encode_stream_snapshot(const shop_stream_durable& d) {
  json::object o;
  o["isActive"] = d.active;
  o["streamId"] = d.stream_id;
  o["title"] = d.title;
  o["description"] = d.description;
  o["startTime"] = d.start_time;
  o["streamUrl"] = d.stream_url;
  o["quality"] = d.quality;
  o["pinned"] = d.pinned;
  json::array liked;
  for (auto& l : d.liked_by)
    liked.emplace_back(l);
  o["likedBy"] = std::move(liked);
  o["chatFromSeq"] = d.chat_from_seq;
  return json::serialize(o);
}

std::optional<shop_stream_durable> decode_stream_snapshot(const std::string& state) {
  json::error_code ec;
  auto doc = json::parse(state, ec);
  if (ec || !doc.is_object())
    return std::nullopt;
  auto& o = doc.get_object();
  shop_stream_durable d;
  auto* active = o.if_contains("isActive");
  auto* liked = o.if_contains("likedBy");
  auto* from = o.if_contains("chatFromSeq");
  if (!active || !active->is_bool() || !liked || !liked->is_array() || !from || !from->is_number())
    return std::nullopt;
  d.active = active->get_bool();
  d.stream_id = str(o, "streamId");
  d.title = str(o, "title");
  d.description = str(o, "description");
  d.start_time = str(o, "startTime");
  d.stream_url = str(o, "streamUrl");
  d.quality = str(o, "quality");
  d.pinned = str(o, "pinned");
  if (d.pinned.empty())
    d.pinned = "[]";
  for (auto& l : liked->get_array())
    if (l.is_string())
      d.liked_by.emplace_back(l.get_string());
  d.chat_from_seq = from->to_number<std::uint64_t>(ec); // a corrupt seq (-1, 1.5) refuses, never throws
  if (ec)
    return std::nullopt;
  return d;
}

} // namespace roomcast
