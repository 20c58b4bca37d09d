#include "endpoints/signaling_rest.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/all.hpp>

#include <memory>
#include <random>
#include <vector>

#include "actors/message_types.hpp"
#include "auth/jwt_verifier.hpp"
#include "dialects/signaling_codec.hpp"
#include "wire/json_writer.hpp"

namespace json = boost::json;

namespace roomcast {

namespace {

constexpr const char* kind_name = "signaling";
constexpr auto ask_timeout = std::chrono::seconds(8);
/// Close code for peers of a deleted room: 4000 (application: room closed).
constexpr std::uint16_t closed_code = 4000;

void answer_error(const responder& res, const caf::error& err) {
  if (is(err, registry_error::no_such_room))
    res.error(404, "Room not found");
  else
    res.error(503, "The room is unavailable; try again");
}

} // namespace

std::variant<signaling_settings, std::string> parse_create_room(const json::value& body, const settings& cfg) {
  signaling_settings s;
  s.max_participants = cfg.signaling_default_max_participants;
  if (body.is_null())
    return s;
  if (!body.is_object())
    return std::string{"the body must be a JSON object"};
  auto& o = body.get_object();
  if (auto* h = o.if_contains("hostPeerId"); h && !h->is_null()) {
    if (!h->is_string() || !valid_signaling_id(h->get_string()))
      return std::string{"hostPeerId must be 1-64 of [A-Za-z0-9_-]"};
    s.host_peer_id = h->get_string();
  }
  if (auto* m = o.if_contains("maxParticipants"); m && !m->is_null()) {
    auto cap = static_cast<std::int64_t>(cfg.signaling_max_participants_cap);
    if (!m->is_int64() || m->get_int64() < 1 || m->get_int64() > cap)
      return "maxParticipants must be an integer 1-" + std::to_string(cap);
    s.max_participants = static_cast<std::uint32_t>(m->get_int64());
  }
  if (auto* e = o.if_contains("encryption"); e && !e->is_null()) {
    if (!e->is_string() || (e->get_string() != "none" && e->get_string() != "e2ee"))
      return std::string{"encryption must be \"none\" or \"e2ee\""};
    s.encryption = e->get_string();
  }
  return s;
}

std::string render_created_room(const std::string& room_id, const std::string& join_link_base,
                                const signaling_settings& s) {
  json_writer w;
  w.str("roomId", room_id).str("joinLink", join_link_base + "/" + room_id);
  if (s.host_peer_id.empty())
    w.null("hostPeerId");
  else
    w.str("hostPeerId", s.host_peer_id);
  w.unum("maxParticipants", s.max_participants).str("encryption", s.encryption);
  return w.str("createdAt", iso8601_ms(s.created_at_ms)).done();
}

std::optional<http_response> check_admin(const http_request& req, const jwt_policy& tokens) {
  if (tokens.secret.empty())
    return std::nullopt; // no auth configured: the contract's open admin list
  auto token = req.bearer_token();
  if (token.empty())
    return http_response::error(401, "An admin token is required (Authorization: Bearer)");
  auto result = verify_jwt_now(token, tokens);
  if (!result.identity)
    return http_response::error(401, "Token refused: " + result.error);
  if (!result.identity->is_admin())
    return http_response::error(403, "Admin role required");
  return std::nullopt;
}

std::string new_signaling_room_id() {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id;
  for (int i = 0; i < 12; ++i)
    id.push_back(alphabet[rng() % 36]);
  return id;
}

namespace {

void create_room(std::shared_ptr<const signaling_rest_env> env, http_request& req, responder res) {
  // Every field is optional: an empty body is an empty object.
  json::value body;
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    json::error_code ec;
    body = json::parse(req.body, ec);
    if (ec)
      return res.error(400, "the body must be JSON");
  }
  auto parsed = parse_create_room(body, env->cfg);
  if (auto* err = std::get_if<std::string>(&parsed))
    return res.error(400, *err);
  auto s = std::get<signaling_settings>(parsed);
  s.created_at_ms = signaling_now_ms();
  auto id = new_signaling_room_id();
  env->sys.spawn([env, res, s, id](caf::event_based_actor* a) {
    a->request(env->registry, ask_timeout, room_atom::value, std::string{kind_name}, id)
      .then(
        [a, env, res, s, id](caf::actor room) {
          // The settings are on disk before the 201.
          a->request(room, ask_timeout, configure_atom::value, s)
            .then(
              [env, res, s, id](bool stored) {
                if (stored)
                  res.json(201, render_created_room(id, env->cfg.signaling_join_link_base, s));
                else
                  res.error(503, "The room could not be stored; try again");
              },
              [res](caf::error& err) { answer_error(res, err); });
        },
        [res](caf::error& err) { answer_error(res, err); });
  });
}

void get_room(std::shared_ptr<const signaling_rest_env> env, http_request& req, responder res) {
  std::string id{req.param("roomId")};
  if (!valid_signaling_id(id))
    return res.error(404, "Room not found");
  // find, never create: an unknown id stays unknown.
  env->sys.spawn([env, res, id](caf::event_based_actor* a) {
    a->request(env->registry, ask_timeout, find_atom::value, std::string{kind_name}, id)
      .then(
        [a, res](caf::actor room) {
          a->request(room, ask_timeout, info_atom::value)
            .then([res](std::string& info) { res.json(200, std::move(info)); },
                  [res](caf::error& err) { answer_error(res, err); });
        },
        [res](caf::error& err) { answer_error(res, err); });
  });
}

void delete_room(std::shared_ptr<const signaling_rest_env> env, http_request& req, responder res) {
  std::string id{req.param("roomId")};
  if (!valid_signaling_id(id))
    return res.error(404, "Room not found");
  env->sys.spawn([env, res, id](caf::event_based_actor* a) {
    a->request(env->registry, ask_timeout, find_atom::value, std::string{kind_name}, id)
      .then(
        [a, res](caf::actor room) {
          a->request(room, ask_timeout, close_atom::value, closed_code, std::string{"room closed"})
            .then(
              [res](bool) {
                http_response r;
                r.status = 204;
                r.content_type.clear();
                res.reply(std::move(r));
              },
              [res](caf::error& err) { answer_error(res, err); });
        },
        [res](caf::error& err) { answer_error(res, err); });
  });
}

/// Collects the describe of every room, then answers the list.
struct list_job {
  responder res;
  std::chrono::steady_clock::time_point started;
  std::vector<std::string> ids;
  std::vector<std::string> described; ///< per id; empty: stored, not live
  std::size_t remaining = 0;

  void finish() {
    json_writer w;
    std::uint64_t peers = 0, live = 0, sfu = 0;
    std::string rooms = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (rooms.size() > 1)
        rooms.push_back(',');
      if (described[i].empty()) {
        json_writer r;
        rooms += r.str("roomId", ids[i]).boolean("live", false).unum("participantCount", 0).done();
        continue;
      }
      ++live;
      json::error_code ec;
      auto v = json::parse(described[i], ec);
      if (!ec && v.is_object()) {
        if (auto* n = v.get_object().if_contains("participantCount"); n && n->is_int64())
          peers += static_cast<std::uint64_t>(n->get_int64());
        if (auto* m = v.get_object().if_contains("connectionMode"); m && m->is_string() && m->get_string() == "sfu")
          ++sfu;
      }
      rooms += described[i];
    }
    rooms.push_back(']');
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    w.unum("totalRooms", ids.size()).unum("totalPeers", peers).raw("rooms", rooms);
    w.object("serverStats").num("uptimeSeconds", uptime.count()).unum("liveRooms", live);
    w.unum("storedRooms", ids.size() - live).unum("sfuRooms", sfu).end_object();
    res.json(200, w.done());
  }
};

void list_rooms(std::shared_ptr<const signaling_rest_env> env, http_request& req, responder res) {
  if (auto refusal = check_admin(req, env->cfg.jwt()))
    return res.reply(std::move(*refusal));
  env->sys.spawn([env, res](caf::event_based_actor* a) {
    a->request(env->registry, ask_timeout, list_atom::value, std::string{kind_name}, true)
      .then(
        [a, env, res](std::vector<std::string>& ids) {
          auto job = std::make_shared<list_job>(list_job{res, env->started, std::move(ids), {}, 0});
          job->described.resize(job->ids.size());
          job->remaining = job->ids.size();
          if (job->remaining == 0)
            return job->finish();
          for (std::size_t i = 0; i < job->ids.size(); ++i)
            a->request(env->registry, ask_timeout, describe_atom::value, std::string{kind_name}, job->ids[i])
              .then(
                [job, i](std::string& d) {
                  job->described[i] = std::move(d);
                  if (--job->remaining == 0)
                    job->finish();
                },
                [job](caf::error&) { // not live (stored only) or gone meanwhile
                  if (--job->remaining == 0)
                    job->finish();
                });
        },
        [res](caf::error& err) { answer_error(res, err); });
  });
}

} // namespace

void mount_signaling_rest(router& routes, std::shared_ptr<const signaling_rest_env> env) {
  auto route = [&](http_method m, std::string pattern, auto fn) {
    http_route r;
    r.method = m;
    r.pattern = std::move(pattern);
    r.handler = [env, fn](http_request& req, responder res) { fn(env, req, std::move(res)); };
    r.cors = true;
    routes.add(std::move(r));
  };
  route(http_method::post, "/api/rooms", create_room);
  route(http_method::get, "/api/rooms", list_rooms);
  route(http_method::get, "/api/rooms/:roomId", get_room);
  route(http_method::del, "/api/rooms/:roomId", delete_room);
}

} // namespace roomcast
