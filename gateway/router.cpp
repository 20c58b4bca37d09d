#include "gateway/router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace roomcast {

// -- plain values ----------------------------------------------------------------

std::string_view method_name(http_method m) {
  switch (m) {
    case http_method::get: return "GET";
    case http_method::head: return "HEAD";
    case http_method::post: return "POST";
    case http_method::put: return "PUT";
    case http_method::patch: return "PATCH";
    case http_method::del: return "DELETE";
    case http_method::options: return "OPTIONS";
    case http_method::other: return "OTHER";
  }
  return "OTHER";
}

namespace {

std::string_view find_pair(const string_pairs& pairs, std::string_view name) {
  for (auto& [k, v] : pairs)
    if (k == name)
      return v;
  return {};
}

} // namespace

std::string_view http_request::header(std::string_view lower_name) const {
  return find_pair(headers, lower_name);
}

std::string_view http_request::param(std::string_view name) const {
  return find_pair(params, name);
}

std::string http_request::query_param(std::string_view name) const {
  auto url = boost::urls::parse_origin_form(target);
  if (!url)
    return {};
  auto params = url->params();
  auto it = params.find(name);
  return it == params.end() ? std::string{} : std::string{(*it).value};
}

std::string http_request::bearer_token() const {
  auto h = header("authorization");
  constexpr std::string_view scheme = "Bearer ";
  if (h.size() <= scheme.size())
    return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return {};
  auto token = h.substr(scheme.size());
  auto b = token.find_first_not_of(' ');
  return b == std::string_view::npos ? std::string{} : std::string{token.substr(b)};
}

http_response http_response::error(unsigned status, std::string_view message) {
  std::string body = "{\"error\":";
  // Messages are server-written, but may quote a path: escape anyway.
  body.push_back('"');
  for (char c : message) {
    if (c == '"' || c == '\\')
      body.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20)
      body.push_back(c);
  }
  body += "\"}";
  return json(status, std::move(body));
}

http_response http_response::json(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// -- responder ---------------------------------------------------------------------

responder::responder(sink s) : state_(std::make_shared<state>()) {
  state_->out = std::move(s);
}

void responder::reply(http_response r) const {
  if (state_->done.exchange(true))
    return;
  state_->out(std::move(r));
}

bool responder::answered() const {
  return state_->done;
}

// -- table -------------------------------------------------------------------------

bool match_pattern(std::string_view pattern, std::string_view path, string_pairs& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pe = pattern.find('/');
    auto se = path.find('/');
    auto pseg = pattern.substr(0, pe);
    auto seg = path.substr(0, se);
    if (!pseg.empty() && pseg[0] == ':') {
      if (seg.empty())
        return false;
      params.emplace_back(std::string{pseg.substr(1)}, std::string{seg});
    } else if (pseg != seg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view{} : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view{} : path.substr(se);
  }
  return true;
}

void router::add(http_route r) {
  http_.push_back(std::move(r));
}

void router::add(upgrade_route r) {
  upgrades_.push_back(std::move(r));
}

const upgrade_route* router::find_upgrade(std::string_view path, string_pairs& params) const {
  for (auto& r : upgrades_)
    if (match_pattern(r.pattern, path, params))
      return &r;
  return nullptr;
}

router::match router::find(http_method method, std::string_view path) const {
  match m;
  string_pairs params;
  bool cors = false;
  for (auto& r : http_) {
    if (!match_pattern(r.pattern, path, params))
      continue;
    if (r.method == method || (method == http_method::head && r.method == http_method::get)) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
    cors |= r.cors;
    if (!m.allow.empty())
      m.allow += ", ";
    m.allow += method_name(r.method);
  }
  if (m.allow.empty()) {
    // A WebSocket path asked for without the upgrade.
    if (method == http_method::get || method == http_method::head)
      for (auto& r : upgrades_)
        if (!r.shares_http_path && match_pattern(r.pattern, path, params)) {
          m.status = 426;
          return m;
        }
    m.status = 404;
    return m;
  }
  if (method == http_method::options && cors) {
    m.preflight = true;
    m.status = 204;
    return m;
  }
  m.status = 405;
  return m;
}

namespace {

bool listed(const std::vector<std::string>& list, std::string_view origin) {
  return std::find(list.begin(), list.end(), "*") != list.end()
         || std::find(list.begin(), list.end(), origin) != list.end();
}

} // namespace

std::vector<router::listing> router::list() const {
  std::vector<listing> out;
  for (auto& r : upgrades_)
    out.push_back({"WS", r.pattern});
  for (auto& r : http_)
    out.push_back({std::string{method_name(r.method)}, r.pattern});
  return out;
}

string_pairs router::cors_headers(std::string_view origin) const {
  if (origin.empty())
    return {};
  if (!listed(origins_, origin))
    return {};
  return {{"Access-Control-Allow-Origin", std::string{origin}},
          {"Access-Control-Allow-Credentials", "true"},
          {"Vary", "Origin"}};
}

bool router::origin_allowed(const http_request& req, const std::vector<std::string>& allowed) const {
  auto origin = req.header("origin");
  if (origin.empty())
    return true; // not a browser: nothing to hijack
  auto host = req.header("host");
  for (std::string_view scheme : {"http://", "https://"})
    if (!host.empty() && origin.size() == scheme.size() + host.size() && origin.substr(0, scheme.size()) == scheme
        && origin.substr(scheme.size()) == host)
      return true;
  return listed(allowed.empty() ? origins_ : allowed, origin);
}

const http_route* router::dispatch(http_request& req, responder res) const {
  auto m = find(req.method, req.path);
  if (m.preflight) {
    http_response r;
    r.status = 204;
    r.content_type.clear();
    r.headers = cors_headers(req.header("origin"));
    if (!r.headers.empty()) {
      r.headers.emplace_back("Access-Control-Allow-Methods", m.allow + ", OPTIONS");
      r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      r.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    res.reply(std::move(r));
    return nullptr;
  }
  if (!m.route) {
    if (m.status == 426) {
      auto r = http_response::error(426, "WebSocket upgrade required");
      r.headers.emplace_back("Upgrade", "websocket");
      r.headers.emplace_back("Sec-WebSocket-Version", "13");
      res.reply(std::move(r));
    } else if (m.status == 405) {
      auto r = http_response::error(405, std::string{method_name(req.method)} + " is not allowed here");
      r.headers.emplace_back("Allow", m.allow);
      res.reply(std::move(r));
    } else {
      res.error(404, "not found");
    }
    return nullptr;
  }
  auto& route = *m.route;
  req.params = std::move(m.params);
  if (route.check_origin && !origin_allowed(req)) {
    res.error(403, "origin not allowed");
    return nullptr;
  }
  if (route.cors) {
    auto extra = cors_headers(req.header("origin"));
    if (!extra.empty())
      res = responder{[res, extra](http_response r) {
        r.headers.insert(r.headers.end(), extra.begin(), extra.end());
        res.reply(std::move(r));
      }};
  }
  if (route.json_body) {
    boost::json::error_code ec;
    boost::json::parse_options opts;
    opts.max_depth = 32;
    auto v = boost::json::parse(req.body, ec, {}, opts);
    if (ec) {
      res.error(400, "the body must be JSON");
      return nullptr;
    }
    req.json = std::make_shared<const boost::json::value>(std::move(v));
  }
  route.handler(req, res);
  return &route;
}

} // namespace roomcast
