#include "loadgen/proc_stats.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace bench {

std::int64_t read_rss_kib(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

std::int64_t read_cpu_us(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(all.substr(close + 1));
  std::string tok;
  long long utime = -1, stime = -1;
  // Field 3 (state) is the first token; utime and stime are fields 14 and 15.
  for (int field = 3; field <= 15 && (fields >> tok); ++field) {
    if (field == 14) utime = std::atoll(tok.c_str());
    if (field == 15) stime = std::atoll(tok.c_str());
  }
  if (utime < 0 || stime < 0) return -1;
  static const long ticks = sysconf(_SC_CLK_TCK);
  return (utime + stime) * 1000000LL / ticks;
}

std::int64_t self_cpu_us() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& tv) { return std::int64_t{tv.tv_sec} * 1000000 + tv.tv_usec; };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

std::uint64_t raise_fd_limit(std::uint64_t wanted) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  // Try past the hard limit first (works with CAP_SYS_RESOURCE), then settle for it.
  rlimit want{static_cast<rlim_t>(wanted), static_cast<rlim_t>(wanted)};
  if (wanted > rl.rlim_max && setrlimit(RLIMIT_NOFILE, &want) == 0) return wanted;
  rl.rlim_cur = wanted < rl.rlim_max ? wanted : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  return rl.rlim_cur;
}

} // namespace bench
