// tangle::gtest: ScenarioPasses (tangle/gtest.hpp) and the test binary's
// --tangle_replay=TOKEN flag.
#include "tangle/gtest.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "cli/cli_support.hpp"
#include "tangle/cli.hpp"

namespace tangle::testing {
namespace {

constexpr const char* kReplayFlag = "--tangle_replay=";

// The program's own arguments, whatever main did with argv: the flag must
// work under GTest::gtest_main and under any main of the user's own.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return args;
}

// Runs as the first thing of RUN_ALL_TESTS (a global environment's SetUp),
// when every static initializer — every TANGLE_SCENARIO — has run. With
// --tangle_replay=TOKEN the binary becomes `tangle replay TOKEN`; no test runs.
class ReplayEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const std::string& arg : own_arguments()) {
      if (arg.rfind(kReplayFlag, 0) != 0) continue;
      std::string program = "tangle", command = "replay", token = arg.substr(std::string(kReplayFlag).size());
      std::vector<char*> argv{program.data(), command.data(), token.data(), nullptr};
      std::fflush(nullptr);
      const int code = cli::main(3, argv.data());
      std::fflush(nullptr);
      std::_Exit(code);  // no test runs, no gtest summary after the replay's verdict
    }
  }
};

// Registered before main by static initialization of this file, which every
// binary using ScenarioPasses links.
[[maybe_unused]] ::testing::Environment* const replay_environment =
    ::testing::AddGlobalTestEnvironment(new ReplayEnvironment);

}  // namespace

std::string replay_command_prefix() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  // Quoted: the command is pasted into a shell as printed.
  return (ec ? std::string("<this test binary>") : cli::shell_quote(self.string())) + " " + kReplayFlag;
}

::testing::AssertionResult ScenarioPasses(const std::string& name, const RunSpec& spec) {
  try {
    const RunSpec effective = with_environment(spec, name);
    const RunOutcome outcome = tangle::run(name, effective);
    if (outcome.passed) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "tangle scenario " << name << ": "
                                         << summarize(outcome.result, effective, replay_command_prefix());
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "tangle scenario " << name << ": " << e.what();
  }
}

}  // namespace tangle::testing
