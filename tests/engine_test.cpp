// The controlled engine on small test-only scenarios: each detector fires on
// its bug, stays silent on the fixed form, executions are deterministic, and
// aborted executions unwind cleanly.
#include <gtest/gtest.h>

#include <cfenv>
#include <set>
#include <stdexcept>

#include "controlled/engine.hpp"
#include "engine_helpers.hpp"
#include "runner.hpp"
#include "tangle/tangle.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

struct SelfDeadlock : Scenario {
  explicit SelfDeadlock(const Params&) {}
  Mutex m{"m"};
  void thread(int) override {
    m.lock();
    m.lock();
  }
};

TEST(Engine, SelfDeadlockIsExactAndAborts) {
  EXPECT_EQ(kinds_found(info_for<SelfDeadlock>(1), 5), std::set{FindingKind::self_deadlock});
}

struct UnlockNotOwner : Scenario {
  explicit UnlockNotOwner(const Params&) {}
  Mutex m{"m"};
  void thread(int i) override {
    if (i == 0) m.lock();
    else m.unlock();
  }
};

TEST(Engine, UnlockByNonOwnerIsFound) {
  EXPECT_EQ(kinds_found(info_for<UnlockNotOwner>(2), 20), std::set{FindingKind::unlock_not_owner});
}

struct Crash : Scenario {
  explicit Crash(const Params&) {}
  Mutex m{"m"};
  void thread(int i) override {
    LockGuard g(m);  // unwinding must release it without a second finding
    if (i == 1) throw std::runtime_error("boom");
  }
};

TEST(Engine, EscapingExceptionIsACrash) {
  EXPECT_EQ(kinds_found(info_for<Crash>(2), 50), std::set{FindingKind::crash});
}

struct CrashWhileOtherUnlocks : Scenario {
  explicit CrashWhileOtherUnlocks(const Params&) {}
  Mutex m{"m"};
  Atomic<int> a{0, "a"};
  void thread(int i) override {
    if (i == 1) throw std::runtime_error("boom");
    for (int k = 0; k < 3; ++k) {
      LockGuard g(m);  // ~LockGuard's unlock is a scheduling point inside a destructor
      a.store(k);
    }
  }
};

TEST(Engine, AbortReachingADestructorsUnlockDoesNotTerminate) {
  // Thread 1 may crash while thread 0 is suspended in ~LockGuard's unlock:
  // resuming it must not throw out of the (noexcept) destructor.
  EXPECT_EQ(kinds_found(info_for<CrashWhileOtherUnlocks>(2), 300), std::set{FindingKind::crash});
  EXPECT_EQ(kinds_found(info_for<CrashWhileOtherUnlocks>(2), 300, "pct"), std::set{FindingKind::crash});
}

struct Spinner : Scenario {
  explicit Spinner(const Params&) {}
  Atomic<int> flag{0, "flag"};
  void thread(int) override {
    while (flag.load() == 0) spin_hint(flag);  // nobody ever sets it
  }
};

TEST(Engine, EndlessSpinIsALivelockAtTheStepBound) {
  EXPECT_EQ(kinds_found(info_for<Spinner>(2), 3, "random", 500), std::set{FindingKind::livelock});
}

// The step bound can fall on an unlock in a LockGuard's destructor, where a
// throw would std::terminate: the unlock becomes a no-op instead.
struct OneGuardedSection : Scenario {
  explicit OneGuardedSection(const Params&) {}
  Mutex m{"m"};
  void thread(int) override { LockGuard g(m); }
};

TEST(Engine, StepBoundAtAnUnlockInADestructorIsALivelockNotATerminate) {
  EXPECT_EQ(kinds_found(info_for<OneGuardedSection>(1), 3, "random", 1), std::set{FindingKind::livelock});
}

struct SpinHandoff : Scenario {
  explicit SpinHandoff(const Params&) {}
  Atomic<int> flag{0, "flag"};
  void thread(int i) override {
    if (i == 0) flag.store(1);
    else
      while (flag.load() == 0) spin_hint(flag);
  }
};

TEST(Engine, SpinLoopsFinishUnderBothStrategies) {
  EXPECT_TRUE(kinds_found(info_for<SpinHandoff>(2), 500, "random", 1000).empty());
  EXPECT_TRUE(kinds_found(info_for<SpinHandoff>(2), 500, "pct", 1000).empty());
}

struct CondvarPingPong : Scenario {
  explicit CondvarPingPong(const Params&) {}
  Mutex m{"m"};
  CondVar cv{"cv"};
  Shared<int> turn{0, "turn"};
  void thread(int i) override {
    for (int round = 0; round < 3; ++round) {
      UniqueLock lock(m);
      cv.wait(lock, [&] { return turn.read() % 2 == i; });
      turn.write(turn.read() + 1);
      cv.notify_all();
    }
  }
  void check() override { tangle::check(turn.final_value() == 6, "turns lost"); }
};

TEST(Engine, CondvarHandOffIsCleanAndRaceFree) {
  EXPECT_TRUE(kinds_found(info_for<CondvarPingPong>(2), 2000, "random").empty());
  EXPECT_TRUE(kinds_found(info_for<CondvarPingPong>(2), 2000, "pct").empty());
}

struct AtomicWaitNotify : Scenario {
  explicit AtomicWaitNotify(const Params&) {}
  Atomic<int> state{0, "state"};
  Shared<int> payload{0, "payload"};
  void thread(int i) override {
    if (i == 0) {
      payload.write(42);
      state.store(1);
      state.notify_one();
    } else {
      state.wait(0);
      tangle::check(payload.read() == 42, "payload not published");
    }
  }
};

TEST(Engine, AtomicWaitNotifyPublishes) {
  EXPECT_TRUE(kinds_found(info_for<AtomicWaitNotify>(2), 1000).empty());
}

struct MissingNotify : Scenario {
  explicit MissingNotify(const Params&) {}
  Event e{"never"};
  void thread(int) override { e.wait(); }
};

TEST(Engine, AllBlockedWithoutCycleIsADeadlockNamingTheWait) {
  const ScenarioInfo info = info_for<MissingNotify>(2);
  RunOptions options;
  options.executions = 1;
  auto result = run_scenario(info, Params{}, options);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].kind, FindingKind::deadlock);
  EXPECT_NE(result.findings[0].message.find("event never"), std::string::npos);
  EXPECT_EQ(result.findings[0].cycle.size(), 2u);
}

struct ThreeWayCycle : Scenario {
  explicit ThreeWayCycle(const Params&) {}
  Mutex m[3] = {Mutex{"m0"}, Mutex{"m1"}, Mutex{"m2"}};
  void thread(int i) override {
    LockGuard a(m[i]);
    LockGuard b(m[(i + 1) % 3]);
  }
};

TEST(Engine, ThreeThreadLockCycleGivesDeadlockAndInversion) {
  const ScenarioInfo info = info_for<ThreeWayCycle>(3);
  RunOptions options;
  options.executions = 3000;
  auto result = run_scenario(info, Params{}, options);
  bool deadlock = false, inversion = false;
  for (const auto& f : result.findings) {
    if (f.kind == FindingKind::deadlock && f.cycle.size() == 3) {
      deadlock = true;
      for (const auto& e : f.cycle) EXPECT_GE(e.other_thread, 0);  // every edge names the holder
    }
    if (f.kind == FindingKind::lock_order_inversion && f.cycle.size() == 3) inversion = true;
  }
  EXPECT_TRUE(deadlock);
  EXPECT_TRUE(inversion);
}

struct SameThreadBothOrders : Scenario {
  explicit SameThreadBothOrders(const Params&) {}
  Mutex a{"a"}, b{"b"};
  void thread(int) override {
    { LockGuard x(a); LockGuard y(b); }
    { LockGuard y(b); LockGuard x(a); }
  }
};

TEST(Engine, OneThreadAloneCannotInvertLockOrder) {
  EXPECT_TRUE(kinds_found(info_for<SameThreadBothOrders>(1), 5).empty());
}

TEST(Engine, SameSeedSameTraceHashDifferentSeedsDiffer) {
  const ScenarioInfo info = info_for<CondvarPingPong>(2);
  auto strategy = make_random_strategy();
  ControlledEngine a(info, Params{}), b(info, Params{});
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    a.run(*strategy, seed);
    const std::uint64_t ha = a.trace_hash();
    const auto schedule = a.schedule();
    b.run(*strategy, seed);
    const std::uint64_t hb = b.trace_hash();
    EXPECT_EQ(ha, hb);
    EXPECT_EQ(schedule, b.schedule());
    hashes.insert(ha);
  }
  EXPECT_GT(hashes.size(), 5u);
}

TEST(Engine, ReplayOfRecordedScheduleRepeatsTheTrace) {
  const ScenarioInfo info = info_for<CondvarPingPong>(2);
  auto strategy = make_pct_strategy(3);
  ControlledEngine engine(info, Params{});
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    engine.run(*strategy, seed);
    const std::uint64_t hash = engine.trace_hash();
    auto replay = make_replay_strategy(engine.schedule());
    ControlledEngine again(info, Params{});
    again.run(*replay, 0);
    EXPECT_EQ(again.trace_hash(), hash);
  }
}

// Fibers share the floating-point control state (fiber_stacks.hpp); the
// engine puts the harness's back after each execution.
struct ChangesRounding : Scenario {
  explicit ChangesRounding(const Params&) {}
  Mutex m{"m"};
  void thread(int) override {
    LockGuard g(m);
    std::fesetround(FE_UPWARD);
  }
};

TEST(Engine, AThreadsRoundingModeDoesNotOutliveItsExecution) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  ControlledEngine engine(info_for<ChangesRounding>(2), Params{});
  auto strategy = make_random_strategy();
  engine.run(*strategy, 1);
  EXPECT_EQ(std::fegetround(), FE_TONEAREST);
  std::fesetround(FE_TONEAREST);  // the next tests' state, whatever happened
}

// ---------------------------------------------------------------------------
// Granularity: under `sync`, Shared<T> accesses are scheduling points only
// after a data race was seen (or after a long run of them).

struct LockedIncrements : Scenario {
  explicit LockedIncrements(const Params&) {}
  Mutex m{"m"};
  Shared<int> x{0, "x"};
  void thread(int) override {
    for (int i = 0; i < 2; ++i) {
      LockGuard g(m);
      x.write(x.read() + 1);
    }
  }
};

TEST(Granularity, SyncSchedulesOnlyAtSynchronizationWhileRaceFree) {
  const ScenarioInfo info = info_for<LockedIncrements>(2);
  auto strategy = make_random_strategy();
  EngineOptions sync_options, all_options;
  all_options.granularity = Granularity::all;
  ControlledEngine sync(info, Params{}, sync_options), all(info, Params{}, all_options);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const ExecutionResult& s = sync.run(*strategy, seed);
    EXPECT_FALSE(sync.data_points());
    EXPECT_EQ(s.steps, 16u);   // 2 threads x 2 x (lock, read, write, unlock)
    EXPECT_EQ(s.points, 8u);   // the locks and unlocks
    const ExecutionResult& a = all.run(*strategy, seed);
    EXPECT_TRUE(all.data_points());
    EXPECT_EQ(a.steps, 16u);
    EXPECT_EQ(a.points, 16u);
  }
}

// Long executions (the trace buffer grows past its first capacity several
// times) replay identically in a fresh engine: where the points fall must not
// depend on the engine's history.
struct LongLockedIncrements : Scenario {
  explicit LongLockedIncrements(const Params&) {}
  Mutex m{"m"};
  Shared<int> x{0, "x"}, mine0{0, "mine0"}, mine1{0, "mine1"};
  void thread(int i) override {
    Shared<int>& mine = i == 0 ? mine0 : mine1;
    for (int k = 0; k < 150; ++k) {
      mine.write(mine.read() + 1);  // thread-local: never a race
      LockGuard g(m);
      x.write(x.read() + 1);
    }
  }
};

TEST(Granularity, LongExecutionsReplayInAFreshEngine) {
  const ScenarioInfo info = info_for<LongLockedIncrements>(2);
  auto strategy = make_random_strategy();
  ControlledEngine engine(info, Params{});
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const ExecutionResult& r = engine.run(*strategy, seed);
    EXPECT_TRUE(r.findings.empty());
    EXPECT_GT(engine.trace().size(), 1000u);
    ControlledEngine fresh(info, Params{});
    auto replay = make_replay_strategy(engine.schedule());
    fresh.run(*replay, 0);
    EXPECT_EQ(fresh.trace_hash(), engine.trace_hash()) << "seed " << seed;
  }
}

struct RacyIncrements : Scenario {
  explicit RacyIncrements(const Params&) {}
  Shared<int> x{0, "x"};
  void thread(int) override {
    for (int i = 0; i < 2; ++i) x.write(x.read() + 1);
  }
  void check() override { tangle::check(x.final_value() == 4, "lost update"); }
};

TEST(Granularity, ARaceMakesItsOwnExecutionFineGrainedButNotTheNext) {
  const ScenarioInfo info = info_for<RacyIncrements>(2);
  auto strategy = make_random_strategy();
  ControlledEngine engine(info, Params{});
  const ExecutionResult& first = engine.run(*strategy, 1);
  EXPECT_FALSE(engine.data_points());
  ASSERT_EQ(first.findings.size(), 1u);
  EXPECT_EQ(first.findings[0].kind, FindingKind::data_race);
  // From the race on, the racing thread's accesses are points.
  EXPECT_GT(first.points, 0u);
  EXPECT_LT(first.points, first.steps);
  // Purity: the next execution is what a fresh engine makes of its seed.
  const ExecutionResult& second = engine.run(*strategy, 2);
  EXPECT_FALSE(engine.data_points());
  const std::uint64_t second_points = second.points, second_hash = engine.trace_hash();
  ControlledEngine fresh(info, Params{});
  auto again_strategy = make_random_strategy();
  EXPECT_EQ(fresh.run(*again_strategy, 2).points, second_points);
  EXPECT_EQ(fresh.trace_hash(), second_hash);
  // A run calibrates on its first executions: they saw the race, so the
  // later ones schedule at every Shared<T> access from the start …
  // ... so the lost update, which needs a switch between a read and its write,
  // is found too, and each finding's token replays with its own granularity.
  RunOptions run_options;
  run_options.strategy = "random";
  run_options.executions = 500;
  const auto result = run_scenario(info, Params{}, run_options);
  std::set<FindingKind> kinds;
  for (const auto& f : result.findings) {
    kinds.insert(f.kind);
    const ReplayToken token = decode_token(f.replay);
    EXPECT_EQ(token.data_points, f.kind != FindingKind::data_race) << to_string(f.kind);
    // What `tangle replay` does, on this unregistered scenario.
    EngineOptions options;
    options.granularity = token.data_points ? Granularity::all : Granularity::sync;
    ControlledEngine again(info, Params{}, options);
    auto schedule = make_replay_strategy(token.schedule);
    again.run(*schedule, 0);
    EXPECT_EQ(hash_hex(again.trace_hash()), f.trace_hash) << to_string(f.kind);
  }
  EXPECT_EQ(kinds, (std::set{FindingKind::data_race, FindingKind::invariant_violation}));
}

struct PlainFlagSpin : Scenario {
  explicit PlainFlagSpin(const Params&) {}
  Shared<bool> ready{false, "ready"};
  void thread(int i) override {
    if (i == 1) ready.write(true);
    else
      while (!ready.read()) {
      }
  }
};

TEST(Granularity, SpinOnAPlainFlagStillLetsTheWriterRun) {
  // No synchronization at all: without the point every kDataRun accesses, a
  // reader that starts first would spin until the step bound, and the race
  // would never show. With it the writer runs, and the race is reported.
  // A fresh engine per seed: none has seen a race yet.
  const ScenarioInfo info = info_for<PlainFlagSpin>(2);
  auto strategy = make_random_strategy();
  int reader_first = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    ControlledEngine engine(info, Params{});
    const ExecutionResult& r = engine.run(*strategy, seed);
    ASSERT_EQ(r.findings.size(), 1u) << "seed " << seed;
    EXPECT_EQ(r.findings[0].kind, FindingKind::data_race) << r.findings[0].message;
    reader_first += engine.schedule().at(0) == 0;
  }
  EXPECT_GT(reader_first, 3);  // the case the forced points are for did happen
}

}  // namespace
}  // namespace tangle::detail
