// Engine core v2 on the controlled engine: threads started at run time
// (tangle::Thread, MainScenario), joins and their deadlocks, a thousand
// threads, the new primitives (RWLock, Barrier, Latch, Once,
// BinarySemaphore), data choices, spurious wake-ups, the strategy v2
// decision record, pure executions and the v3 token's origin fields.
//
// Every detector and primitive is proven twice: a buggy scenario it must
// catch, and a fixed twin that must stay silent over hundreds of executions
// under both sampling strategies.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "controlled/engine.hpp"
#include "engine_helpers.hpp"
#include "rng.hpp"
#include "runner.hpp"
#include "tangle/tangle.hpp"
#include "token.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;
using Kinds = std::set<FindingKind>;

constexpr const char* kStrategies[] = {"random", "pct"};

report::ScenarioResult run(const ScenarioInfo& info, const char* strategy, std::uint64_t executions,
                           EngineOptions engine = {}, std::uint64_t seed = 1) {
  RunOptions options;
  options.strategy = strategy;
  options.executions = executions;
  options.seed = seed;
  options.engine = engine;
  return run_scenario(info, Params(info.defaults), options);
}

Kinds kinds_of(const report::ScenarioResult& r) {
  Kinds out;
  for (const auto& f : r.findings) out.insert(f.kind);
  return out;
}

std::string describe(const report::ScenarioResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += std::string(to_string(f.kind)) + ": " + f.message + "\n";
  return s;
}

// Clean over `executions` executions of each strategy.
void expect_clean(const ScenarioInfo& info, std::uint64_t executions, EngineOptions engine = {}) {
  for (const char* strategy : kStrategies) {
    const auto r = run(info, strategy, executions, engine);
    EXPECT_TRUE(r.findings.empty()) << strategy << ":\n" << describe(r);
    EXPECT_EQ(r.executions, executions) << strategy;
  }
}

// Under each strategy: every kind of `required` found, nothing outside `allowed`.
void expect_found(const ScenarioInfo& info, std::uint64_t executions, const Kinds& required,
                  Kinds allowed = {}, EngineOptions engine = {}) {
  allowed.insert(required.begin(), required.end());
  for (const char* strategy : kStrategies) {
    const auto r = run(info, strategy, executions, engine);
    const Kinds found = kinds_of(r);
    for (FindingKind k : required) EXPECT_TRUE(found.count(k)) << strategy << " missed " << to_string(k) << "\n" << describe(r);
    for (FindingKind k : found) EXPECT_TRUE(allowed.count(k)) << strategy << " unexpected " << to_string(k) << "\n" << describe(r);
  }
}

// How many of `executions` executions (each on its own) report `kind`.
int executions_finding(const ScenarioInfo& info, FindingKind kind, std::uint64_t executions, const char* strategy) {
  RunOptions options;
  options.strategy = strategy;
  ControlledEngine engine(info, Params(info.defaults), options.engine);
  auto s = make_strategy(options);
  int count = 0;
  for (std::uint64_t i = 0; i < executions; ++i) {
    const ExecutionResult& r = engine.run(*s, ExecutionStart{mix_seed(1, i), i, engine.threads()});
    count += std::any_of(r.findings.begin(), r.findings.end(), [&](const RawFinding& f) { return f.kind == kind; });
  }
  return count;
}

// Every finding's token replays (runner.hpp replay()) to the same kind and trace_hash.
void expect_tokens_replay(const report::ScenarioResult& r) {
  for (const auto& f : r.findings) {
    ASSERT_FALSE(f.replay.empty()) << f.message;
    const ReplayToken token = decode_token(f.replay);
    const ReplayOutcome out = replay(token);
    EXPECT_TRUE(out.reproduced) << to_string(f.kind) << ": " << f.message;
    EXPECT_EQ(out.trace_hash, f.trace_hash) << f.message;
  }
}

// ---------------------------------------------------------------------------
// 1. tangle::Thread in a MainScenario and from a thread(i) scenario

template <bool kLocked>
struct MainWorkers : MainScenario {
  explicit MainWorkers(const Params&) {}
  Mutex m{"m"};
  Shared<int> counter{0, "counter"};
  static constexpr int kIterations = 3;
  void work() {
    for (int k = 0; k < kIterations; ++k) {
      if (kLocked) m.lock();
      counter.update([](int& x) { ++x; });
      if (kLocked) m.unlock();
    }
  }
  void main() override {
    std::vector<Thread> workers;
    for (int i = 0; i < 3; ++i) workers.emplace_back([this] { work(); });
    for (auto& w : workers) w.join();
  }
  void check() override { tangle::check(counter.final_value() == 3 * kIterations, "lost update"); }
};

TEST(CoreThreads, MainSpawnsUnlockedWorkersRaceAndLoseUpdates) {
  expect_found(info_for<MainWorkers<false>>(1), 400, {FindingKind::data_race, FindingKind::invariant_violation});
}

TEST(CoreThreads, MainSpawnsLockedWorkersIsClean) { expect_clean(info_for<MainWorkers<true>>(1), 500); }

// Two fixed threads, each starting a worker on the same counter.
template <bool kLocked>
struct FixedThreadsSpawn : Scenario {
  explicit FixedThreadsSpawn(const Params&) {}
  Mutex m{"m"};
  Shared<int> counter{0, "counter"};
  void bump() {
    if (kLocked) m.lock();
    counter.update([](int& x) { ++x; });
    if (kLocked) m.unlock();
  }
  void thread(int) override {
    Thread worker([this] { bump(); });
    bump();
    worker.join();
  }
  void check() override { tangle::check(counter.final_value() == 4, "lost update"); }
};

TEST(CoreThreads, SpawnFromAFixedThreadRacesWithoutALock) {
  expect_found(info_for<FixedThreadsSpawn<false>>(2), 400, {FindingKind::data_race, FindingKind::invariant_violation});
}

TEST(CoreThreads, SpawnFromAFixedThreadIsCleanWithALock) { expect_clean(info_for<FixedThreadsSpawn<true>>(2), 500); }

template <bool kReadAfterJoin>
struct JoinPublishes : MainScenario {
  explicit JoinPublishes(const Params&) {}
  Shared<int> x{0, "x"};
  int seen = -1;
  void main() override {
    Thread t([this] { x.write(7); });
    if (!kReadAfterJoin) seen = x.read();
    t.join();
    if (kReadAfterJoin) seen = x.read();
  }
  void check() override {
    if (kReadAfterJoin) tangle::check(seen == 7, "join did not publish the write");
  }
};

TEST(CoreThreads, ReadAfterJoinSeesTheWriteWithoutARace) { expect_clean(info_for<JoinPublishes<true>>(1), 500); }

TEST(CoreThreads, ReadBeforeJoinIsADataRaceInEveryExecution) {
  expect_found(info_for<JoinPublishes<false>>(1), 100, {FindingKind::data_race});
  for (const char* strategy : kStrategies)
    EXPECT_EQ(executions_finding(info_for<JoinPublishes<false>>(1), FindingKind::data_race, 100, strategy), 100)
        << strategy;
}

// A joinable Thread's destructor joins: the read after its scope is ordered
// after the worker's write (no race), and nothing hangs.
struct DestroyedJoinable : MainScenario {
  explicit DestroyedJoinable(const Params&) {}
  Shared<int> x{0, "x"};
  int seen = -1;
  void main() override {
    {
      Thread t([this] { x.write(5); });
    }
    seen = x.read();
  }
  void check() override { tangle::check(seen == 5, "the destructor did not join"); }
};

TEST(CoreThreads, ThreadDestroyedJoinableIsJoined) { expect_clean(info_for<DestroyedJoinable>(1), 500); }

// ---------------------------------------------------------------------------
// 2. Deadlock through join; join misuse

template <bool kUnlockFirst>
struct JoinUnderLock : MainScenario {
  explicit JoinUnderLock(const Params&) {}
  Mutex m{"m"};
  void main() override {
    m.lock();
    Thread worker([this] {
      m.lock();
      m.unlock();
    });
    if (kUnlockFirst) m.unlock();
    worker.join();
    if (!kUnlockFirst) m.unlock();
  }
};

TEST(CoreJoin, JoiningAWorkerThatWaitsForAHeldLockIsADeadlockOfBoth) {
  for (const char* strategy : kStrategies) {
    const auto r = run(info_for<JoinUnderLock<false>>(1), strategy, 200);
    ASSERT_EQ(kinds_of(r), Kinds{FindingKind::deadlock}) << strategy << "\n" << describe(r);
    const report::Finding& f = r.findings.front();
    EXPECT_EQ(std::set<int>(f.threads.begin(), f.threads.end()), (std::set<int>{0, 1})) << f.message;
    EXPECT_NE(f.message.find("thread 0"), std::string::npos) << f.message;
    EXPECT_NE(f.message.find("thread 1"), std::string::npos) << f.message;
    std::set<int> in_cycle;
    for (const auto& e : f.cycle) in_cycle.insert(e.thread);
    EXPECT_EQ(in_cycle, (std::set<int>{0, 1})) << f.message;
    // Every execution deadlocks, whoever runs first.
    EXPECT_EQ(r.first_failure_execution, 1u);
  }
}

TEST(CoreJoin, UnlockingBeforeTheJoinIsClean) { expect_clean(info_for<JoinUnderLock<true>>(1), 500); }

struct JoinTwice : MainScenario {
  explicit JoinTwice(const Params&) {}
  void main() override {
    Thread t([] {});
    const int index = t.index();
    t.join();
    current_runtime().join_thread(index, Loc::current());
  }
};

struct JoinSelf : MainScenario {
  explicit JoinSelf(const Params&) {}
  void main() override {
    Thread t([] { current_runtime().join_thread(current_runtime().thread_index(), Loc::current()); });
    t.join();
  }
};

struct JoinNobody : MainScenario {
  explicit JoinNobody(const Params&) {}
  void main() override { current_runtime().join_thread(42, Loc::current()); }
};

struct JoinOnce : MainScenario {  // the twin: one join per thread
  explicit JoinOnce(const Params&) {}
  void main() override {
    Thread t([] {});
    current_runtime().join_thread(t.index(), Loc::current());
    (void)t;  // still "joinable" to the handle: its destructor's join is the second one
  }
};

TEST(CoreJoin, JoinMisuseIsAnInvariantViolation) {
  EXPECT_EQ(kinds_found(info_for<JoinTwice>(1), 50), Kinds{FindingKind::invariant_violation});
  EXPECT_EQ(kinds_found(info_for<JoinSelf>(1), 50), Kinds{FindingKind::invariant_violation});
  EXPECT_EQ(kinds_found(info_for<JoinNobody>(1), 50), Kinds{FindingKind::invariant_violation});
  // A handle joined behind its back is joined again by its destructor: misuse too.
  EXPECT_EQ(kinds_found(info_for<JoinOnce>(1), 50), Kinds{FindingKind::invariant_violation});
}

struct JoinEachOnce : MainScenario {
  explicit JoinEachOnce(const Params&) {}
  void main() override {
    Thread a([] {});
    Thread b([] {});
    b.join();
    a.join();
    a.join();  // not joinable any more: the handle does nothing (std::thread would throw)
  }
};

TEST(CoreJoin, EachThreadJoinedOnceIsClean) { expect_clean(info_for<JoinEachOnce>(1), 300); }

// ---------------------------------------------------------------------------
// 3. Many threads

struct ThousandThreads : MainScenario {
  explicit ThousandThreads(const Params&) {}
  Atomic<int> count{0, "count"};
  void main() override {
    std::vector<Thread> threads;
    threads.reserve(1000);
    for (int i = 0; i < 1000; ++i) threads.emplace_back([this] { count.fetch_add(1); });
    for (auto& t : threads) t.join();
    tangle::check(count.load() == 1000, "a fetch_add was lost before the joins");
  }
  void check() override { tangle::check(count.final_value() == 1000, "a fetch_add was lost"); }
};

TEST(CoreManyThreads, AMainStartsAThousandThreads) {
  for (const char* strategy : kStrategies) {
    const auto r = run(info_for<ThousandThreads>(1), strategy, 3);
    EXPECT_TRUE(r.findings.empty()) << strategy << "\n" << describe(r);
    EXPECT_EQ(r.executions, 3u);
  }
  // And the engine really started them all.
  ControlledEngine engine(info_for<ThousandThreads>(1), Params{});
  auto s = make_random_strategy();
  const ExecutionResult& r = engine.run(*s, 1);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(engine.threads_started(), 1001);
}

struct TwoHundredFixed : Scenario {
  explicit TwoHundredFixed(const Params&) {}
  Atomic<int> count{0, "count"};
  Shared<int> last{-1, "last"};
  Mutex m{"m"};
  void thread(int i) override {
    count.fetch_add(1);
    LockGuard g(m);
    last.write(i);
  }
  void check() override { tangle::check(count.final_value() == 200, "a fetch_add was lost"); }
};

TEST(CoreManyThreads, TwoHundredFixedThreadsRun) {
  // Beyond one 64-bit word of ThreadSet: thread 199 must be scheduled too.
  expect_clean(info_for<TwoHundredFixed>(200), 5);
  ControlledEngine engine(info_for<TwoHundredFixed>(200), Params{});
  auto s = make_pct_strategy(3);
  std::set<std::int16_t> ran;
  engine.run(*s, 3);
  for (const TraceEntry& e : engine.trace())
    if (e.op == EventOp::thread_end) ran.insert(e.thread);
  EXPECT_EQ(ran.size(), 200u);
}

// ---------------------------------------------------------------------------
// 4. RWLock

// Two readers hold the read lock at once: one waits (holding it) for an
// event the other sets while holding it. With exclusive locks instead, that
// is a deadlock — the twin that proves the test can fail.
template <bool kShared>
struct ReadersShare : Scenario {
  explicit ReadersShare(const Params&) {}
  RWLock l{"l"};
  Event e{"e"};
  void thread(int i) override {
    if (kShared) l.lock_shared(); else l.lock();
    if (i == 0) e.wait(); else e.set();
    if (kShared) l.unlock_shared(); else l.unlock();
  }
};

TEST(CoreRWLock, ReadersReallyShare) {
  // Thread 0 may take the lock after thread 1 left; it must overlap sometimes.
  expect_clean(info_for<ReadersShare<true>>(2), 500);
  expect_found(info_for<ReadersShare<false>>(2), 300, {FindingKind::deadlock});
}

// One writer under lock(), two readers under lock_shared(); `kWriterShared`:
// the writer takes only the read lock (the bug).
template <bool kWriterShared>
struct WriterReaders : Scenario {
  explicit WriterReaders(const Params&) {}
  RWLock l{"l"};
  Shared<int> x{0, "x"};
  void thread(int i) override {
    if (i == 0) {
      for (int k = 0; k < 2; ++k) {
        if (kWriterShared) l.lock_shared(); else l.lock();
        x.write(x.read() + 1);
        if (kWriterShared) l.unlock_shared(); else l.unlock();
      }
    } else {
      SharedLock g(l);
      (void)x.read();
    }
  }
};

TEST(CoreRWLock, WritesUnderLockAndReadsUnderLockSharedDoNotRace) {
  expect_clean(info_for<WriterReaders<false>>(3), 500);
}

TEST(CoreRWLock, AWriteUnderTheReadLockRacesWithReaders) {
  expect_found(info_for<WriterReaders<true>>(3), 300, {FindingKind::data_race});
}

// Two readers both write under lock_shared(): the read lock orders nothing
// between readers, so the two writes race in every execution — also when
// one reader's section ends before the other's begins.
struct ReadersWrite : Scenario {
  explicit ReadersWrite(const Params&) {}
  RWLock l{"l"};
  Shared<int> x{0, "x"};
  void thread(int i) override {
    SharedLock g(l);
    x.write(i);
  }
};

TEST(CoreRWLock, TwoReadersWritingRaceInEveryExecution) {
  expect_found(info_for<ReadersWrite>(2), 300, {FindingKind::data_race});
  for (const char* strategy : kStrategies)
    EXPECT_EQ(executions_finding(info_for<ReadersWrite>(2), FindingKind::data_race, 200, strategy), 200) << strategy;
}

struct WriteLockTwice : Scenario {
  explicit WriteLockTwice(const Params&) {}
  RWLock l{"l"};
  void thread(int) override {
    l.lock();
    l.lock();
  }
};
struct ReaderUpgrades : Scenario {
  explicit ReaderUpgrades(const Params&) {}
  RWLock l{"l"};
  void thread(int) override {
    l.lock_shared();
    l.lock();
  }
};
struct WriterReadsAgain : Scenario {
  explicit WriterReadsAgain(const Params&) {}
  RWLock l{"l"};
  void thread(int) override {
    l.lock();
    l.lock_shared();
  }
};
struct ReadThenWriteInTurn : Scenario {  // the twin: release before re-locking
  explicit ReadThenWriteInTurn(const Params&) {}
  RWLock l{"l"};
  Shared<int> x{0, "x"};
  void thread(int) override {
    l.lock_shared();
    (void)x.read();
    l.unlock_shared();
    l.lock();
    x.write(1);
    l.unlock();
    l.lock_shared();
    l.lock_shared();  // a reader may read-lock again
    l.unlock_shared();
    l.unlock_shared();
  }
};

TEST(CoreRWLock, RelockingByItsOwnerIsASelfDeadlock) {
  EXPECT_EQ(kinds_found(info_for<WriteLockTwice>(1), 5), Kinds{FindingKind::self_deadlock});
  EXPECT_EQ(kinds_found(info_for<ReaderUpgrades>(1), 5), Kinds{FindingKind::self_deadlock});
  EXPECT_EQ(kinds_found(info_for<WriterReadsAgain>(1), 5), Kinds{FindingKind::self_deadlock});
  // Two threads: the upgrade by the only reader is still a self deadlock
  // whatever the other does; releasing first is clean.
  expect_found(info_for<ReaderUpgrades>(2), 100, {FindingKind::self_deadlock}, {FindingKind::deadlock});
  expect_clean(info_for<ReadThenWriteInTurn>(2), 500);
}

struct UnlockSharedUnheld : Scenario {
  explicit UnlockSharedUnheld(const Params&) {}
  RWLock l{"l"};
  void thread(int i) override {
    if (i == 0) {
      l.lock_shared();  // held by thread 0, not by thread 1
      l.unlock_shared();
    } else {
      l.unlock_shared();
    }
  }
};

TEST(CoreRWLock, UnlockSharedWithoutHoldingIsUnlockNotOwner) {
  for (const char* strategy : kStrategies)
    EXPECT_EQ(kinds_found(info_for<UnlockSharedUnheld>(2), 100, strategy), Kinds{FindingKind::unlock_not_owner});
}

// try_lock while a reader holds the lock fails; try_lock_shared succeeds;
// after the reader left, try_lock succeeds.
struct TryWhileRead : Scenario {
  explicit TryWhileRead(const Params&) {}
  RWLock l{"l"};
  Event held{"held"};
  Event tried{"tried"};
  bool write_while_read = true;
  bool read_while_read = false;
  bool write_after = false;
  void thread(int i) override {
    if (i == 0) {
      l.lock_shared();
      held.set();
      tried.wait();
      l.unlock_shared();
    } else {
      held.wait();
      write_while_read = l.try_lock();
      read_while_read = l.try_lock_shared();
      if (read_while_read) l.unlock_shared();
      tried.set();
    }
  }
  void check() override {
    tangle::check(!write_while_read, "try_lock succeeded while a reader held the lock");
    tangle::check(read_while_read, "try_lock_shared failed while only a reader held the lock");
  }
};

struct TryAfterRead : Scenario {
  explicit TryAfterRead(const Params&) {}
  RWLock l{"l"};
  Event done{"done"};
  bool ok = false;
  void thread(int i) override {
    if (i == 0) {
      l.lock_shared();
      l.unlock_shared();
      done.set();
    } else {
      done.wait();
      ok = l.try_lock();
      if (ok) l.unlock();
    }
  }
  void check() override { tangle::check(ok, "try_lock failed on a free lock"); }
};

TEST(CoreRWLock, TryLockFailsWhileAReaderHoldsIt) {
  expect_clean(info_for<TryWhileRead>(2), 400);
  expect_clean(info_for<TryAfterRead>(2), 400);
}

// ---------------------------------------------------------------------------
// 5. Barrier

template <bool kBarrier>
struct BarrierPublishes : Scenario {
  explicit BarrierPublishes(const Params&) {}
  Barrier b{2, "b"};
  Shared<int> x{0, "x"};
  void thread(int i) override {
    if (i == 0) x.write(1);
    if (kBarrier) b.arrive_and_wait();
    if (i == 1) (void)x.read();
  }
};

TEST(CoreBarrier, WriteBeforeAndReadAfterTheBarrierIsClean) { expect_clean(info_for<BarrierPublishes<true>>(2), 500); }

TEST(CoreBarrier, WithoutTheBarrierItIsADataRace) {
  expect_found(info_for<BarrierPublishes<false>>(2), 200, {FindingKind::data_race});
}

// Three reused phases: in phase p thread p % 2 writes, the other reads after
// the barrier, and a second barrier ends the phase.
struct BarrierPhases : Scenario {
  explicit BarrierPhases(const Params&) {}
  Barrier b{2, "b"};
  Shared<int> x{0, "x"};
  void thread(int i) override {
    for (int p = 0; p < 3; ++p) {
      if (i == p % 2) x.write(p);
      b.arrive_and_wait();
      if (i != p % 2) tangle::check(x.read() == p, "the phase's write is not visible");
      b.arrive_and_wait();
    }
  }
};

TEST(CoreBarrier, ThreeReusedPhasesAreClean) { expect_clean(info_for<BarrierPhases>(2), 500); }

// Between the same two barriers a write and a read race — in every
// execution, also when the writer reaches the second barrier before the
// reader has left the first.
struct BarrierSamePhase : Scenario {
  explicit BarrierSamePhase(const Params&) {}
  Barrier b{2, "b"};
  Shared<int> x{0, "x"};
  void thread(int i) override {
    b.arrive_and_wait();
    if (i == 0) x.write(1); else (void)x.read();
    b.arrive_and_wait();
  }
};

TEST(CoreBarrier, AccessesWithinOnePhaseRaceInEveryExecution) {
  for (const char* strategy : kStrategies)
    EXPECT_EQ(executions_finding(info_for<BarrierSamePhase>(2), FindingKind::data_race, 300, strategy), 300)
        << strategy;
}

// ---------------------------------------------------------------------------
// 6. Latch

template <int kCount>
struct LatchCountDown : Scenario {
  explicit LatchCountDown(const Params&) {}
  Latch l{kCount, "l"};
  void thread(int) override { l.count_down(); }
};

TEST(CoreLatch, CountingDownPastZeroIsAnInvariantViolation) {
  for (const char* strategy : kStrategies)
    EXPECT_EQ(kinds_found(info_for<LatchCountDown<1>>(2), 50, strategy), Kinds{FindingKind::invariant_violation});
  expect_clean(info_for<LatchCountDown<2>>(2), 300);
}

// Threads 0 and 1 write their slot and count down; thread 2 waits and reads
// both. Without the wait: a race.
template <bool kWait>
struct LatchPublishes : Scenario {
  explicit LatchPublishes(const Params&) {}
  Latch l{2, "l"};
  Shared<int> a{0, "a"};
  Shared<int> b{0, "b"};
  void thread(int i) override {
    if (i == 0) {
      a.write(1);
      l.count_down();
    } else if (i == 1) {
      b.write(2);
      l.arrive_and_wait();
    } else {
      if (kWait) l.wait();
      tangle::check(!kWait || (a.read() == 1 && b.read() == 2), "writes before count_down not visible");
      if (!kWait) (void)(a.read() + b.read());
    }
  }
};

TEST(CoreLatch, CountDownThenWaitOrdersTheWrites) { expect_clean(info_for<LatchPublishes<true>>(3), 500); }

TEST(CoreLatch, ReadingWithoutTheWaitIsADataRace) {
  expect_found(info_for<LatchPublishes<false>>(3), 300, {FindingKind::data_race});
}

// ---------------------------------------------------------------------------
// 7. Once

struct OnceInit : Scenario {
  explicit OnceInit(const Params&) {}
  Once once{"once"};
  Shared<int> runs{0, "runs"};
  Shared<int> value{0, "value"};
  void thread(int) override {
    once.call([this] {
      runs.write(runs.read() + 1);
      value.write(42);
    });
    tangle::check(value.read() == 42, "init's write not visible after call");
  }
  void check() override { tangle::check(runs.final_value() == 1, "init ran more than once"); }
};

// The same with a hand-rolled check-then-set flag.
struct FlagInit : Scenario {
  explicit FlagInit(const Params&) {}
  Shared<bool> done{false, "done"};
  Shared<int> runs{0, "runs"};
  Shared<int> value{0, "value"};
  void thread(int) override {
    if (!done.read()) {
      done.write(true);
      runs.write(runs.read() + 1);
      value.write(42);
    }
    (void)value.read();
  }
  void check() override { tangle::check(runs.final_value() == 1, "init ran more than once"); }
};

TEST(CoreOnce, InitRunsExactlyOnceAndItsWritesAreVisible) { expect_clean(info_for<OnceInit>(3), 500); }

TEST(CoreOnce, AHandRolledFlagRaces) {
  expect_found(info_for<FlagInit>(3), 300, {FindingKind::data_race}, {FindingKind::invariant_violation});
  // And with enough switches the init runs twice.
  EXPECT_TRUE(kinds_found(info_for<FlagInit>(3), 1000).count(FindingKind::invariant_violation));
}

struct OnceReentered : Scenario {
  explicit OnceReentered(const Params&) {}
  Once once{"once"};
  void thread(int) override {
    once.call([this] { once.call([] {}); });
  }
};

struct OnceNested : Scenario {  // the twin: two different flags
  explicit OnceNested(const Params&) {}
  Once outer{"outer"};
  Once inner{"inner"};
  void thread(int) override {
    outer.call([this] { inner.call([] {}); });
    inner.call([] {});
  }
};

TEST(CoreOnce, ReenteringItsOwnOnceIsASelfDeadlock) {
  EXPECT_EQ(kinds_found(info_for<OnceReentered>(1), 5), Kinds{FindingKind::self_deadlock});
  expect_found(info_for<OnceReentered>(2), 100, {FindingKind::self_deadlock});
  expect_clean(info_for<OnceNested>(2), 400);
}

// The first init throws; the flag stays unset and the next caller runs it.
struct OnceThrowsFirst : Scenario {
  explicit OnceThrowsFirst(const Params&) {}
  Once once{"once"};
  Shared<int> attempts{0, "attempts"};
  Shared<int> value{0, "value"};
  int failed = 0;
  void thread(int) override {
    try {
      once.call([this] {
        const int n = attempts.read() + 1;
        attempts.write(n);
        if (n == 1) throw std::runtime_error("first init fails");
        value.write(42);
      });
      tangle::check(value.read() == 42, "a completed init's write is not visible");
    } catch (const std::runtime_error&) {
      ++failed;
    }
  }
  void check() override {
    tangle::check(attempts.final_value() == 2, "init should run twice: once failing, once completing");
    tangle::check(failed == 1, "exactly one caller sees the exception");
  }
};

TEST(CoreOnce, AnInitThatThrowsLetsTheNextCallerRunIt) { expect_clean(info_for<OnceThrowsFirst>(2), 500); }

// ---------------------------------------------------------------------------
// 8. BinarySemaphore

struct BinaryOverRelease : Scenario {
  explicit BinaryOverRelease(const Params&) {}
  BinarySemaphore s{true, "s"};
  void thread(int) override { s.release(); }
};

template <bool kBalanced>
struct BinaryAsMutex : Scenario {
  explicit BinaryAsMutex(const Params&) {}
  BinarySemaphore s{true, "s"};
  Shared<int> x{0, "x"};
  void thread(int) override {
    for (int k = 0; k < 2; ++k) {
      s.acquire();
      x.write(x.read() + 1);
      s.release();
      if (!kBalanced && k == 1) s.release();
    }
  }
  void check() override { tangle::check(x.final_value() == 4, "lost update"); }
};

TEST(CoreBinarySemaphore, ReleaseWhileOneIsAnOverRelease) {
  EXPECT_EQ(kinds_found(info_for<BinaryOverRelease>(1), 5), Kinds{FindingKind::semaphore_overrelease});
  // An extra release may also let both threads in before it is caught.
  expect_found(info_for<BinaryAsMutex<false>>(2), 200, {FindingKind::semaphore_overrelease},
               {FindingKind::data_race, FindingKind::invariant_violation});
}

TEST(CoreBinarySemaphore, BalancedAcquireReleaseIsClean) { expect_clean(info_for<BinaryAsMutex<true>>(2), 500); }

}  // namespace
}  // namespace tangle::detail

// ---------------------------------------------------------------------------
// Registered test scenarios (replay needs a name it can find). Prefixed
// "core-test/"; tangle_tests only, never part of `tangle list`.

namespace core_test {

std::set<std::uint64_t>& chosen_values() {
  static std::set<std::uint64_t> values;
  return values;
}

// Fails only when the data choice is 2; thread 1 runs beside it, so tokens
// mix picks and choices.
class ChooseThree : public tangle::Scenario {
 public:
  explicit ChooseThree(const tangle::Params&) {}
  void thread(int i) override {
    if (i == 0) {
      const std::uint64_t c = tangle::choose(3);
      chosen_values().insert(c);
      tangle::check(c != 2, "choice 2 breaks it");
    } else {
      tangle::LockGuard g(m_);
      flag_.store(1);
    }
  }

 private:
  tangle::Mutex m_{"m"};
  tangle::Atomic<int> flag_{0, "flag"};
};
TANGLE_SCENARIO(ChooseThree, "core-test/choose-three")
    ->fixed_threads(2)
    ->expect({tangle::Kind::invariant_violation});

// A waiter that tests its condition with `if` (kWhile false) or `while`.
template <bool kWhile>
class CondWaiter : public tangle::Scenario {
 public:
  explicit CondWaiter(const tangle::Params&) {}
  void thread(int i) override {
    tangle::UniqueLock lock(m_);
    if (i == 0) {
      if (kWhile) {
        while (!ready_.read()) cv_.wait(lock);
      } else if (!ready_.read()) {
        cv_.wait(lock);
      }
      tangle::check(ready_.read(), "woke up without the condition");
    } else {
      ready_.write(true);
      cv_.notify_one();
    }
  }

 private:
  tangle::Mutex m_{"m"};
  tangle::CondVar cv_{"cv"};
  tangle::Shared<bool> ready_{false, "ready"};
};
TANGLE_SCENARIO(CondWaiter<false>, "core-test/cv-if")->fixed_threads(2)->expect({tangle::Kind::invariant_violation});
TANGLE_SCENARIO(CondWaiter<true>, "core-test/cv-while")->fixed_threads(2);

// The join deadlock, registered so its tokens can be replayed.
class JoinDeadlock : public tangle::MainScenario {
 public:
  explicit JoinDeadlock(const tangle::Params&) {}
  void main() override {
    tangle::LockGuard g(m_);
    tangle::Thread worker([this] { tangle::LockGuard w(m_); });
    worker.join();
  }

 private:
  tangle::Mutex m_{"m"};
};
TANGLE_SCENARIO(JoinDeadlock, "core-test/join-deadlock")->expect({tangle::Kind::deadlock});

}  // namespace core_test

namespace tangle::detail {
namespace {

const ScenarioInfo& registered(const char* name) {
  const ScenarioInfo* info = find_scenario(name);
  if (info == nullptr) throw std::logic_error(std::string("not registered: ") + name);
  return *info;
}

// ---------------------------------------------------------------------------
// 9. Data choices

TEST(CoreChoose, AFailureOnlyOneChoiceMakesIsFoundAndReplays) {
  for (const char* strategy : kStrategies) {
    core_test::chosen_values().clear();
    const auto r = run(registered("core-test/choose-three"), strategy, 200);
    ASSERT_EQ(kinds_of(r), Kinds{FindingKind::invariant_violation}) << strategy << "\n" << describe(r);
    EXPECT_EQ(core_test::chosen_values(), (std::set<std::uint64_t>{0, 1, 2})) << strategy;
    expect_tokens_replay(r);
  }
}

TEST(CoreChoose, TheChoiceIsInTheScheduleAndTheTrace) {
  const auto r = run(registered("core-test/choose-three"), "random", 200);
  ASSERT_FALSE(r.findings.empty());
  const ReplayToken token = decode_token(r.findings.front().replay);
  EXPECT_TRUE(std::find(token.schedule.begin(), token.schedule.end(), 2u) != token.schedule.end());
  bool traced = false;
  for (const auto& e : r.findings.front().trace) traced = traced || e.op == "choose";
  EXPECT_TRUE(traced);
}

TEST(CoreChoose, JoinDeadlockTokensReplay) {
  for (const char* strategy : kStrategies) {
    const auto r = run(registered("core-test/join-deadlock"), strategy, 50);
    ASSERT_EQ(kinds_of(r), Kinds{FindingKind::deadlock}) << strategy;
    expect_tokens_replay(r);
  }
}

// ---------------------------------------------------------------------------
// 10. Spurious wake-ups

TEST(CoreSpurious, AnIfWaiterIsCaughtOnlyWithSpuriousWakeups) {
  EngineOptions on;
  on.spurious_wakeups = true;
  const ScenarioInfo& if_waiter = registered("core-test/cv-if");
  expect_clean(if_waiter, 500);  // off: only a notify wakes, and ready is set first
  expect_found(if_waiter, 300, {FindingKind::invariant_violation}, {}, on);
  for (const char* strategy : kStrategies) expect_tokens_replay(run(if_waiter, strategy, 300, on));
}

TEST(CoreSpurious, AWhileWaiterIsCleanWithSpuriousWakeups) {
  EngineOptions on;
  on.spurious_wakeups = true;
  expect_clean(registered("core-test/cv-while"), 500, on);
  expect_clean(registered("core-test/cv-while"), 500);
}

// ---------------------------------------------------------------------------
// 11. Strategy v2: what a strategy sees at each decision

struct SeenDecision {
  std::vector<int> runnable;
  int current = -1;
  bool yielded = false;
  std::vector<PendingOp> pending;  // by thread
  std::uint64_t index = 0;
  std::uint64_t calls_before = 0;  // picks and choices before it, counted here
  std::size_t trace_length = 0;    // events recorded when it was made
  TraceEntry last{};               // the latest event then (if any)
  int pick = -1;
  std::vector<bool> preempts;      // by runnable position
};

class Recorder final : public Strategy {
 public:
  explicit Recorder(const ControlledEngine& engine) : engine_(engine), inner_(make_random_strategy()) {}
  bool new_execution(const ExecutionStart& start) override {
    decisions.clear();
    calls_ = 0;
    ended_with = 0;
    return inner_->new_execution(start);
  }
  int pick(const Decision& d) override {
    SeenDecision s;
    d.runnable.for_each([&](int t) { s.runnable.push_back(t); });
    s.current = d.current;
    s.yielded = d.yielded;
    s.pending.assign(d.pending.begin(), d.pending.end());
    s.index = d.index;
    s.calls_before = calls_++;
    s.trace_length = engine_.trace().size();
    if (!engine_.trace().empty()) s.last = engine_.trace().back();
    s.pick = inner_->pick(d);
    for (int t : s.runnable) s.preempts.push_back(d.preempts(t));
    decisions.push_back(std::move(s));
    return decisions.back().pick;
  }
  std::uint64_t choose(std::uint64_t n) override {
    ++calls_;
    return inner_->choose(n);
  }
  void end_execution(std::uint64_t decisions_made) override { ended_with = decisions_made; }

  std::vector<SeenDecision> decisions;
  std::uint64_t ended_with = 0;

 private:
  const ControlledEngine& engine_;
  std::unique_ptr<Strategy> inner_;
  std::uint64_t calls_ = 0;
};

ObjectId g_mutex_id = kNoObject;

struct PendingScenario : Scenario {
  explicit PendingScenario(const Params&) { g_mutex_id = m.id(); }
  Mutex m{"m"};
  Atomic<int> a{0, "a"};
  void thread(int i) override {
    for (int k = 0; k < 2; ++k) {
      m.lock();
      a.fetch_add(1);
      m.unlock();
    }
    if (i == 2) tangle::choose(2);
    if (i == 1) tangle::yield();
  }
};

// The next event `thread` records at or after trace index `from`.
const TraceEntry* next_event_of(std::span<const TraceEntry> trace, std::size_t from, int thread) {
  for (std::size_t i = from; i < trace.size(); ++i)
    if (trace[i].thread == thread) return &trace[i];
  return nullptr;
}

TEST(CoreStrategyV2, DecisionsCarryPendingOperationsPreemptionsAndIndices) {
  const ScenarioInfo info = info_for<PendingScenario>(3);
  ControlledEngine engine(info, Params{});
  Recorder recorder(engine);
  bool parked_before_lock = false;
  bool saw_preemption = false;
  bool saw_no_current = false;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const ExecutionResult& r = engine.run(recorder, seed);
    ASSERT_TRUE(r.findings.empty());
    EXPECT_EQ(recorder.ended_with, r.decisions);
    EXPECT_EQ(engine.schedule().size(), r.decisions);
    const auto trace = engine.trace();
    ASSERT_FALSE(recorder.decisions.empty());
    for (const SeenDecision& d : recorder.decisions) {
      EXPECT_EQ(d.index, d.calls_before);  // picks and choices before it
      ASSERT_GE(d.runnable.size(), 2u);
      // current: the thread that was running, when it can go on.
      if (d.trace_length == 0 || d.last.op == EventOp::blocked || d.last.op == EventOp::thread_end) {
        EXPECT_EQ(d.current, -1);
      } else {
        EXPECT_EQ(d.current, d.last.thread);
      }
      saw_no_current = saw_no_current || d.current < 0;
      for (std::size_t j = 0; j < d.runnable.size(); ++j) {
        const int t = d.runnable[j];
        EXPECT_EQ(d.preempts[j], d.current >= 0 && !d.yielded && t != d.current);
        saw_preemption = saw_preemption || (d.preempts[j] && t == d.pick);
        // What t is about to do is what it does next.
        const PendingOp p = d.pending[static_cast<std::size_t>(t)];
        const TraceEntry* next = next_event_of(trace, d.trace_length, t);
        ASSERT_NE(next, nullptr);
        if (next->op == EventOp::acquired || next->op == EventOp::blocked) {  // a woken waiter retries its lock
          EXPECT_EQ(p.op, EventOp::lock);
        } else {
          EXPECT_EQ(next->op, p.op) << to_string(next->op) << " vs " << to_string(p.op);
        }
        if (p.op != EventOp::thread_start && p.op != EventOp::yield && p.op != EventOp::choose) {
          EXPECT_EQ(next->object, p.object);
        }
        if (t != d.current && p.op == EventOp::lock && p.object == g_mutex_id) parked_before_lock = true;
      }
    }
  }
  EXPECT_TRUE(parked_before_lock);
  EXPECT_TRUE(saw_preemption);
  EXPECT_TRUE(saw_no_current);
}

// A busy-waiting thread (spin_hint) yields: preempts() is false for every pick.
struct YieldingPair : Scenario {
  explicit YieldingPair(const Params&) {}
  Atomic<int> flag{0, "flag"};
  void thread(int i) override {
    if (i == 0) {
      flag.store(1);
    } else {
      while (flag.load() == 0) spin_hint(flag);
    }
  }
};

TEST(CoreStrategyV2, AYieldIsNeverAPreemption) {
  const ScenarioInfo info = info_for<YieldingPair>(2);
  ControlledEngine engine(info, Params{});
  Recorder recorder(engine);
  bool saw_yield = false;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    engine.run(recorder, seed);
    for (const SeenDecision& d : recorder.decisions) {
      if (!d.yielded) continue;
      saw_yield = true;
      EXPECT_GE(d.current, 0);
      for (bool p : d.preempts) EXPECT_FALSE(p);
    }
  }
  EXPECT_TRUE(saw_yield);
}

// ---------------------------------------------------------------------------
// 12. Purity: execution i depends on (scenario, params, strategy, seed, i) alone

// The runner's dedup signature (model/finding.cpp): kind and source lines,
// the message only for a finding without lines; a data race's two lines
// unordered, with its variable (the message's "data race on NAME").
using FindingKey = std::tuple<FindingKind, std::vector<std::string>, std::string>;
struct FirstSeen {
  std::string trace_hash;
  std::uint64_t execution = 0;
  bool operator==(const FirstSeen&) const = default;
};

std::map<FindingKey, FirstSeen> by_key(const report::ScenarioResult& r) {
  std::map<FindingKey, FirstSeen> out;
  for (const auto& f : r.findings) {
    const bool race = f.kind == FindingKind::data_race;
    std::vector<std::string> lines = f.locations;
    if (race) std::sort(lines.begin(), lines.end());
    const std::string rest = race ? f.message.substr(0, f.message.find(": "))
                             : f.locations.empty() ? f.message
                                                   : std::string();
    out.emplace(FindingKey{f.kind, lines, rest}, FirstSeen{f.trace_hash, f.first_execution});
  }
  return out;
}

class Purity : public ::testing::TestWithParam<std::string> {};

TEST_P(Purity, TwoHalvesEqualTheWhole) {
  const ScenarioInfo* info = find_scenario(GetParam());
  ASSERT_NE(info, nullptr);
  const Params params(info->defaults);
  constexpr std::uint64_t kN = 400;
  for (const char* strategy : kStrategies) {
    RunOptions options;
    options.strategy = strategy;
    options.executions = kN;
    const auto whole = run_executions(*info, params, options, 0, kN);
    const auto first = run_executions(*info, params, options, 0, kN / 2);
    const auto second = run_executions(*info, params, options, kN / 2, kN);
    ASSERT_EQ(whole.executions, kN);
    ASSERT_EQ(first.executions + second.executions, kN);
    std::map<FindingKey, FirstSeen> joined = by_key(first);
    for (const auto& [key, seen] : by_key(second)) joined.emplace(key, seen);  // the first half's stays
    EXPECT_EQ(by_key(whole), joined) << strategy << "\nwhole:\n" << describe(whole) << "halves:\n"
                                     << describe(first) << describe(second);
    EXPECT_EQ(whole.first_failure_execution,
              first.first_failure_execution ? first.first_failure_execution : second.first_failure_execution)
        << strategy;
    EXPECT_EQ(whole.steps, first.steps + second.steps) << strategy;
  }
}

std::vector<std::string> builtin_names() {
  std::vector<std::string> out;
  for (const ScenarioInfo* s : registered_scenarios()) {
    if (s->name.rfind("hostile/", 0) == 0 || s->name.rfind("stress-test/", 0) == 0 ||
        s->name.rfind("core-test/", 0) == 0)
      continue;
    out.push_back(s->name);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Builtins, Purity, ::testing::ValuesIn(builtin_names()), [](const auto& p) {
  std::string s = p.param;
  std::replace_if(s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
});

TEST(CorePurity, ASupervisedRunFindsWhatAnInProcessRunFinds) {
  for (const char* name : {"counter/unprotected", "deadlock/lock-order", "pool/lost-task"}) {
    const ScenarioInfo* info = find_scenario(name);
    ASSERT_NE(info, nullptr) << name;
    RunOptions options;
    options.strategy = "pct";
    options.executions = 300;
    const auto here = run_scenario(*info, Params(info->defaults), options);
    options.isolate = true;
    const auto supervised = run_scenario(*info, Params(info->defaults), options);
    EXPECT_FALSE(here.findings.empty()) << name;
    EXPECT_EQ(supervised.executions, here.executions) << name;
    EXPECT_EQ(by_key(here), by_key(supervised)) << name << "\nhere:\n" << describe(here) << "supervised:\n"
                                                << describe(supervised);
    EXPECT_EQ(here.first_failure_execution, supervised.first_failure_execution) << name;
  }
}

// ---------------------------------------------------------------------------
// 13. Token v3 origin fields from a real run

TEST(CoreToken, APctFindingsTokenNamesItsOrigin) {
  const ScenarioInfo* info = find_scenario("counter/unprotected");
  ASSERT_NE(info, nullptr);
  RunOptions options;
  options.strategy = "pct";
  options.depth = 4;
  options.seed = 9;
  options.executions = 300;
  const auto r = run_scenario(*info, Params(info->defaults), options);
  ASSERT_FALSE(r.findings.empty());
  for (const auto& f : r.findings) {
    const ReplayToken t = decode_token(f.replay);
    EXPECT_EQ(t.strategy, "pct");
    EXPECT_EQ(t.depth, 4u);
    EXPECT_GE(t.pct_k, kDefaultPctK);
    EXPECT_EQ(t.seed, 9u);
    EXPECT_EQ(t.execution, f.first_execution);
    const ReplayOutcome out = replay(t);
    EXPECT_TRUE(out.reproduced) << f.message;
  }
  options.strategy = "random";
  const auto rr = run_scenario(*info, Params(info->defaults), options);
  ASSERT_FALSE(rr.findings.empty());
  const ReplayToken t = decode_token(rr.findings.front().replay);
  EXPECT_EQ(t.strategy, "random");
  EXPECT_EQ(t.depth, 0u);
  EXPECT_EQ(t.pct_k, 0u);
}

}  // namespace
}  // namespace tangle::detail
