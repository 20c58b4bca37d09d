#pragma once
// Socket.IO v5 over one Engine.IO session: namespace CONNECT/DISCONNECT,
// EVENT and ACK in both directions, binary attachments assembled, and the
// connect timeout. What a namespace's events mean is its sio_connection's.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/engineio.hpp"
#include "gateway/socketio_namespace.hpp"
#include "wire/socketio_packet.hpp"

namespace roomcast {

using namespace_table = std::vector<std::pair<std::string, std::shared_ptr<sio_namespace>>>;

class socketio_handler final : public eio_handler {
public:
  socketio_handler(std::shared_ptr<const namespace_table> namespaces, std::chrono::milliseconds connect_timeout);
  ~socketio_handler() override;

  void on_open(client_link_ptr link, eio_session_services& services) override;
  bool on_message(std::string_view data, bool binary, client_link& link) override;
  void on_close() override;

private:
  bool on_packet(sio_packet& p, client_link& link);
  void connect(const sio_packet& p, client_link& link);
  void dispatch_binary(client_link& link);

  std::shared_ptr<const namespace_table> namespaces_;
  std::chrono::milliseconds connect_timeout_;
  client_link_ptr link_;
  eio_session_services* services_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<sio_connection>> connected_;
  bool ever_connected_ = false;
  std::optional<sio_packet> binary_;       ///< a binary packet waiting for its attachments
  std::vector<std::string> attachments_;
};

} // namespace roomcast
