#pragma once
// `roomcast admin [--url URL] [--token T] [--json] COMMAND`: the admin
// console from a terminal, over the admin API.

namespace roomcast {

/// `argv[0]` is "admin". Returns the process exit code.
int admin_cli(int argc, char** argv);

} // namespace roomcast
