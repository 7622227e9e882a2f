// Engine core v2 on the stress engine: each new primitive's bug is caught and
// its fixed twin stays silent over many executions (v2_scenarios.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "runner.hpp"
#include "stress/stress_runner.hpp"
#include "tangle/scenario.hpp"
#include "v2_scenarios.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

std::string kinds(const report::ScenarioResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += std::string(to_string(f.kind)) + ": " + f.message + "\n";
  return s;
}

const report::Finding* first_of(const report::ScenarioResult& r, FindingKind kind) {
  for (const auto& f : r.findings)
    if (f.kind == kind && f.source == "tangle") return &f;
  return nullptr;
}

// In this process (no child): these scenarios neither hang nor crash, and
// the choices test reads a counter the scenario fills.
report::ScenarioResult run(const std::string& name, std::uint64_t executions, Params::Map overrides = {}) {
  const ScenarioInfo* info = find_scenario(name);
  if (info == nullptr) throw std::runtime_error("no scenario " + name);
  StressOptions o;
  o.executions = executions;
  o.time_budget_s = 20;
  o.isolate = false;
  return run_scenario_stress(*info, effective_params(*info, overrides), o);
}

// A buggy scenario: the expected kind is found, nothing unexpected is.
const report::Finding& caught(const report::ScenarioResult& r, FindingKind kind) {
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  const report::Finding* f = first_of(r, kind);
  if (f == nullptr) {
    ADD_FAILURE() << "no " << to_string(kind) << ":\n" << kinds(r);
    static const report::Finding none;
    return none;
  }
  return *f;
}

void silent(const report::ScenarioResult& r, std::uint64_t executions) {
  EXPECT_EQ(r.executions, executions);
  EXPECT_TRUE(r.findings.empty()) << kinds(r);
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason;
}

TEST(StressV2, RwlockWriterRelockIsASelfDeadlock) {
  const auto r = run("stress-v2/rwlock-writer-relock", 20);
  const auto& f = caught(r, FindingKind::self_deadlock);
  EXPECT_NE(f.message.find("rwlock table again while holding it"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("a non-recursive lock waits for itself forever"), std::string::npos) << f.message;
  EXPECT_EQ(f.locations.size(), 2u);
}

TEST(StressV2, RwlockReadersShareSilently) { silent(run("stress-v2/rwlock-readers-share", 300), 300); }

TEST(StressV2, ReadersWritingUnderAReadLockRace) {
  const auto r = run("stress-v2/rwlock-readers-write", 50);
  const auto& f = caught(r, FindingKind::data_race);
  EXPECT_NE(f.message.find("variable hits"), std::string::npos) << f.message;
}

TEST(StressV2, BarrierPhasesOrderPlainWrites) { silent(run("stress-v2/barrier-phases", 300), 300); }

TEST(StressV2, MissingBarrierIsADataRace) {
  caught(run("stress-v2/barrier-missing", 100), FindingKind::data_race);
}

TEST(StressV2, BarrierNobodyCompletesIsADeadlock) {
  const auto r = run("stress-v2/barrier-short", 5);
  const auto& f = caught(r, FindingKind::deadlock);
  EXPECT_NE(f.message.find("barrier phase"), std::string::npos) << f.message;
}

TEST(StressV2, LatchBelowZeroIsAnInvariantViolation) {
  const auto r = run("stress-v2/latch-below-zero", 20);
  const auto& f = caught(r, FindingKind::invariant_violation);
  EXPECT_NE(f.message.find("latch done down by 1 with only 0 left"), std::string::npos) << f.message;
}

TEST(StressV2, LatchGatesTheReader) { silent(run("stress-v2/latch-gate", 300), 300); }

TEST(StressV2, OnceRunsExactlyOnceAndPublishesItsWrites) { silent(run("stress-v2/once-init", 300), 300); }

TEST(StressV2, OnceReenteredIsASelfDeadlock) {
  const auto r = run("stress-v2/once-reentered", 5);
  const auto& f = caught(r, FindingKind::self_deadlock);
  EXPECT_NE(f.message.find("once flag init again from inside its own function"), std::string::npos) << f.message;
}

TEST(StressV2, BinarySemaphoreOverRelease) {
  const auto r = run("stress-v2/binary-overrelease", 20);
  const auto& f = caught(r, FindingKind::semaphore_overrelease);
  EXPECT_NE(f.message.find("raising its count to 2 above its bound 1"), std::string::npos) << f.message;
}

TEST(StressV2, BinarySemaphoreAsALockIsSilent) { silent(run("stress-v2/binary-lock", 300), 300); }

TEST(StressV2, SpawnedWorkersWithoutALockRace) {
  const auto r = run("stress-v2/spawn-unlocked", 50);
  const auto& f = caught(r, FindingKind::data_race);
  EXPECT_NE(f.message.find("variable counter"), std::string::npos) << f.message;
  // Workers are threads 1..3 (main is 0, and reads only after the joins):
  // the race is between two workers.
  for (int t : f.threads) EXPECT_GE(t, 1) << f.message;
}

TEST(StressV2, SpawnedWorkersWithALockAreClean) { silent(run("stress-v2/spawn-locked", 200), 200); }

TEST(StressV2, JoinMakesTheWorkersWriteVisible) { silent(run("stress-v2/join-visibility", 300), 300); }

TEST(StressV2, ReadingBeforeJoinIsARace) {
  const auto r = run("stress-v2/read-before-join", 20);
  const auto& f = caught(r, FindingKind::data_race);
  EXPECT_NE(f.message.find("variable result"), std::string::npos) << f.message;
}

TEST(StressV2, SpawnEdgesReachGrandchildren) { silent(run("stress-v2/spawn-hands-over", 200), 200); }

TEST(StressV2, TwoHundredSpawnedThreadsWork) {
  const auto r = run("stress-v2/spawn-many", 5);
  silent(r, 5);
}

TEST(StressV2, JoiningUnderALockTheWorkerNeedsIsADeadlock) {
  const auto r = run("stress-v2/join-under-lock", 5);
  const auto& f = caught(r, FindingKind::deadlock);
  // The wait-for cycle runs through the join: main waits for thread 1.
  EXPECT_NE(f.message.find("wait-for cycle"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("waits for thread 1"), std::string::npos) << f.message;
  EXPECT_EQ(f.cycle.size(), 2u);
}

TEST(StressV2, JoiningTwiceIsAnInvariantViolation) {
  const auto r = run("stress-v2/join-twice", 5);
  const auto& f = caught(r, FindingKind::invariant_violation);
  EXPECT_EQ(f.message, "thread 0 joins thread 1, which was already joined");
}

TEST(StressV2, ChoicesComeFromTheSeedAndCoverTheRange) {
  for (auto& c : test_v2::g_choices) c.store(0);
  silent(run("stress-v2/choices", 200), 200);
  std::uint64_t total = 0;
  for (auto& c : test_v2::g_choices) {
    EXPECT_GT(c.load(), 0u);  // 400 draws from 4: every answer appears
    total += c.load();
  }
  EXPECT_EQ(total, 400u);
}

}  // namespace
}  // namespace tangle::detail
