// One test per registered scenario, each a single tangle assertion: the
// scenario meets its declared expectations under PCT and random. The same
// header is what users include in their own suites.
#include <algorithm>
#include <cctype>

#include "tangle/gtest.hpp"

namespace {

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, MeetsExpectations) {
  EXPECT_TANGLE_PASS(GetParam(), {.strategy = "pct", .executions = 3000});
  EXPECT_TANGLE_PASS(GetParam(), {.strategy = "random", .seed = 7, .executions = 3000});
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios()) out.push_back(info->name);
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
