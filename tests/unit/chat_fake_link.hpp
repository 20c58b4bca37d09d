#pragma once
// A client_link that records the Socket.IO frames a chatrooms client would
// have received (unit tests): events `42/chat,[name,body]`, acks `43/chat,id[body]`.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <deque>
#include <string>
#include <vector>

#include "fake_link.hpp"

namespace roomcast::test {

class chat_link : public fake_link {
public:
  /// Event names received, in order ("ack" for acknowledgements).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& f : frames)
      out.push_back(name_of(f));
    return out;
  }

  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (auto& f : frames)
      n += name_of(f) == name;
    return n;
  }

  /// The body of the last `name` (an event, or "ack"), or null. Kept alive
  /// with the link, so checks may hold references into it.
  const boost::json::value& last(std::string_view name) const {
    for (auto i = frames.rbegin(); i != frames.rend(); ++i)
      if (name_of(*i) == name)
        return kept_.emplace_back(body_of(*i));
    return kept_.emplace_back(nullptr);
  }

  static std::string name_of(const std::string& f) {
    if (f.rfind("43", 0) == 0)
      return "ack";
    auto v = boost::json::parse(f.substr(f.find('[')));
    return std::string{v.as_array()[0].as_string()};
  }

  static boost::json::value body_of(const std::string& f) {
    auto v = boost::json::parse(f.substr(f.find('[')));
    auto& a = v.as_array();
    return f.rfind("43", 0) == 0 ? a[0] : (a.size() > 1 ? a[1] : boost::json::value{});
  }

private:
  mutable std::deque<boost::json::value> kept_;
};

} // namespace roomcast::test
