// Stress engine tests: the built-in bugs are caught on real threads within a
// time budget, their fixed twins stay clean, and process isolation contains
// hangs, crashes and aborts. Nothing here asserts on timing: budgets only
// bound how long a test may take.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "isolation/isolation.hpp"
#include "runner.hpp"
#include "stress/stress_runner.hpp"
#include "token.hpp"
#include "tangle/scenario.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

const ScenarioInfo& scenario(const std::string& name) {
  const ScenarioInfo* info = find_scenario(name);
  if (info == nullptr) throw std::runtime_error("no scenario " + name);
  return *info;
}

// The stress engine's own findings; under the tsan preset ThreadSanitizer's
// (source "tsan") come on top and are tested in tsan_report_test.cpp.
bool has(const report::ScenarioResult& r, FindingKind kind) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [kind](const report::Finding& f) { return f.kind == kind && f.source == "tangle"; });
}

const report::Finding* first_of(const report::ScenarioResult& r, FindingKind kind) {
  for (const auto& f : r.findings)
    if (f.kind == kind && f.source == "tangle") return &f;
  return nullptr;
}

std::string kinds(const report::ScenarioResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += std::string(to_string(f.kind)) + ": " + f.message + "\n";
  return s;
}

report::ScenarioResult run(const std::string& name, Params::Map overrides, StressOptions options) {
  const ScenarioInfo& info = scenario(name);
  return run_scenario_stress(info, effective_params(info, overrides), options);
}

StressOptions budget(double seconds, std::uint64_t executions) {
  StressOptions o;
  o.time_budget_s = seconds;
  o.executions = executions;
  return o;
}

// ---------------------------------------------------------------------------
// Buggy built-ins are caught.

TEST(StressCatches, UnprotectedCounterLosesUpdatesAndRaces) {
  auto r = run("counter/unprotected", {{"threads", 5}, {"iterations", 500000}}, budget(3, 1000));
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  EXPECT_TRUE(has(r, FindingKind::invariant_violation)) << kinds(r);
  EXPECT_TRUE(has(r, FindingKind::data_race)) << kinds(r);
  const report::Finding* race = first_of(r, FindingKind::data_race);
  ASSERT_NE(race, nullptr);
  EXPECT_NE(race->message.find("data race on variable counter"), std::string::npos);
  EXPECT_TRUE(race->replay.empty());  // stress findings carry no replay token
}

TEST(StressCatches, UnprotectedCounterWithoutRaceDetectionStillLosesUpdates) {
  StressOptions o = budget(3, 1000);
  o.race_detection = false;
  auto r = run("counter/unprotected", {{"threads", 5}, {"iterations", 500000}}, o);
  EXPECT_TRUE(has(r, FindingKind::invariant_violation)) << kinds(r);
  EXPECT_FALSE(has(r, FindingKind::data_race)) << kinds(r);
}

TEST(StressCatches, PlainMutexReentryIsASelfDeadlock) {
  auto r = run("rlock/plain-mutex", {}, budget(3, 50));
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  const report::Finding* f = first_of(r, FindingKind::self_deadlock);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("again while holding it"), std::string::npos) << f->message;
  EXPECT_EQ(f->locations.size(), 2u);
}

TEST(StressCatches, OppositeLockOrdersDeadlockOrInvert) {
  auto r = run("deadlock/lock-order", {}, budget(3, 2000));
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  EXPECT_TRUE(has(r, FindingKind::deadlock) || has(r, FindingKind::lock_order_inversion))
      << kinds(r);
  if (const report::Finding* inv = first_of(r, FindingKind::lock_order_inversion)) {
    EXPECT_EQ(inv->cycle.size(), 2u);
    EXPECT_EQ(inv->threads.size(), 2u);
  }
}

TEST(StressCatches, LostWakeupIsADeadlock) {
  auto r = run("prodcons/lost-wakeup", {}, budget(3, 5000));
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  const report::Finding* f = first_of(r, FindingKind::deadlock);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("every live thread is blocked"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("condvar not_empty"), std::string::npos) << f->message;
}

TEST(StressCatches, SemaphoreOverReleaseIsFound) {
  auto r = run("semaphore/over-release", {}, budget(3, 50));
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  EXPECT_TRUE(has(r, FindingKind::semaphore_overrelease)) << kinds(r);
}

TEST(StressCatches, CertainDeadlockReportsTheWaitForCycle) {
  StressOptions o = budget(3, 3);
  o.isolate = false;
  auto r = run("stress-test/certain-deadlock", {}, o);
  const report::Finding* f = first_of(r, FindingKind::deadlock);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_EQ(f->occurrences, r.executions);  // every execution, each unwound
  ASSERT_EQ(f->cycle.size(), 2u);
  EXPECT_NE(f->message.find("wait-for cycle"), std::string::npos) << f->message;
  for (const auto& e : f->cycle) {
    EXPECT_FALSE(e.holds.empty());
    EXPECT_GE(e.other_thread, 0);
  }
  EXPECT_TRUE(has(r, FindingKind::lock_order_inversion)) << kinds(r);
}

TEST(StressCatches, SpinningOnAnAtomicForeverIsALivelock) {
  StressOptions o = budget(0, 3);  // counts asserted: no time budget
  o.isolate = false;
  o.execution_timeout_ms = 300;
  auto r = run("stress-test/spin-on-atomic", {}, o);
  const report::Finding* f = first_of(r, FindingKind::livelock);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("still making progress"), std::string::npos) << f->message;
  EXPECT_EQ(r.executions, 3u);  // the spinning thread unwound at its next operation
}

TEST(StressCatches, EscapingExceptionIsACrash) {
  StressOptions o = budget(0, 5);  // counts asserted: no time budget
  o.isolate = false;
  auto r = run("stress-test/throws", {}, o);
  const report::Finding* f = first_of(r, FindingKind::crash);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("boom"), std::string::npos) << f->message;
  EXPECT_EQ(r.executions, 5u);  // the other thread unwound: executions went on
}

// ---------------------------------------------------------------------------
// Fixed twins stay clean.

struct CleanCase {
  const char* name;
  Params::Map params;
};

class StressClean : public testing::TestWithParam<CleanCase> {};

TEST_P(StressClean, NoFindings) {
  auto r = run(GetParam().name, GetParam().params, budget(2, 300));
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason << "\n" << kinds(r);
  EXPECT_TRUE(r.findings.empty()) << kinds(r);
  EXPECT_GT(r.executions, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    FixedTwins, StressClean,
    testing::Values(CleanCase{"counter/locked", {{"threads", 5}, {"iterations", 2000}}},
                    CleanCase{"rlock/recursive", {{"iterations", 50}}},
                    CleanCase{"deadlock/ordered", {{"threads", 3}, {"iterations", 50}}},
                    CleanCase{"prodcons/bounded-queue", {{"items", 50}}},
                    CleanCase{"semaphore/bounded", {}},
                    CleanCase{"event/gate", {{"cycles", 20}, {"persons", 5}}}),
    [](const testing::TestParamInfo<CleanCase>& info) {
      std::string s = info.param.name;
      for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return s;
    });

TEST(StressCleanInProcess, BoundedQueueWithoutIsolation) {
  StressOptions o = budget(0, 60);  // counts asserted: no time budget
  o.isolate = false;
  auto r = run("prodcons/bounded-queue", {{"items", 20}}, o);
  EXPECT_TRUE(r.findings.empty()) << kinds(r);
  EXPECT_EQ(r.executions, 60u);
}

// ---------------------------------------------------------------------------
// Jobs: N children, deterministic seeds, merged results.

TEST(StressJobs, ChildrenResultsAreMerged) {
  StressOptions o = budget(0, 40);  // counts asserted: no time budget
  o.jobs = 2;
  auto r = run("rlock/plain-mutex", {}, o);
  EXPECT_EQ(r.executions, 40u);
  ASSERT_EQ(r.findings.size(), 1u) << kinds(r);  // same finding in both jobs: one
  EXPECT_EQ(r.findings[0].occurrences, 40u);
  EXPECT_NE(job_seed(1, 0, 2), job_seed(1, 1, 2));
  EXPECT_EQ(job_seed(7, 0, 1), 7u);
}

// ---------------------------------------------------------------------------
// Isolation: hangs, crashes, aborts never take the run down.

TEST(StressIsolation, ThreadSpinningOutsidePrimitivesIsAHang) {
  StressOptions o = budget(3, 5);
  o.watchdog_ms = 200;
  auto r = run("stress-test/spin-forever", {}, o);
  const report::Finding* f = first_of(r, FindingKind::hang);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("thread 0 runs outside tangle primitives"), std::string::npos)
      << f->message;
  EXPECT_EQ(r.executions, 1u);  // the stuck thread ended its child's batch
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason;
}

TEST(StressIsolation, NullDereferenceIsACrashNamingTheSignal) {
  auto r = run("stress-test/null-deref", {}, budget(3, 5));
  const report::Finding* f = first_of(r, FindingKind::crash);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("SIGSEGV"), std::string::npos) << f->message;
  EXPECT_EQ(r.verdict, report::Verdict::pass) << r.verdict_reason;
}

TEST(StressIsolation, AbortIsACrashNamingTheSignal) {
  auto r = run("stress-test/abort", {}, budget(3, 5));
  const report::Finding* f = first_of(r, FindingKind::crash);
  ASSERT_NE(f, nullptr) << kinds(r);
  EXPECT_NE(f->message.find("SIGABRT"), std::string::npos) << f->message;
}

TEST(StressIsolation, WedgedChildIsKilledAndItsDeadlockKept) {
  StressOptions o = budget(3, 5);
  o.watchdog_ms = 1000;
  auto r = run("stress-test/deadlock-then-wedge", {}, o);
  // The child streamed the deadlock, then stopped answering: the parent
  // killed it and reports what it was told instead of a bare hang.
  EXPECT_TRUE(has(r, FindingKind::deadlock)) << kinds(r);
  EXPECT_FALSE(has(r, FindingKind::hang)) << kinds(r);
}

TEST(Isolation, SilentChildIsKilledAndItsFramesKept) {
  IsolationLimits limits;
  limits.stall_timeout = std::chrono::milliseconds(300);
  IsolatedOutcome out = run_isolated(
      [](Channel& ch) {
        ch.send('S', "so far");
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
        return 0;
      },
      limits);
  EXPECT_EQ(out.end, IsolatedOutcome::End::killed);
  ASSERT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.frames[0].type, 'S');
  EXPECT_EQ(out.frames[0].payload, "so far");
}

TEST(Isolation, DeadlineKillsAChattyChild) {
  IsolationLimits limits;
  limits.deadline = std::chrono::milliseconds(300);
  IsolatedOutcome out = run_isolated(
      [](Channel& ch) {
        for (;;) {
          ch.send('H', "1");
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return 0;
      },
      limits);
  EXPECT_EQ(out.end, IsolatedOutcome::End::killed);
  EXPECT_FALSE(out.frames.empty());
}

TEST(Isolation, ExitCodesSignalsAndLargeFrames) {
  const std::string big(300000, 'x');  // larger than a pipe buffer
  auto outs = run_isolated(
      std::vector<std::function<int(Channel&)>>{
          [&](Channel& ch) {
            ch.send('R', big);
            return 7;
          },
          [](Channel&) {
            ::raise(SIGSEGV);
            return 0;
          }},
      IsolationLimits{});
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].end, IsolatedOutcome::End::exited);
  EXPECT_EQ(outs[0].exit_code, 7);
  ASSERT_EQ(outs[0].frames.size(), 1u);
  EXPECT_EQ(outs[0].frames[0].payload, big);
  EXPECT_EQ(outs[1].end, IsolatedOutcome::End::signaled);
  EXPECT_EQ(outs[1].signal, SIGSEGV);
  EXPECT_EQ(signal_description(SIGSEGV).rfind("SIGSEGV (", 0), 0u);
}

// ---------------------------------------------------------------------------
// Stress → replay: a stress finding is looked for on the controlled engine
// and, found there, carries a replay token that reproduces it.

TEST(StressReplay, FindingsGetAControlledEngineReplayToken) {
  StressOptions o = budget(0, 20);
  o.isolate = false;
  const ScenarioInfo* info = find_scenario("deadlock/lock-order");
  const Params params = effective_params(*info, {});
  auto r = run_scenario_stress(*info, params, o);
  ASSERT_FALSE(r.findings.empty());
  attach_controlled_replays(*info, params, r);
  for (const auto& f : r.findings) {
    ASSERT_FALSE(f.replay.empty()) << f.replay_note;
    EXPECT_NE(f.replay_note.find("reproduced on the controlled engine"), std::string::npos) << f.replay_note;
    const ReplayOutcome out = replay(decode_token(f.replay));
    EXPECT_TRUE(out.reproduced) << to_string(f.kind);
    EXPECT_EQ(out.trace_hash, f.trace_hash);
  }
}

}  // namespace
}  // namespace tangle::detail
