#pragma once
// The signaling dialect's REST routes (/api/rooms): create, inspect, close
// and list rooms. Every handler asks actors without blocking (a one-shot
// actor asks and answers through the responder) and reads room state only
// through the registry and the rooms' own describe.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "actors/signaling_snapshot.hpp"
#include "config/settings.hpp"
#include "gateway/router.hpp"

namespace boost::json {
class value;
}

namespace roomcast {

struct signaling_rest_env {
  caf::actor_system& sys;
  caf::actor registry;
  settings cfg;
  std::chrono::steady_clock::time_point started;
};

/// The body of POST /api/rooms, validated: settings for the new room (its
/// createdAt is left 0), or the text of a 400.
std::variant<signaling_settings, std::string> parse_create_room(const boost::json::value& body,
                                                                const settings& cfg);

/// The 201 body: {roomId, joinLink, hostPeerId, maxParticipants, encryption, createdAt}.
std::string render_created_room(const std::string& room_id, const std::string& join_link_base,
                                 const signaling_settings& s);

/// GET /api/rooms needs an admin token when auth.jwt_secret is set:
/// the refusal (401/403), or nullopt when the caller may list.
std::optional<http_response> check_admin(const http_request& req, const jwt_policy& tokens);

/// A fresh random room id (12 of [a-z0-9]).
std::string new_signaling_room_id();

/// Registers POST/GET /api/rooms and GET/DELETE /api/rooms/:roomId.
void mount_signaling_rest(router& routes, std::shared_ptr<const signaling_rest_env> env);

} // namespace roomcast
