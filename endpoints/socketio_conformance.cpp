#include "endpoints/socketio_conformance.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/engineio.hpp"
#include "gateway/socketio_namespace.hpp"
#include "wire/socketio_packet.hpp"

namespace roomcast {

namespace {

/// Engine.IO echo: every message goes back as it came.
class echo_handler final : public eio_handler {
public:
  void on_open(client_link_ptr, eio_session_services&) override {}
  bool on_message(std::string_view data, bool binary, client_link& link) override {
    if (binary) {
      link.send(make_binary_frame(data));
      return true;
    }
    std::string out;
    out.reserve(data.size() + 1);
    out.push_back('4');
    out += data;
    link.send(make_text_frame(out));
    return true;
  }
  void on_close() override {}
};

/// The array's elements after the first (the event name), as JSON text.
std::string rest_of(std::string_view args) {
  auto v = boost::json::parse(args);
  auto& a = v.as_array();
  boost::json::array rest(a.begin() + 1, a.end());
  auto text = boost::json::serialize(rest);
  return text.substr(1, text.size() - 2); // without the brackets
}

std::string bracketed(std::string_view inner) {
  std::string out;
  out.reserve(inner.size() + 2);
  out.push_back('[');
  out += inner;
  out.push_back(']');
  return out;
}

std::string event_name(std::string_view args) {
  auto v = boost::json::parse(args);
  auto& name = v.as_array()[0];
  return name.is_string() ? std::string{name.as_string()} : std::string{};
}

/// "/" and "/custom": emit `auth` on connect; "/" also answers `message`
/// with `message-back` and acknowledges `message-with-ack` with its arguments.
class reference_connection final : public sio_connection {
public:
  reference_connection(std::string nsp, std::string auth, bool echoes)
    : nsp_(std::move(nsp)), auth_(std::move(auth)), echoes_(echoes) {}

  void start(client_link_ptr link, std::string, eio_session_services& services) override {
    std::string out;
    begin_sio_event(out, nsp_, "auth");
    out.push_back(',');
    out += auth_.empty() ? std::string_view{"{}"} : std::string_view{auth_};
    out.push_back(']');
    // The suite awaits the CONNECT answer and then this event with one
    // once-listener each: the two must not reach it in one TCP read (its `ws`
    // emits every message of a read at once), so this one waits a moment.
    services.after(std::chrono::milliseconds{20}, [link, frame = make_text_frame(out)] { link->send(frame); });
  }

  bool on_event(std::string_view args, std::optional<std::uint64_t> ack, client_link& link) override {
    if (!echoes_)
      return false;
    auto name = event_name(args);
    auto rest = rest_of(args);
    if (name == "message") {
      std::string out;
      begin_sio_event(out, nsp_, "message-back");
      if (!rest.empty()) {
        out.push_back(',');
        out += rest;
      }
      out.push_back(']');
      link.send(make_text_frame(out));
    } else if (name == "message-with-ack" && ack) {
      link.send(sio_frame(sio_type::ack, nsp_, ack, bracketed(rest)));
    }
    return false;
  }

  void on_binary_event(std::string_view args, const std::vector<std::string>& attachments,
                       std::optional<std::uint64_t> ack, client_link& link) override {
    if (!echoes_)
      return;
    auto name = event_name(args);
    auto rest = rest_of(args);
    if (name == "message") {
      std::string args_back = "[\"message-back\"";
      if (!rest.empty()) {
        args_back.push_back(',');
        args_back += rest;
      }
      args_back.push_back(']');
      link.send(sio_frame(sio_type::binary_event, nsp_, {}, args_back, attachments.size()));
    } else if (name == "message-with-ack" && ack) {
      link.send(sio_frame(sio_type::binary_ack, nsp_, ack, bracketed(rest), attachments.size()));
    } else {
      return;
    }
    for (auto& a : attachments)
      link.send(make_binary_frame(a));
  }

  void on_release() override {}

private:
  std::string nsp_;
  std::string auth_;
  bool echoes_;
};

class reference_namespace final : public sio_namespace {
public:
  reference_namespace(std::string nsp, bool echoes) : nsp_(std::move(nsp)), echoes_(echoes) {}
  sio_admission connect(const http_request&, std::string_view auth) override {
    return std::make_unique<reference_connection>(nsp_, std::string{auth}, echoes_);
  }

private:
  std::string nsp_;
  bool echoes_;
};

} // namespace

dialect socketio_conformance_dialect(const dialect_env& env) {
  dialect d;
  d.name = "socketio-conformance";
  d.mount = [cfg = env.cfg](router& routes, const caf::actor&) {
    eio_mount echo;
    echo.path = "/engine.io/";
    echo.options = {cfg.socketio_ping_interval, cfg.socketio_ping_timeout, cfg.socketio_max_payload,
                    cfg.send_queue_bytes};
    echo.factory = [] { return std::make_unique<echo_handler>(); };
    routes.add(std::move(echo));
    routes.add_namespace("/", std::make_shared<reference_namespace>("/", true));
    routes.add_namespace("/custom", std::make_shared<reference_namespace>("/custom", false));
  };
  return d;
}

} // namespace roomcast
