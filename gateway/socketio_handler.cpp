#include "gateway/socketio_handler.hpp"

#include <algorithm>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include "gateway/session_id.hpp"
#include "wire/json_writer.hpp"

namespace roomcast {

socketio_handler::socketio_handler(std::shared_ptr<const namespace_table> namespaces,
                                   std::chrono::milliseconds connect_timeout)
  : namespaces_(std::move(namespaces)), connect_timeout_(connect_timeout) {}

socketio_handler::~socketio_handler() {
  on_close();
}

void socketio_handler::on_open(client_link_ptr link, eio_session_services& services) {
  link_ = std::move(link);
  services_ = &services;
  // A client that never connects to a namespace is dropped.
  services.after(connect_timeout_, [this] {
    if (!ever_connected_ && link_)
      link_->close(1000, "no namespace connected in time");
  });
}

bool socketio_handler::on_message(std::string_view data, bool binary, client_link& link) {
  if (binary) {
    if (!binary_)
      return false; // an attachment nobody announced
    attachments_.emplace_back(data);
    if (attachments_.size() == binary_->attachments)
      dispatch_binary(link);
    return true;
  }
  if (binary_)
    return false; // a text packet before the attachments of the last one
  // The payload is parsed once, to validate it, into a buffer on this
  // thread's stack (spilling to the heap only for large packets); the
  // namespace reads its arguments from that value instead of parsing again.
  unsigned char scratch[4096];
  boost::json::monotonic_resource mr(scratch, sizeof scratch);
  boost::json::value parsed(&mr);
  auto p = decode_sio(data, &parsed);
  if (!p)
    return false;
  return on_packet(*p, parsed, link);
}

bool socketio_handler::on_packet(sio_packet& p, const boost::json::value& parsed, client_link& link) {
  auto conn = find(p.nsp);
  switch (p.type) {
    case sio_type::connect: connect(p, link); return true;
    case sio_type::disconnect:
      if (conn != connected_.end()) {
        auto c = std::move(conn->second);
        connected_.erase(conn);
        c->on_release();
      }
      return true;
    case sio_type::event:
      if (conn != connected_.end())
        conn->second->on_parsed_event(parsed, p.data, p.id, link);
      return true; // events for a namespace not joined are ignored, as the reference does
    case sio_type::ack:
      if (conn != connected_.end())
        conn->second->on_ack(*p.id, p.data, link);
      return true;
    case sio_type::binary_event:
    case sio_type::binary_ack:
      binary_ = std::move(p);
      attachments_.clear();
      return true;
    case sio_type::connect_error: return false; // only servers send these
  }
  return false;
}

void socketio_handler::dispatch_binary(client_link& link) {
  auto p = std::move(*binary_);
  binary_.reset();
  auto attachments = std::move(attachments_);
  attachments_.clear();
  auto conn = find(p.nsp);
  if (conn == connected_.end() || p.type != sio_type::binary_event)
    return; // binary acks: we never ask for them
  conn->second->on_binary_event(p.data, attachments, p.id, link);
}

void socketio_handler::connect(const sio_packet& p, client_link& link) {
  if (find(p.nsp) != connected_.end())
    return; // connected already: a repeated CONNECT changes nothing
  std::shared_ptr<sio_namespace> ns;
  for (auto& [name, n] : *namespaces_)
    if (name == p.nsp)
      ns = n;
  if (!ns) {
    link.send(sio_frame(sio_type::connect_error, p.nsp, {}, R"({"message":"Invalid namespace"})"));
    return;
  }
  auto admission = ns->connect(services_->handshake(), p.data);
  if (auto* refusal = std::get_if<sio_refusal>(&admission)) {
    json_writer w;
    w.str("message", refusal->message);
    if (!refusal->data_json.empty())
      w.raw("data", refusal->data_json);
    link.send(sio_frame(sio_type::connect_error, p.nsp, {}, w.done()));
    return;
  }
  auto sid = new_session_id();
  link.send(sio_frame(sio_type::connect, p.nsp, {}, "{\"sid\":\"" + sid + "\"}"));
  auto& conn = connected_.emplace_back(p.nsp, std::move(std::get<std::unique_ptr<sio_connection>>(admission))).second;
  ever_connected_ = true;
  conn->start(link_, std::move(sid), *services_);
}

socketio_handler::namespace_list::iterator socketio_handler::find(std::string_view nsp) {
  return std::find_if(connected_.begin(), connected_.end(), [nsp](auto& c) { return c.first == nsp; });
}

void socketio_handler::on_close() {
  auto all = std::move(connected_);
  connected_.clear();
  for (auto& [name, c] : all)
    c->on_release();
  link_.reset(); // the session holds us; we must not hold it
}

} // namespace roomcast
