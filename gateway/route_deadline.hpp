#pragma once
// The route timeout: a handler that has not answered in time gets a 503
// answered on its behalf (its own late answer is then dropped by the
// responder, first answer wins).

#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include "gateway/router.hpp"

namespace roomcast {

/// Arms `timer` to answer `res` with 503 after `timeout`, unless `res` was
/// answered already (then the timer is left alone). Cancelling the timer
/// disarms it. Runs the 503 on the timer's executor.
void arm_route_deadline(boost::asio::steady_timer& timer, const responder& res, std::chrono::milliseconds timeout);

} // namespace roomcast
