#pragma once
// A client_link that records what a client would have received (unit tests).

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

#include "wire/client_link.hpp"

namespace roomcast::test {

class fake_link : public client_link {
public:
  bool send(wire_frame_ptr frame) override {
    if (close_code)
      return false;
    frames.emplace_back(frame->payload());
    return true;
  }
  void close(std::uint16_t code, std::string reason) override {
    if (!close_code) {
      close_code = code;
      close_reason = std::move(reason);
    }
  }
  std::size_t backlog() const override { return 0; }
  void command_done() override { ++commands_done; }

  /// Event names received, in order.
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (auto& f : frames)
      out.emplace_back(boost::json::parse(f).at("event").as_string());
    return out;
  }

  /// How many frames of `event` arrived.
  std::size_t count(std::string_view event) const {
    std::size_t n = 0;
    for (auto& e : events())
      n += e == event;
    return n;
  }

  /// The `data` of the last `event`, or null.
  boost::json::value last(std::string_view event) const {
    for (auto i = frames.rbegin(); i != frames.rend(); ++i) {
      auto v = boost::json::parse(*i);
      if (v.at("event").as_string() == event)
        return v.at("data");
    }
    return nullptr;
  }

  void clear() { frames.clear(); }

  std::vector<std::string> frames;
  std::optional<std::uint16_t> close_code;
  std::string close_reason;
  std::size_t commands_done = 0;
};

} // namespace roomcast::test
