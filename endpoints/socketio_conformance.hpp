#pragma once
// The reference servers that Socket.IO's protocol test suites
// (socketio/engine.io-protocol and socketio/socket.io-protocol, test-suite/)
// run against: an Engine.IO echo on /engine.io/, and Socket.IO namespaces
// "/" and "/custom". Mounted only with socketio.conformance = true.

#include "endpoints/dialect.hpp"

namespace roomcast {

dialect socketio_conformance_dialect(const dialect_env& env);

} // namespace roomcast
