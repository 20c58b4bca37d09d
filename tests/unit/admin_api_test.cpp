#define CAF_SUITE admin_api
#include "endpoints/admin_api.hpp"

#include <caf/test/unit_test.hpp>

#include <boost/json.hpp>

#include <ctime>
#include <openssl/hmac.h>

using namespace roomcast;
using namespace roomcast::admin;

namespace {

/// A policy that checks the signature, `exp` and `nbf` only.
jwt_policy secret_only(std::string secret) {
  jwt_policy p;
  p.secret = std::move(secret);
  return p;
}

const std::string registry_doc = R"({"kind":"registry","id":"registry","roomsByKind":{"conference":4,"signaling":1},
  "rooms":["conference:alpha","conference:beta","conference:alps","signaling:alpha","conference:gamma"]})";

std::string room(const char* id, int members, int last_seq) {
  return std::string{"{\"kind\":\"conference\",\"id\":\""} + id + "\",\"memberCount\":" + std::to_string(members)
         + ",\"lastSeq\":" + std::to_string(last_seq) + ",\"members\":[]}";
}

boost::json::object page_of(const std::string& text) {
  return boost::json::parse(text).as_object();
}

std::vector<std::string> ids(const boost::json::object& page) {
  std::vector<std::string> out;
  for (auto& it : page.at("items").as_array())
    out.emplace_back(it.at("id").as_string());
  return out;
}

http_request get(std::string target) {
  http_request r;
  r.target = std::move(target);
  r.path = r.target.substr(0, r.target.find('?'));
  return r;
}

std::string b64url(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int s = 18; s >= 0; s -= 6)
      out.push_back(t[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out.push_back(t[(v >> 18) & 63]);
    out.push_back(t[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out.push_back(t[(v >> 18) & 63]);
    out.push_back(t[(v >> 12) & 63]);
    out.push_back(t[(v >> 6) & 63]);
  }
  return out;
}

std::string sign(const std::string& claims, const std::string& key) {
  auto head = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(claims);
  unsigned char mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(head.data()),
       head.size(), mac, &len);
  return head + "." + b64url(std::string_view{reinterpret_cast<char*>(mac), len});
}

std::string claims(const char* role) {
  return std::string{"{\"sub\":\"ops\",\"role\":\""} + role + "\",\"exp\":" + std::to_string(std::time(nullptr) + 300)
         + "}";
}

} // namespace

CAF_TEST(select_rooms filters the registry describe by kind and id prefix) {
  actor_query q;
  CAF_CHECK_EQUAL(select_rooms(registry_doc, q).size(), 5u);
  q.kind = "conference";
  CAF_CHECK_EQUAL(select_rooms(registry_doc, q).size(), 4u);
  q.prefix = "al";
  auto r = select_rooms(registry_doc, q);
  CAF_REQUIRE_EQUAL(r.size(), 2u);
  CAF_CHECK_EQUAL(r[0].second, "alpha");
  CAF_CHECK_EQUAL(r[1].second, "alps");
  CAF_CHECK(select_rooms("not json", q).empty());
}

CAF_TEST(actor_page sorts by members or activity or id and pages) {
  actor_query q;
  q.kind = "conference";
  auto rooms = select_rooms(registry_doc, q); // alpha, beta, alps, gamma
  std::vector<std::string> docs{room("alpha", 1, 50), room("beta", 7, 3), room("alps", 3, 9), room("gamma", 3, 80)};
  q.sort = "members";
  auto p = page_of(actor_page(rooms, docs, q));
  CAF_CHECK_EQUAL(p.at("total").to_number<std::uint64_t>(), 4u);
  CAF_CHECK(ids(p) == (std::vector<std::string>{"beta", "alps", "gamma", "alpha"}));
  CAF_CHECK_EQUAL(p.at("items").as_array()[0].at("memberCount").to_number<std::uint64_t>(), 7u);
  q.sort = "activity";
  CAF_CHECK(ids(page_of(actor_page(rooms, docs, q))) == (std::vector<std::string>{"gamma", "alpha", "alps", "beta"}));
  q.sort = "id";
  q.limit = 3;
  p = page_of(actor_page(rooms, docs, q));
  CAF_CHECK(ids(p) == (std::vector<std::string>{"alpha", "alps", "beta"}));
  CAF_CHECK_EQUAL(p.at("pages").to_number<std::uint64_t>(), 2u);
  q.page = 2;
  CAF_CHECK(ids(page_of(actor_page(rooms, docs, q))) == (std::vector<std::string>{"gamma"}));
  q.page = 3;
  CAF_CHECK(ids(page_of(actor_page(rooms, docs, q))).empty());
}

CAF_TEST(a room that did not answer is listed with no members and not live) {
  actor_query q;
  q.kind = "signaling";
  auto rooms = select_rooms(registry_doc, q);
  auto p = page_of(actor_page(rooms, {""}, q));
  CAF_REQUIRE_EQUAL(p.at("items").as_array().size(), 1u);
  CAF_CHECK_EQUAL(p.at("items").as_array()[0].at("live").as_bool(), false);
  CAF_CHECK_EQUAL(p.at("items").as_array()[0].at("memberCount").to_number<std::uint64_t>(), 0u);
}

CAF_TEST(the actor query string is validated) {
  std::string err;
  auto q = parse_actor_query(get("/admin/api/actors?kind=conference&prefix=a&page=2&limit=10&sort=members"), err);
  CAF_REQUIRE(q.has_value());
  CAF_CHECK_EQUAL(q->kind, "conference");
  CAF_CHECK_EQUAL(q->page, 2u);
  CAF_CHECK_EQUAL(q->limit, 10u);
  CAF_CHECK_EQUAL(q->sort, "members");
  CAF_CHECK(!parse_actor_query(get("/x?limit=0"), err));
  CAF_CHECK(!parse_actor_query(get("/x?page=abc"), err));
  CAF_CHECK(!parse_actor_query(get("/x?sort=size"), err));
  CAF_CHECK_EQUAL(err, "sort must be id, members or activity");
}

CAF_TEST(redact removes tokens and secrets at any depth) {
  auto out = redact(R"({"kind":"x","id":"y","resumeToken":"abc","members":[{"peerId":"p","token":"t","jwtSecret":"s"}]})");
  CAF_CHECK_EQUAL(out, R"({"kind":"x","id":"y","members":[{"peerId":"p"}]})");
}

CAF_TEST(the overview counts actors by kind from the registry describe) {
  overview_inputs in;
  in.version = "1.2.3";
  in.node = "n1";
  in.connections = 3;
  in.registry_describe = registry_doc;
  in.persistence_describe = R"({"kind":"persistence","commits":5,"avg_batch":2.5,"pending":1})";
  in.totals.messages_in = 10;
  auto o = boost::json::parse(overview_json(in)).as_object();
  CAF_CHECK_EQUAL(o.at("actorsByKind").at("conference").to_number<std::uint64_t>(), 4u);
  CAF_CHECK_EQUAL(o.at("actorsByKind").at("signaling").to_number<std::uint64_t>(), 1u);
  CAF_CHECK_EQUAL(o.at("rooms").to_number<std::uint64_t>(), 5u);
  CAF_CHECK_EQUAL(o.at("connections").to_number<std::uint64_t>(), 3u);
  CAF_CHECK_EQUAL(o.at("messagesIn").to_number<std::uint64_t>(), 10u);
  CAF_CHECK_EQUAL(o.at("persistence").at("commits").to_number<std::uint64_t>(), 5u);
  in.persistence_describe.clear();
  CAF_CHECK(boost::json::parse(overview_json(in)).as_object().at("persistence").is_null());
}

CAF_TEST(connections are counted by dialect and transport and carriers are not counted twice) {
  std::vector<connection_table::row> rows(5);
  rows[0].client = R"({"kind":"conference_connection","dialect":"conference"})";
  rows[0].transport = "websocket";
  rows[1].client = rows[0].client;
  rows[1].transport = "websocket";
  rows[2].client = R"({"kind":"chat_connection","dialect":"chatrooms"})";
  rows[2].transport = "socket.io/websocket";
  rows[3].client = R"({"carries":"engine.io","sid":"abc"})"; // the WebSocket under rows[2]
  rows[3].transport = "websocket";
  rows[4].transport = "socket.io/polling"; // not described yet
  auto by = connections_by_dialect(rows);
  using key = std::pair<std::string, std::string>;
  std::vector<std::pair<key, std::uint64_t>> want{{{"chatrooms", "socket.io/websocket"}, 1},
                                                   {{"conference", "websocket"}, 2},
                                                   {{"pending", "socket.io/polling"}, 1}};
  CAF_CHECK(by == want);
  overview_inputs in;
  in.by_dialect = by;
  auto o = boost::json::parse(overview_json(in)).as_object();
  auto& d = o.at("connectionsByDialect").as_object();
  CAF_CHECK_EQUAL(d.at("conference").at("websocket").to_number<std::uint64_t>(), 2u);
  CAF_CHECK_EQUAL(d.at("chatrooms").at("socket.io/websocket").to_number<std::uint64_t>(), 1u);
  CAF_CHECK_EQUAL(d.at("pending").at("socket.io/polling").to_number<std::uint64_t>(), 1u);
}

CAF_TEST(admin tokens come from the bearer header or the cookie and need role admin) {
  const std::string secret = "k";
  auto req = get("/admin/api/overview");
  // Statuses copied out first: the checks must not refer into temporaries.
  auto status_of = [](const auto& result) { return result.refusal ? result.refusal->status : 0u; };
  CAF_CHECK_EQUAL(status_of(authenticate(req, jwt_policy{})), 403u);
  CAF_CHECK_EQUAL(status_of(authenticate(req, secret_only(secret))), 401u);
  req.headers.emplace_back("authorization", "Bearer " + sign(claims("admin"), secret));
  auto ok = authenticate(req, secret_only(secret));
  CAF_REQUIRE(ok.admin.has_value());
  CAF_CHECK_EQUAL(ok.admin->subject, "ops");
  auto user = get("/");
  user.headers.emplace_back("cookie", "a=b; roomcast_admin=" + sign(claims("moderator"), secret));
  CAF_CHECK_EQUAL(status_of(authenticate(user, secret_only(secret))), 403u);
  auto forged = get("/");
  forged.headers.emplace_back("cookie", "roomcast_admin=" + sign(claims("admin"), "other"));
  CAF_CHECK_EQUAL(status_of(authenticate(forged, secret_only(secret))), 401u);
  CAF_CHECK_EQUAL(cookie_value("x=1; roomcast_admin=abc; y=2", "roomcast_admin"), "abc");
}

CAF_TEST(a login body is JSON or a form) {
  http_request json_req;
  json_req.body = R"({"token":"abc.def.ghi"})";
  CAF_CHECK_EQUAL(login_token(json_req), "abc.def.ghi");
  http_request form;
  form.body = "other=1&token=abc.def.ghi";
  CAF_CHECK_EQUAL(login_token(form), "abc.def.ghi");
  http_request none;
  none.body = "{}";
  CAF_CHECK_EQUAL(login_token(none), "");
}

CAF_TEST(server-sent events put each payload line behind data) {
  CAF_CHECK_EQUAL(sse_event("overview", "{}"), "event: overview\ndata: {}\n\n");
  CAF_CHECK_EQUAL(sse_event("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
}
