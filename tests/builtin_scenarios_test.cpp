// The 13 built-ins meet their expectations under both strategies, every
// finding's replay token reproduces its kind and trace_hash, clean scenarios
// stay clean over 20,000 executions, and PCT finds every buggy one quickly.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "runner.hpp"
#include "token.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {
      "counter/unprotected", "counter/locked",         "rlock/plain-mutex",     "rlock/recursive",
      "deadlock/lock-order", "deadlock/ordered",       "semaphore/over-release", "semaphore/bounded",
      "event/racy-status",   "event/gate",             "prodcons/if-not-while", "prodcons/lost-wakeup",
      "prodcons/bounded-queue"};
  return names;
}

// DESIGN.md §4: on the controlled engine these kinds must be among the findings.
std::set<FindingKind> required_kinds(const std::string& name) {
  // The lost update needs a switch between a thread's read and its write: it
  // also proves that, under `sync` granularity, the race turns Shared<T>
  // accesses into scheduling points.
  if (name == "counter/unprotected") return {FindingKind::data_race, FindingKind::invariant_violation};
  if (name == "event/racy-status") return {FindingKind::data_race};
  if (name == "deadlock/lock-order") return {FindingKind::deadlock, FindingKind::lock_order_inversion};
  return {};
}

report::ScenarioResult run(const std::string& name, const std::string& strategy, std::uint64_t executions,
                           std::uint64_t seed = 1, Granularity granularity = Granularity::sync) {
  const ScenarioInfo* info = find_scenario(name);
  EXPECT_NE(info, nullptr) << name;
  RunOptions options;
  options.strategy = strategy;
  options.seed = seed;
  options.executions = executions;
  options.engine.granularity = granularity;
  return run_scenario(*info, Params(info->defaults), options);
}

// A version-1 token (before granularity: every operation was a point) still
// replays, as a token with data_points set. Made from a version-2 token of
// `tangle run counter/unprotected --granularity all --strategy random
// --executions 50` by dropping its data_points field.
TEST(Builtins, VersionOneTokenReplaysWithEveryOperationAPoint) {
  const ReplayToken token = decode_token(
      "tgl1_egETY291bnRlci91bnByb3RlY3RlZAIKaXRlcmF0aW9ucwQHdGhyZWFkcwSgjQYG2IXO_vDn6dJmBwUBAQABAQMAAQEBXaXdDQ");
  EXPECT_TRUE(token.data_points);
  EXPECT_EQ(token.kind, FindingKind::invariant_violation);
  const ReplayOutcome out = replay(token);
  EXPECT_TRUE(out.reproduced);
  EXPECT_EQ(out.trace_hash, "66a5a73f0fd382d8");
}

TEST(Builtins, AllThirteenAreRegistered) {
  for (const auto& name : builtin_names()) EXPECT_NE(find_scenario(name), nullptr) << name;
}

class BuiltinExpectation
    : public ::testing::TestWithParam<std::tuple<std::string, std::string, Granularity>> {};

TEST_P(BuiltinExpectation, MeetsExpectationAndEveryFindingReplays) {
  const auto& [name, strategy, granularity] = GetParam();
  const auto result = run(name, strategy, 2000, 1, granularity);
  EXPECT_EQ(result.verdict, report::Verdict::pass) << result.verdict_reason;
  std::set<FindingKind> found;
  for (const auto& f : result.findings) found.insert(f.kind);
  for (FindingKind k : required_kinds(name)) EXPECT_TRUE(found.count(k)) << "missing " << to_string(k);
  for (const auto& f : result.findings) {
    const ReplayToken token = decode_token(f.replay);
    for (int again = 0; again < 2; ++again) {
      const ReplayOutcome out = replay(token);
      EXPECT_TRUE(out.reproduced) << to_string(f.kind) << ": " << f.message;
      EXPECT_EQ(out.trace_hash, f.trace_hash);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllBuiltins, BuiltinExpectation,
    ::testing::Combine(::testing::ValuesIn(builtin_names()), ::testing::Values("random", "pct"),
                       ::testing::Values(Granularity::sync, Granularity::all)),
    [](const auto& info) {
      std::string s = std::get<0>(info.param) + "_" + std::get<1>(info.param) +
                      (std::get<2>(info.param) == Granularity::all ? "_all" : "");
      std::replace_if(s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
      return s;
    });

// Under ThreadSanitizer everything runs ~10x slower; the bounds are the
// issue's, the counts shrink only there.
#ifdef TANGLE_TEST_UNDER_TSAN
constexpr std::uint64_t kCleanExecutions = 2000;
#else
constexpr std::uint64_t kCleanExecutions = 20000;
#endif

TEST(Builtins, CleanScenariosStayCleanOverManyRandomExecutions) {
  for (const auto& name : builtin_names()) {
    if (!find_scenario(name)->expected.empty()) continue;
    const auto result = run(name, "random", kCleanExecutions, 2024);
    EXPECT_EQ(result.executions, kCleanExecutions);
    EXPECT_TRUE(result.findings.empty()) << name << ": " << result.findings.front().message;
  }
}

TEST(Builtins, PctFindsEveryBuggyScenarioInTenSeedsQuickly) {
  for (const auto& name : builtin_names()) {
    if (find_scenario(name)->expected.empty()) continue;
    std::vector<std::uint64_t> first;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      const auto result = run(name, "pct", 1000, seed);
      ASSERT_TRUE(result.first_failure_execution) << name << " seed " << seed;
      first.push_back(*result.first_failure_execution);
    }
    std::sort(first.begin(), first.end());
    const double median = (first[4] + first[5]) / 2.0;
    EXPECT_LE(median, 50) << name;
    std::cout << "[ pct     ] " << name << ": executions to first failure, seeds 1-10: median " << median
              << ", max " << first.back() << "\n";
  }
}

}  // namespace
}  // namespace tangle::detail
