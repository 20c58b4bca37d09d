#include "gateway/route_deadline.hpp"

namespace roomcast {

void arm_route_deadline(boost::asio::steady_timer& timer, const responder& res, std::chrono::milliseconds timeout) {
  if (res.answered())
    return;
  timer.expires_after(timeout);
  timer.async_wait([res](const boost::system::error_code& ec) {
    if (!ec)
      res.error(503, "the request timed out; try again");
  });
}

} // namespace roomcast
