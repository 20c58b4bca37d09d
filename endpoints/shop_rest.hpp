#pragma once
// The shop's REST routes: admin control of the live stream and the support
// desk's read side. Every handler answers from actor replies, never blocking
// an I/O thread.
//
//   GET  /api/stream                                   public: the stream state
//   POST /api/stream/start                             admin: {title, description, streamUrl, quality}
//   POST /api/stream/stop                              admin
//   PUT  /api/stream/pinned-products                   admin: [{productId, name, price, image, displayOrder}]
//   GET  /api/support/conversations                    admin: last message and unread count each
//   GET  /api/support/conversations/:sessionId/messages?page&limit   admin

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "config/settings.hpp"
#include "dialects/shop_codec.hpp"
#include "gateway/router.hpp"

namespace roomcast {

void mount_shop_rest(router& routes, caf::actor_system& sys, const caf::actor& registry, const settings& cfg,
                     const shop_limits& limits);

} // namespace roomcast
