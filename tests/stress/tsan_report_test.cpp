// Under the tsan preset, ThreadSanitizer's report of the unprotected
// counter's race becomes a finding of that scenario, marked as TSan's.
#include <gtest/gtest.h>

#include "runner.hpp"
#include "stress/stress_runner.hpp"
#include "stress/tsan_reports.hpp"

namespace tangle::detail {
namespace {

TEST(TsanReports, UnprotectedCounterRaceIsATsanSourcedFinding) {
  if (!tsan::available()) GTEST_SKIP() << "not a ThreadSanitizer build (the tsan preset runs this)";
  const ScenarioInfo* info = find_scenario("counter/unprotected");
  ASSERT_NE(info, nullptr);
  StressOptions options;
  options.executions = 5;
  options.time_budget_s = 20;
  options.isolate = false;
  options.jobs = 1;
  const auto result = run_scenario_stress(*info, effective_params(*info, {{"iterations", 200}}), options);
  const report::Finding* tsan_race = nullptr;
  for (const auto& f : result.findings)
    if (f.source == "tsan" && f.kind == report::FindingKind::data_race) tsan_race = &f;
  ASSERT_NE(tsan_race, nullptr) << "no TSan-sourced data_race among " << result.findings.size() << " findings";
  EXPECT_EQ(tsan_race->stacks.size(), 2u);
  ASSERT_FALSE(tsan_race->locations.empty());
  EXPECT_NE(tsan_race->locations[0].find("scenarios/counter/unprotected.cpp"), std::string::npos)
      << tsan_race->locations[0];
  EXPECT_EQ(result.verdict, report::Verdict::pass) << result.verdict_reason;
}

}  // namespace
}  // namespace tangle::detail
