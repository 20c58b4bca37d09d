#pragma once
// The two byte streams a client connection runs over: a plain TCP socket
// or TLS on one. Sessions are templates on the stream; what differs is
// chosen at compile time, so the plain path pays nothing for TLS.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <type_traits>

namespace roomcast {

using plain_stream = boost::asio::ip::tcp::socket;
/// Beast's wrapper, so Beast's HTTP writes (gathered) are coalesced rather
/// than written one buffer per record.
using tls_stream = boost::beast::ssl_stream<boost::asio::ip::tcp::socket>;

template <class Stream>
inline constexpr bool is_tls_stream = std::is_same_v<Stream, tls_stream>;

/// The TCP socket under `s`.
template <class Stream>
boost::asio::ip::tcp::socket& tcp_socket_of(Stream& s) {
  if constexpr (is_tls_stream<Stream>)
    return s.next_layer();
  else
    return s;
}

} // namespace roomcast
