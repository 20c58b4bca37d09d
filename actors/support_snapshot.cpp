#include "actors/support_snapshot.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace json = boost::json;

namespace roomcast {

std::string encode_support_snapshot(const support_durable& d) {
  json::object o;
  o["customerName"] = d.customer_name;
  o["unread"] = d.unread;
  o["lastMessage"] = d.last_message;
  json::array q;
  for (auto& f : d.queued)
    q.emplace_back(f);
  o["queued"] = std::move(q);
  return json::serialize(o);
}

std::optional<support_durable> decode_support_snapshot(const std::string& state) {
  json::error_code ec;
  auto doc = json::parse(state, ec);
  if (ec || !doc.is_object())
    return std::nullopt;
  auto& o = doc.get_object();
  auto* name = o.if_contains("customerName");
  auto* unread = o.if_contains("unread");
  auto* last = o.if_contains("lastMessage");
  auto* queued = o.if_contains("queued");
  if (!name || !name->is_string() || !unread || !unread->is_number() || !last || !last->is_string() || !queued
      || !queued->is_array())
    return std::nullopt;
  support_durable d;
  d.customer_name = name->get_string();
  d.unread = unread->to_number<std::uint64_t>(ec); // a corrupt count (-1, 1.5) refuses, never throws
  if (ec)
    return std::nullopt;
  d.last_message = last->get_string();
  for (auto& f : queued->get_array())
    if (f.is_string())
      d.queued.emplace_back(f.get_string());
  return d;
}

} // namespace roomcast
