// Test runner of the persistence module.
#define CAF_TEST_NO_MAIN
#include "caf/test/unit_test_impl.hpp"

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  // Tests provoke errors on purpose; SPDLOG_LEVEL=info shows the logs.
  spdlog::set_level(spdlog::level::off);
  spdlog::cfg::load_env_levels();
  return caf::test::main(argc, argv);
}
