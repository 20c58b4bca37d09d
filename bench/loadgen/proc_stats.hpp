#pragma once
// Readings of a process from /proc: the server's memory and CPU time, and
// the load generator's own CPU time (to tell when it, not the server, is the
// limit).

#include <cstdint>
#include <sys/types.h>

namespace bench {

/// VmRSS of `pid` in KiB, or -1 when it cannot be read.
std::int64_t read_rss_kib(pid_t pid);

/// utime + stime of `pid` in microseconds, or -1 when it cannot be read.
std::int64_t read_cpu_us(pid_t pid);

/// This process's user + system CPU time in microseconds.
std::int64_t self_cpu_us();

/// Raises RLIMIT_NOFILE's soft limit as far as the hard limit allows; returns the new soft limit.
std::uint64_t raise_fd_limit(std::uint64_t wanted);

} // namespace bench
