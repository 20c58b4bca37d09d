#pragma once
// Socket.IO v5 over one Engine.IO session: namespace CONNECT/DISCONNECT,
// EVENT and ACK in both directions, binary attachments assembled, and the
// connect timeout. What a namespace's events mean is its sio_connection's.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
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
  bool on_packet(sio_packet& p, const boost::json::value& parsed, client_link& link);
  void connect(const sio_packet& p, client_link& link);
  void dispatch_binary(client_link& link);

  std::shared_ptr<const namespace_table> namespaces_;
  std::chrono::milliseconds connect_timeout_;
  client_link_ptr link_;
  eio_session_services* services_ = nullptr;
  /// By namespace. A client joins one or two: a short list costs less than
  /// a hash table per idle client and is as fast to search.
  using namespace_list = std::vector<std::pair<std::string, std::unique_ptr<sio_connection>>>;
  namespace_list connected_;
  namespace_list::iterator find(std::string_view nsp);
  bool ever_connected_ = false;
  std::optional<sio_packet> binary_;       ///< a binary packet waiting for its attachments
  std::vector<std::string> attachments_;
};

} // namespace roomcast
