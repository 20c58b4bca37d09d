// A small synchronous HTTP client (Beast) for the admin API; its own
// translation unit so main.cpp stays free of Beast.

#include "app/admin_cli.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace http = boost::beast::http;
namespace json = boost::json;

namespace roomcast {

namespace {

constexpr const char* usage =
  "usage: roomcast admin [--url URL] [--token T] [--json] COMMAND\n"
  "  overview                 node, connections, rooms, rates, persistence\n"
  "  actors [--kind K] [--prefix P] [--sort id|members|activity] [--page N] [--limit N]\n"
  "  describe KIND/ID         one actor's describe\n"
  "  connections              open connections\n"
  "  close KIND/ID            close a room (its clients get 1000)\n"
  "  kick CONN                close one connection with 4000\n"
  "  notice KIND/ID TEXT      a server notice to a room's members (conference, chatroom, shop_stream)\n"
  "URL defaults to $ROOMCAST_ADMIN_URL or http://127.0.0.1:8080; the token to $ROOMCAST_ADMIN_TOKEN\n"
  "(an HS256 JWT with role \"admin\", signed with the server's auth.jwt_secret).\n";

struct reply {
  unsigned status = 0;
  std::string body;
};

/// One request; throws on network errors.
reply call(const std::string& url, const std::string& token, http::verb verb, const std::string& target,
           const std::string& json_body = {}) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0)
    rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    throw std::runtime_error("only http:// URLs are supported");
  auto slash = rest.find('/');
  std::string base = slash == std::string::npos ? "" : rest.substr(slash);
  if (!base.empty() && base.back() == '/')
    base.pop_back();
  auto hostport = rest.substr(0, slash);
  auto colon = hostport.rfind(':');
  std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::resolver resolver{ioc};
  boost::beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds(15));
  stream.connect(resolver.resolve(host, port));
  http::request<http::string_body> req{verb, base + target, 11};
  req.set(http::field::host, hostport);
  req.set(http::field::user_agent, "roomcast-admin");
  if (!token.empty())
    req.set(http::field::authorization, "Bearer " + token);
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = json_body;
  }
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  boost::beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  return {res.result_int(), std::move(res.body())};
}

std::string text(const json::value* v) {
  if (!v || v->is_null())
    return "-";
  if (v->is_string())
    return std::string{v->as_string()};
  if (v->is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v->as_double());
    return buf;
  }
  return json::serialize(*v);
}

void table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) {
    w[i] = head[i].size();
    for (auto& r : rows)
      w[i] = std::max(w[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t i = 0; i < r.size(); ++i)
      std::printf("%-*s%s", static_cast<int>(w[i]), r[i].c_str(), i + 1 < r.size() ? "  " : "\n");
  };
  line(head);
  for (auto& r : rows)
    line(r);
}

void print_overview(const json::object& o) {
  for (auto key : {"node", "version", "uptimeSeconds", "connections", "rooms", "messagesInPerSecond",
                   "deliveriesOutPerSecond", "messagesIn", "deliveriesOut", "bytesIn", "bytesOut",
                   "slowConsumerCloses", "rateLimitRefusals", "databaseBytes"})
    std::printf("%-24s %s\n", key, text(o.if_contains(key)).c_str());
  if (auto* by = o.if_contains("actorsByKind"); by && by->is_object())
    for (auto& [k, v] : by->as_object())
      std::printf("%-24s %s\n", ("actors." + std::string{k}).c_str(), text(&v).c_str());
  if (auto* p = o.if_contains("persistence"); p && p->is_object())
    for (auto key : {"commits", "writes", "avg_batch", "pending"})
      std::printf("%-24s %s\n", ("persistence." + std::string{key}).c_str(),
                  text(p->as_object().if_contains(key)).c_str());
  if (auto* p = o.if_contains("process"); p && p->is_object())
    for (auto& [k, v] : p->as_object())
      std::printf("%-24s %s\n", ("process." + std::string{k}).c_str(), text(&v).c_str());
}

} // namespace

int admin_cli(int argc, char** argv) {
  std::string url = std::getenv("ROOMCAST_ADMIN_URL") ? std::getenv("ROOMCAST_ADMIN_URL") : "http://127.0.0.1:8080";
  std::string token = std::getenv("ROOMCAST_ADMIN_TOKEN") ? std::getenv("ROOMCAST_ADMIN_TOKEN") : "";
  bool raw = false;
  std::vector<std::string> args;
  std::string kind, prefix, sort, page, limit;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--url")
      ok = value(url);
    else if (a == "--token")
      ok = value(token);
    else if (a == "--json")
      raw = true;
    else if (a == "--kind")
      ok = value(kind);
    else if (a == "--prefix")
      ok = value(prefix);
    else if (a == "--sort")
      ok = value(sort);
    else if (a == "--page")
      ok = value(page);
    else if (a == "--limit")
      ok = value(limit);
    else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "unknown option %s\n%s", a.c_str(), usage);
      return 2;
    } else
      args.push_back(a);
    if (!ok) {
      std::fprintf(stderr, "%s needs a value\n", a.c_str());
      return 2;
    }
  }
  if (args.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  auto& cmd = args[0];
  auto need_arg = [&]() -> const std::string* {
    if (args.size() < 2) {
      std::fprintf(stderr, "%s needs an argument\n%s", cmd.c_str(), usage);
      return nullptr;
    }
    return &args[1];
  };
  http::verb verb = http::verb::get;
  std::string target, body;
  if (cmd == "overview") {
    target = "/admin/api/overview";
  } else if (cmd == "actors") {
    target = "/admin/api/actors?";
    for (auto& [k, v] : {std::pair{"kind", kind}, {"prefix", prefix}, {"sort", sort}, {"page", page}, {"limit", limit}})
      if (!v.empty())
        target += std::string{k} + "=" + v + "&";
    target.pop_back();
  } else if (cmd == "describe" || cmd == "close") {
    auto a = need_arg();
    if (!a)
      return 2;
    if (a->find('/') == std::string::npos) {
      std::fprintf(stderr, "%s takes KIND/ID, e.g. conference/demo\n", cmd.c_str());
      return 2;
    }
    target = "/admin/api/actors/" + *a;
    if (cmd == "close") {
      target += "/close";
      verb = http::verb::post;
    }
  } else if (cmd == "notice") {
    if (args.size() < 3 || args[1].find('/') == std::string::npos) {
      std::fprintf(stderr, "notice takes KIND/ID TEXT, e.g. conference/demo \"Restart at noon\"\n");
      return 2;
    }
    target = "/admin/api/actors/" + args[1] + "/notice";
    verb = http::verb::post;
    json::object o;
    o["message"] = args[2];
    body = json::serialize(o);
  } else if (cmd == "connections") {
    target = "/admin/api/connections";
  } else if (cmd == "kick") {
    auto a = need_arg();
    if (!a)
      return 2;
    target = "/admin/api/connections/" + *a + "/kick";
    verb = http::verb::post;
  } else {
    std::fprintf(stderr, "unknown command %s\n%s", cmd.c_str(), usage);
    return 2;
  }

  reply r;
  try {
    r = call(url, token, verb, target, body);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot reach %s: %s\n", url.c_str(), e.what());
    return 1;
  }
  if (r.status >= 300) {
    std::fprintf(stderr, "HTTP %u: %s\n", r.status, r.body.c_str());
    return 1;
  }
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (raw || ec || !v.is_object()) {
    std::printf("%s\n", r.body.c_str());
    return 0;
  }
  auto& o = v.as_object();
  if (cmd == "overview") {
    print_overview(o);
  } else if (cmd == "actors") {
    std::vector<std::vector<std::string>> rows;
    if (auto* items = o.if_contains("items"); items && items->is_array())
      for (auto& it : items->as_array())
        if (it.is_object())
          rows.push_back({text(it.as_object().if_contains("kind")), text(it.as_object().if_contains("id")),
                          text(it.as_object().if_contains("memberCount")),
                          text(it.as_object().if_contains("activity"))});
    table({"KIND", "ID", "MEMBERS", "ACTIVITY"}, rows);
    std::printf("(%s of %s, page %s)\n", std::to_string(rows.size()).c_str(), text(o.if_contains("total")).c_str(),
                text(o.if_contains("page")).c_str());
  } else if (cmd == "connections") {
    std::vector<std::vector<std::string>> rows;
    if (auto* items = o.if_contains("items"); items && items->is_array())
      for (auto& it : items->as_array())
        if (it.is_object()) {
          auto& c = it.as_object();
          rows.push_back({text(c.if_contains("id")), text(c.if_contains("remote")), text(c.if_contains("path")),
                          text(c.if_contains("ageMs")), text(c.if_contains("sendQueueBytes"))});
        }
    table({"ID", "REMOTE", "PATH", "AGE_MS", "QUEUED"}, rows);
  } else {
    std::printf("%s\n", json::serialize(v).c_str());
  }
  return 0;
}

} // namespace roomcast
