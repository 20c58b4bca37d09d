#include "endpoints/admin_api.hpp"

#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "auth/jwt_verifier.hpp"
#include "wire/json_writer.hpp"

namespace json = boost::json;

namespace roomcast::admin {

namespace {

std::optional<json::value> parse(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

std::uint64_t uint_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v)
    return 0;
  if (v->is_uint64())
    return v->as_uint64();
  if (v->is_int64())
    return v->as_int64() < 0 ? 0 : static_cast<std::uint64_t>(v->as_int64());
  if (v->is_double())
    return v->as_double() < 0 ? 0 : static_cast<std::uint64_t>(v->as_double());
  return 0;
}

http_response refusal(unsigned status, std::string_view message) {
  auto r = http_response::error(status, message);
  if (status == 401)
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"roomcast admin\"");
  return r;
}

bool secret_key(std::string_view key) {
  std::string k;
  for (char c : key)
    k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (auto word : {"token", "secret", "password", "credential"})
    if (k.find(word) != std::string::npos)
      return true;
  return false;
}

void redact_value(json::value& v) {
  if (auto* o = v.if_object()) {
    for (auto it = o->begin(); it != o->end();) {
      if (secret_key(it->key()))
        it = o->erase(it);
      else
        redact_value((it++)->value());
    }
  } else if (auto* a = v.if_array()) {
    for (auto& x : *a)
      redact_value(x);
  }
}

} // namespace

// -- auth -----------------------------------------------------------------------

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    auto b = part.find_first_not_of(' ');
    if (b == std::string_view::npos)
      continue;
    part.remove_prefix(b);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string{part.substr(eq + 1)};
  }
  return {};
}

auth_result authenticate(const http_request& req, const jwt_policy& tokens) {
  if (tokens.secret.empty())
    return {std::nullopt, refusal(403, "the admin API needs auth.jwt_secret: an admin token is an HS256 JWT with "
                                       "role \"admin\" signed with it, and none is configured")};
  auto token = req.bearer_token();
  if (token.empty())
    token = cookie_value(req.header("cookie"), cookie_name);
  if (token.empty())
    return {std::nullopt, refusal(401, "an admin token is required (Authorization: Bearer, or log in at /admin)")};
  auto result = verify_jwt_now(token, tokens);
  if (!result.identity)
    return {std::nullopt, refusal(401, "admin token refused: " + result.error)};
  if (result.identity->role != "admin")
    return {std::nullopt, refusal(403, "this token's role is not admin")};
  return {std::move(result.identity), std::nullopt};
}

std::string login_token(const http_request& req) {
  auto body = std::string_view{req.body};
  auto b = body.find_first_not_of(" \t\r\n");
  if (b != std::string_view::npos && body[b] == '{') {
    auto v = parse(body);
    if (!v || !v->is_object())
      return {};
    auto* t = v->as_object().if_contains("token");
    return t && t->is_string() ? std::string{t->as_string()} : std::string{};
  }
  // application/x-www-form-urlencoded: the query-string syntax
  http_request form;
  form.target = "/?" + std::string{body};
  return form.query_param("token");
}

// -- actors ---------------------------------------------------------------------

std::optional<actor_query> parse_actor_query(const http_request& req, std::string& error) {
  actor_query q;
  q.kind = req.query_param("kind");
  q.prefix = req.query_param("prefix");
  auto number = [&](const char* name, std::size_t& out, std::size_t min, std::size_t max) {
    auto text = req.query_param(name);
    if (text.empty())
      return true;
    std::size_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max) {
      error = std::string{name} + " must be a number from " + std::to_string(min) + " to " + std::to_string(max);
      return false;
    }
    out = v;
    return true;
  };
  if (!number("page", q.page, 1, 1'000'000) || !number("limit", q.limit, 1, 1000))
    return std::nullopt;
  auto sort = req.query_param("sort");
  if (!sort.empty()) {
    if (sort != "id" && sort != "members" && sort != "activity") {
      error = "sort must be id, members or activity";
      return std::nullopt;
    }
    q.sort = sort;
  }
  return q;
}

std::vector<std::pair<std::string, std::string>> select_rooms(std::string_view registry_describe,
                                                             const actor_query& q) {
  std::vector<std::pair<std::string, std::string>> out;
  auto v = parse(registry_describe);
  if (!v || !v->is_object())
    return out;
  auto* rooms = v->as_object().if_contains("rooms");
  if (!rooms || !rooms->is_array())
    return out;
  for (auto& r : rooms->as_array()) {
    if (!r.is_string())
      continue;
    std::string_view key = r.as_string();
    auto colon = key.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto kind = key.substr(0, colon), id = key.substr(colon + 1);
    if (!q.kind.empty() && kind != q.kind)
      continue;
    if (id.substr(0, q.prefix.size()) != q.prefix)
      continue;
    out.emplace_back(std::string{kind}, std::string{id});
  }
  return out;
}

std::string actor_page(const std::vector<std::pair<std::string, std::string>>& rooms,
                       const std::vector<std::string>& describes, const actor_query& q) {
  struct item {
    const std::string* kind;
    const std::string* id;
    std::uint64_t members = 0;
    std::uint64_t activity = 0;
    bool live = false;
  };
  std::vector<item> items;
  items.reserve(rooms.size());
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    item it{&rooms[i].first, &rooms[i].second};
    if (i < describes.size())
      if (auto v = parse(describes[i]); v && v->is_object()) {
        auto& o = v->as_object();
        it.live = true;
        it.members = o.contains("memberCount") ? uint_field(o, "memberCount")
                     : o.contains("members") && o.at("members").is_array() ? o.at("members").as_array().size()
                                                                           : 0;
        it.activity = uint_field(o, "lastSeq");
      }
    items.push_back(it);
  }
  auto by_key = [](const item& a, const item& b) {
    return std::tie(*a.kind, *a.id) < std::tie(*b.kind, *b.id);
  };
  if (q.sort == "members")
    std::sort(items.begin(), items.end(), [&](auto& a, auto& b) {
      return a.members != b.members ? a.members > b.members : by_key(a, b);
    });
  else if (q.sort == "activity")
    std::sort(items.begin(), items.end(), [&](auto& a, auto& b) {
      return a.activity != b.activity ? a.activity > b.activity : by_key(a, b);
    });
  else
    std::sort(items.begin(), items.end(), by_key);
  auto total = items.size();
  auto first = std::min(total, (q.page - 1) * q.limit);
  auto last = std::min(total, first + q.limit);
  json_writer w;
  w.unum("total", total).unum("page", q.page).unum("limit", q.limit);
  w.unum("pages", total == 0 ? 0 : (total + q.limit - 1) / q.limit).str("sort", q.sort).array("items");
  for (auto i = first; i < last; ++i) {
    auto& it = items[i];
    w.begin_element_object();
    w.str("kind", *it.kind).str("id", *it.id).unum("memberCount", it.members).unum("activity", it.activity);
    w.boolean("live", it.live);
    w.end_object();
  }
  w.end_array();
  return w.done();
}

std::string redact(std::string_view describe_json) {
  auto v = parse(describe_json);
  if (!v)
    return R"({"error":"the actor's describe is not JSON"})";
  redact_value(*v);
  return json::serialize(*v);
}

// -- connections ----------------------------------------------------------------

namespace {

void connection_fields(json_writer& w, const connection_table::row& r) {
  w.str("id", std::to_string(r.id)).str("remote", r.remote).str("path", r.path).str("transport", r.transport);
  w.num("ageMs", r.age.count()).unum("sendQueueBytes", r.send_queue_bytes);
  // Identity and memberships, as the connection actor last described them.
  w.raw("client", r.client.empty() ? std::string_view{"null"} : std::string_view{r.client});
}

} // namespace

std::string connection_json(const connection_table::row& r) {
  json_writer w;
  connection_fields(w, r);
  return w.done();
}

std::string connections_json(const std::vector<connection_table::row>& rows) {
  json_writer w;
  w.unum("total", rows.size()).array("items");
  for (auto& r : rows) {
    w.begin_element_object();
    connection_fields(w, r);
    w.end_object();
  }
  w.end_array();
  return w.done();
}

std::vector<std::pair<std::pair<std::string, std::string>, std::uint64_t>>
connections_by_dialect(const std::vector<connection_table::row>& rows) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> counts;
  for (auto& r : rows) {
    std::string dialect = "pending";
    if (!r.client.empty()) {
      auto v = parse(r.client);
      auto* o = v && v->is_object() ? &v->as_object() : nullptr;
      if (o && o->contains("carries"))
        continue;
      if (auto* d = o ? o->if_contains("dialect") : nullptr; d && d->is_string())
        dialect = std::string{d->get_string()};
    }
    ++counts[{dialect, r.transport}];
  }
  return {counts.begin(), counts.end()};
}

// -- overview -------------------------------------------------------------------

process_stats read_process_stats() {
  process_stats s;
  {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (statm >> size >> resident)
      s.rss_bytes = resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  }
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces): state is field 3,
  // utime 14, stime 15.
  auto paren = text.rfind(')');
  if (paren != std::string::npos) {
    std::istringstream in(text.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i == 14)
        utime = std::strtoull(field.c_str(), nullptr, 10);
      if (i == 15)
        stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return s;
}

std::vector<std::pair<std::string, std::uint64_t>> actors_by_kind(std::string_view registry_describe) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  auto v = parse(registry_describe);
  if (!v || !v->is_object())
    return out;
  auto* by = v->as_object().if_contains("roomsByKind");
  if (!by || !by->is_object())
    return out;
  for (auto& [k, n] : by->as_object())
    out.emplace_back(std::string{k}, uint_field(by->as_object(), k));
  std::sort(out.begin(), out.end());
  return out;
}

std::string overview_json(const overview_inputs& in) {
  json_writer w;
  w.str("version", in.version).str("node", in.node).real("uptimeSeconds", in.uptime_seconds);
  w.unum("connections", in.connections);
  w.object("connectionsByDialect");
  for (std::size_t i = 0; i < in.by_dialect.size();) {
    auto& dialect = in.by_dialect[i].first.first;
    w.object(dialect);
    for (; i < in.by_dialect.size() && in.by_dialect[i].first.first == dialect; ++i)
      w.unum(in.by_dialect[i].first.second, in.by_dialect[i].second);
    w.end_object();
  }
  w.end_object();
  w.object("actorsByKind");
  std::uint64_t rooms = 0;
  for (auto& [kind, n] : actors_by_kind(in.registry_describe)) {
    w.unum(kind, n);
    rooms += n;
  }
  w.end_object().unum("rooms", rooms);
  w.real("messagesInPerSecond", in.rates.messages_in).real("deliveriesOutPerSecond", in.rates.deliveries_out);
  w.unum("messagesIn", in.totals.messages_in).unum("deliveriesOut", in.totals.deliveries_out);
  w.unum("bytesIn", in.totals.bytes_in).unum("bytesOut", in.totals.bytes_out);
  w.unum("slowConsumerCloses", in.totals.slow_consumer_closes);
  w.unum("rateLimitRefusals", in.totals.rate_limit_refusals);
  auto persistence = parse(in.persistence_describe);
  if (persistence && persistence->is_object()) {
    redact_value(*persistence);
    w.raw("persistence", json::serialize(*persistence));
  } else {
    w.null("persistence");
  }
  w.unum("databaseBytes", in.database_bytes);
  w.object("process").unum("rssBytes", in.process.rss_bytes).real("cpuSeconds", in.process.cpu_seconds);
  w.real("cpuPercent", in.cpu_percent).end_object();
  return w.done();
}

std::string sse_event(std::string_view event, std::string_view data) {
  std::string out = "event: ";
  out += event;
  out += '\n';
  // One data: line per line of the payload (JSON has none, but be exact).
  std::size_t start = 0;
  while (start <= data.size()) {
    auto nl = data.find('\n', start);
    auto line = data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += "data: ";
    out += line;
    out += '\n';
    if (nl == std::string_view::npos)
      break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

} // namespace roomcast::admin
