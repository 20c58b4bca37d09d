#include "actors/chat_room_snapshot.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <vector>

#include "wire/json_writer.hpp"

namespace roomcast {

std::string encode_chat_room_snapshot(const chat_room_durable& d) {
  json_writer w;
  w.num("createdAt", d.created_ms);
  std::vector<std::string> ids(d.known_users.begin(), d.known_users.end());
  w.strings("members", ids);
  return w.done();
}

std::optional<chat_room_durable> decode_chat_room_snapshot(std::string_view state) {
  boost::system::error_code ec;
  auto v = boost::json::parse(state, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  auto& o = v.as_object();
  auto* created = o.if_contains("createdAt");
  auto* ids = o.if_contains("members");
  if (!created || !created->is_int64() || !ids || !ids->is_array())
    return std::nullopt;
  chat_room_durable d;
  d.created_ms = created->as_int64();
  for (auto& id : ids->as_array())
    if (id.is_string())
      d.known_users.emplace(id.as_string());
  return d;
}

} // namespace roomcast
