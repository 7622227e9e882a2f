// One test per registered scenario, each a single tangle assertion: the
// scenario meets its declared expectations under PCT and random. The same
// header is what users include in their own suites.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "tangle/gtest.hpp"
#include "tangle/tangle.hpp"

namespace {

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, MeetsExpectations) {
  EXPECT_TANGLE_PASS(GetParam(), {.strategy = "pct", .executions = 3000});
  EXPECT_TANGLE_PASS(GetParam(), {.strategy = "random", .seed = 7, .executions = 3000});
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios())
    if (info->name.rfind("gtest/", 0) != 0) out.push_back(info->name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Registered, Scenario, ::testing::ValuesIn(names()), [](const auto& info) {
  std::string s = info.param;
  std::replace_if(s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
});

// The summary (the assertion's failure message) carries every finding, its
// source lines and its replay command.
TEST(GtestIntegration, SummaryNamesFindingsLinesAndReplay) {
  const tangle::RunOutcome outcome = tangle::run("counter/unprotected", {.executions = 50});
  ASSERT_TRUE(outcome.passed);
  EXPECT_NE(outcome.summary.find("data_race: data race on variable counter"), std::string::npos) << outcome.summary;
  EXPECT_NE(outcome.summary.find("at scenarios/counter/unprotected.cpp:"), std::string::npos) << outcome.summary;
  EXPECT_NE(outcome.summary.find("replay: tangle replay tgl1_"), std::string::npos) << outcome.summary;
}

// A scenario that does not meet its expectations fails the assertion: one
// execution of prodcons/if-not-while misses the bug for most seeds, and the
// message then says so.
TEST(GtestIntegration, UnmetExpectationFailsTheAssertion) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto result = tangle::testing::ScenarioPasses("prodcons/if-not-while", {.seed = seed, .executions = 1});
    if (result) continue;
    EXPECT_NE(std::string(result.message()).find("expected a bug, found nothing"), std::string::npos)
        << result.message();
    return;
  }
  FAIL() << "every seed found the bug in its first execution";
}

TEST(GtestIntegration, UnknownScenarioThrows) {
  EXPECT_THROW(tangle::run("no/such-scenario"), std::invalid_argument);
}

}  // namespace

namespace {

// Sets an environment variable for one scope (the tests run one at a time).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

// CI raises the effort without recompiling: the environment overrides the spec.
TEST(GtestIntegration, EnvironmentOverridesTheSpec) {
  ScopedEnv seed("TANGLE_SEED", "42"), executions("TANGLE_EXECUTIONS", "7"), strategy("TANGLE_STRATEGY", "random");
  const tangle::RunSpec spec = tangle::with_environment({.executions = 5000}, "counter/locked");
  EXPECT_EQ(spec.seed, 42u);
  EXPECT_EQ(spec.executions, 7u);
  EXPECT_EQ(spec.strategy, "random");
  EXPECT_EQ(spec.report_dir, "");
  const auto result = tangle::testing::ScenarioPasses("counter/locked", {.executions = 5000});
  EXPECT_TRUE(result) << result.message();
  EXPECT_EQ(tangle::run("counter/locked", spec).result.executions, 7u);
}

TEST(GtestIntegration, MalformedEnvironmentFailsNamingTheVariable) {
  for (const auto& [name, value] : std::vector<std::pair<const char*, const char*>>{
           {"TANGLE_SEED", "x1"}, {"TANGLE_EXECUTIONS", "0"}, {"TANGLE_EXECUTIONS", "-3"},
           {"TANGLE_STRATEGY", "dfs"}, {"TANGLE_TIME_BUDGET", "soon"}, {"TANGLE_TIME_BUDGET", "-1"},
           {"TANGLE_ENGINE", "relacy"}}) {
    ScopedEnv env(name, value);
    const auto result = tangle::testing::ScenarioPasses("counter/locked", {.executions = 10});
    ASSERT_FALSE(result) << name << "=" << value;
    EXPECT_NE(std::string(result.message()).find(std::string(name) + "='" + value + "'"), std::string::npos)
        << result.message();
  }
}

// TANGLE_REPORT_DIR: one report set per scenario under it.
TEST(GtestIntegration, ReportDirectoryGetsTheReportSet) {
  const std::string dir = ::testing::TempDir() + "tangle-gtest-reports-" + std::to_string(::getpid());
  {
    ScopedEnv env("TANGLE_REPORT_DIR", dir.c_str());
    EXPECT_TANGLE_PASS("counter/unprotected", {.executions = 50});
  }
  std::ifstream json(dir + "/counter_unprotected/results.json");
  ASSERT_TRUE(json.good()) << dir;
  const std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"counter/unprotected\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

// A lost update that declares no finding: its assertion fails. Registered
// for the tests below only (names() leaves "gtest/" out).
class LostUpdate : public tangle::Scenario {
 public:
  explicit LostUpdate(const tangle::Params&) {}
  void thread(int) override { counter_.write(counter_.read() + 1); }
  void check() override { tangle::check(counter_.final_value() == 2, "lost update"); }

 private:
  tangle::Shared<int> counter_{0, "counter"};
};
TANGLE_SCENARIO(LostUpdate, "gtest/lost-update")->threads(2);

// A failing assertion names this binary with --tangle_replay, shell-quoted,
// and that command, run by a shell as printed, reproduces the finding.
TEST(GtestIntegration, FailureMessageReplaysWithThisBinary) {
  const auto result = tangle::testing::ScenarioPasses("gtest/lost-update", {.executions = 200});
  ASSERT_FALSE(result);
  const std::string message = result.message();
  const std::string prefix = "replay: " + tangle::testing::replay_command_prefix();
  ASSERT_EQ(prefix.rfind("replay: '/", 0), 0u) << prefix;
  const std::size_t at = message.find(prefix);
  ASSERT_NE(at, std::string::npos) << message;
  const std::string command = message.substr(at + 8, message.find('\n', at) - at - 8);
  const std::string out = ::testing::TempDir() + "tangle-replay-" + std::to_string(::getpid());
  const int status = std::system((command + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(out);
  EXPECT_EQ(status, 0) << command << "\n" << text;
  EXPECT_NE(text.find("replay: reproduced"), std::string::npos) << command << "\n" << text;
  EXPECT_EQ(text.find("[ RUN"), std::string::npos) << "no test runs under --tangle_replay\n" << text;
}

TEST(GtestIntegration, BadSpecValuesAreRefused) {
  EXPECT_THROW(tangle::run("counter/locked", {.engine = "relacy"}), std::invalid_argument);
  EXPECT_THROW(tangle::run("counter/locked", {.strategy = "dfs"}), std::invalid_argument);
  EXPECT_THROW(tangle::run("counter/locked", {.depth = 0}), std::invalid_argument);
  EXPECT_THROW(tangle::run("counter/locked", {.params = {{"threads", 0}}}), std::invalid_argument);
}

// The stress engine from a test: real threads, its findings carry controlled replays.
TEST(GtestIntegration, StressEngineRuns) {
  const tangle::RunOutcome out = tangle::run("counter/unprotected", {.engine = "stress", .executions = 20});
  EXPECT_EQ(out.result.executions, 20u);
  EXPECT_NE(out.summary.find("stress, seed 1"), std::string::npos) << out.summary;
}

}  // namespace
