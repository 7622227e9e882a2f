// The controlled engine's two substrates (EngineOptions::substrate): fibers,
// and OS threads passing a baton (controlled/baton.hpp). The scheduler is the
// same, so the same seed must give the same schedule, trace and trace_hash on
// both; what differs is what the scenario threads share: on fibers one OS
// thread's thread_local variables, on threads each its own. A crash in a
// scenario thread on the threads substrate is still the scenario's finding.
#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "controlled/engine.hpp"
#include "engine_helpers.hpp"
#include "rng.hpp"
#include "run_binary.hpp"
#include "runner.hpp"
#include "tangle/tangle.hpp"

namespace tangle::detail {
namespace {

EngineOptions on(Substrate substrate) {
  EngineOptions o;
  o.substrate = substrate;
  return o;
}

// Thread 1 throws while it holds a lock when it runs before thread 0's store:
// a crash, then the other thread unwinds by an abort.
class ThrowsHoldingLock final : public Scenario {
 public:
  explicit ThrowsHoldingLock(const Params&) {}
  void thread(int index) override {
    std::lock_guard<Mutex> g(lock_);
    if (index == 0) {
      flag_.store(1);
      return;
    }
    if (flag_.load() == 0) throw std::runtime_error("thread 1 looked first");
  }

 private:
  Atomic<int> flag_{0, "flag"};
  Mutex lock_{"lock"};
};

// Everything one execution shows, for comparison across substrates.
struct Seen {
  std::uint64_t hash = 0, steps = 0, points = 0, decisions = 0, switches = 0;
  std::vector<std::uint32_t> schedule;
  std::vector<std::string> findings;
  int threads = 0;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> executions(const ScenarioInfo& info, Substrate substrate, const char* strategy, int count) {
  ControlledEngine engine(info, Params(info.defaults), on(substrate));
  RunOptions options;
  options.strategy = strategy;
  auto s = make_strategy(options);
  std::vector<Seen> out;
  for (int i = 0; i < count; ++i) {
    const ExecutionResult& r = engine.run(*s, ExecutionStart{mix_seed(7, static_cast<std::uint64_t>(i)),
                                                             static_cast<std::uint64_t>(i), engine.threads()});
    Seen seen{engine.trace_hash(), r.steps, r.points, r.decisions, r.switches, engine.schedule(), {}, engine.threads_started()};
    for (const RawFinding& f : r.findings)
      seen.findings.push_back(std::string(report::to_string(f.kind)) + ": " + f.message);
    out.push_back(std::move(seen));
  }
  return out;
}

void expect_same_on_both(const ScenarioInfo& info, int count = 60) {
  for (const char* strategy : {"pct", "random"}) {
    const auto fibers = executions(info, Substrate::fibers, strategy, count);
    const auto threads = executions(info, Substrate::threads, strategy, count);
    ASSERT_EQ(fibers.size(), threads.size());
    for (std::size_t i = 0; i < fibers.size(); ++i) {
      EXPECT_EQ(fibers[i].hash, threads[i].hash) << info.name << " " << strategy << " execution " << i;
      EXPECT_TRUE(fibers[i] == threads[i]) << info.name << " " << strategy << " execution " << i;
    }
  }
}

std::set<std::string> kinds(const std::vector<Seen>& seen) {
  std::set<std::string> out;
  for (const Seen& s : seen)
    for (const std::string& f : s.findings) out.insert(f.substr(0, f.find(':')));
  return out;
}

TEST(Substrate, BuiltInScenariosRunTheSameOnBoth) {
  for (const char* name : {"counter/locked", "deadlock/lock-order", "prodcons/bounded-queue", "pool/lost-task"}) {
    const ScenarioInfo* info = find_scenario(name);
    ASSERT_NE(info, nullptr) << name;
    expect_same_on_both(*info);
  }
  // The runs above really reach the findings they compare (the abort and its
  // unwinding; threads started at run time).
  EXPECT_TRUE(kinds(executions(*find_scenario("deadlock/lock-order"), Substrate::threads, "pct", 60)).count("deadlock"));
  const auto pool = executions(*find_scenario("pool/lost-task"), Substrate::threads, "pct", 60);
  EXPECT_GT(pool.front().threads, find_scenario("pool/lost-task")->thread_count(Params(find_scenario("pool/lost-task")->defaults)));
}

TEST(Substrate, CrashByExceptionRunsTheSameOnBoth) {
  const ScenarioInfo info = info_for<ThrowsHoldingLock>(2);
  expect_same_on_both(info);
  const auto seen = executions(info, Substrate::threads, "random", 60);
  EXPECT_TRUE(kinds(seen).count("crash"));
}

// Each thread writes its own value into a thread_local, meets the other at a
// barrier (both writes happen before either read), takes a lock, yields, and
// reads it back. On fibers both threads are one OS thread: at least one of
// them reads the other's value, in every execution. On threads never.
thread_local int t_mine = 0;
class ThreadLocalPerThread final : public Scenario {
 public:
  explicit ThreadLocalPerThread(const Params&) {}
  void thread(int index) override {
    t_mine = index + 1;
    met_.arrive_and_wait();
    std::lock_guard<Mutex> g(lock_);
    yield();
    seen_[index] = t_mine;
  }
  void check() override {
    for (int i = 0; i < 2; ++i)
      tangle::check(seen_[i] == i + 1, "a thread_local was shared with another scenario thread");
  }

 private:
  Barrier met_{2, "met"};
  Mutex lock_{"lock"};
  int seen_[2] = {0, 0};
};

TEST(Substrate, ThreadLocalIsPerScenarioThreadOnThreadsOnly) {
  const ScenarioInfo info = info_for<ThreadLocalPerThread>(2);
  const auto fibers = executions(info, Substrate::fibers, "random", 40);
  const auto threads = executions(info, Substrate::threads, "random", 40);
  for (std::size_t i = 0; i < fibers.size(); ++i) {
    EXPECT_EQ(fibers[i].findings.size(), 1u) << "fibers, execution " << i;
    EXPECT_TRUE(threads[i].findings.empty()) << "threads, execution " << i << ": "
                                             << (threads[i].findings.empty() ? "" : threads[i].findings.front());
  }
  EXPECT_EQ(kinds(fibers), std::set<std::string>{"invariant_violation"});
}

// Purity on threads: every execution's scenario threads are new OS threads,
// so a thread_local starts at its initial value in each execution, whatever
// earlier executions did to it (a pooled OS thread would have kept it). On
// fibers the one OS thread's variable keeps counting.
thread_local int t_runs = 0;
class ThreadLocalFreshPerExecution final : public Scenario {
 public:
  explicit ThreadLocalFreshPerExecution(const Params&) {}
  void thread(int index) override {
    ++t_runs;
    yield();
    runs_[index] = t_runs;
  }
  void check() override {
    for (int i = 0; i < 2; ++i)
      tangle::check(runs_[i] == 1, "a thread_local kept its value from an earlier execution");
  }

 private:
  int runs_[2] = {0, 0};
};

TEST(Substrate, ThreadLocalStartsFreshInEveryExecutionOnThreads) {
  const ScenarioInfo info = info_for<ThreadLocalFreshPerExecution>(2);
  EXPECT_TRUE(kinds(executions(info, Substrate::threads, "random", 30)).empty());
  EXPECT_EQ(kinds(executions(info, Substrate::fibers, "random", 30)), std::set<std::string>{"invariant_violation"});
}

// errno too: each OS thread has its own.
class ErrnoPerThread final : public Scenario {
 public:
  explicit ErrnoPerThread(const Params&) {}
  void thread(int index) override {
    errno = 100 + index;
    met_.arrive_and_wait();
    seen_[index] = errno;
  }
  void check() override {
    for (int i = 0; i < 2; ++i) tangle::check(seen_[i] == 100 + i, "errno was shared with another scenario thread");
  }

 private:
  Barrier met_{2, "met"};
  int seen_[2] = {0, 0};
};

TEST(Substrate, ErrnoIsPerScenarioThreadOnThreads) {
  const ScenarioInfo info = info_for<ErrnoPerThread>(2);
  EXPECT_EQ(kinds(executions(info, Substrate::fibers, "random", 20)), std::set<std::string>{"invariant_violation"});
  EXPECT_TRUE(kinds(executions(info, Substrate::threads, "random", 20)).empty());
}

// A null-pointer write in a scenario thread (an OS thread of the threads
// substrate) in a supervised child: a `crash` finding of that thread, with
// its snapshot (last operation, replay), never the end of this process.
class NullWrite final : public Scenario {
 public:
  explicit NullWrite(const Params&) {}
  void thread(int index) override {
    if (index == 0) {
      flag_.store(1);
      return;
    }
    if (flag_.load() == 0) {
      volatile int* volatile p = nullptr;
      *p = 42;
    }
  }

 private:
  Atomic<int> flag_{0, "flag"};
};

// A scenario that relies on thread_local being shared between its threads
// (as it is on fibers): thread 0 writes it, thread 1 reads it after an
// event. On threads thread 1 reads its own, so the check fails there only —
// and its replay token must replay there, not on fibers.
thread_local int t_shared_by_mistake = 0;
class ExpectsSharedThreadLocal final : public Scenario {
 public:
  explicit ExpectsSharedThreadLocal(const Params&) : mark_(++made_) {}
  void thread(int index) override {
    if (index == 0) {
      t_shared_by_mistake = mark_;  // this execution's own value (pooled OS threads keep old ones)
      written_.set();
    } else {
      written_.wait();
      seen_ = t_shared_by_mistake;
    }
  }
  void check() override { tangle::check(seen_ == mark_, "thread 1 did not see thread 0's thread_local"); }

 private:
  static inline int made_ = 0;
  const int mark_;
  Event written_{"written"};
  int seen_ = -1;
};
TANGLE_SCENARIO(ExpectsSharedThreadLocal, "core-test/expects-shared-thread-local")
    ->fixed_threads(2)
    ->expect({Kind::invariant_violation});

TEST(Substrate, TokensReplayOnTheSubstrateTheyWereFoundOn) {
  const ScenarioInfo* info = find_scenario("core-test/expects-shared-thread-local");
  ASSERT_NE(info, nullptr);
  RunOptions options;
  options.executions = 20;
  options.engine.substrate = Substrate::fibers;
  EXPECT_TRUE(run_scenario(*info, Params(info->defaults), options).findings.empty());
  options.engine.substrate = Substrate::threads;
  const auto found = run_scenario(*info, Params(info->defaults), options);
  ASSERT_EQ(found.findings.size(), 1u);
  const ReplayToken token = decode_token(found.findings.front().replay);
  EXPECT_TRUE(token.threads_substrate);
  const ReplayOutcome out = replay(token);
  EXPECT_TRUE(out.reproduced);
  EXPECT_EQ(out.trace_hash, found.findings.front().trace_hash);
  // The same token read as a fibers one would not reproduce it.
  ReplayToken on_fibers = token;
  on_fibers.threads_substrate = false;
  EXPECT_FALSE(replay(on_fibers).reproduced);
}

TEST(Substrate, NullWriteOnAThreadIsACrashFinding) {
  ScenarioInfo info = info_for<NullWrite>(2);
  info.name = "test/null-write";
  RunOptions options;
  options.executions = 100;
  options.isolate = true;
  options.engine.substrate = Substrate::threads;
  const report::ScenarioResult r = run_scenario(info, Params(info.defaults), options);
  ASSERT_FALSE(r.findings.empty());
  const report::Finding& f = r.findings.front();
  EXPECT_EQ(f.kind, report::FindingKind::crash);
  EXPECT_NE(f.message.find("thread 1 was killed by SIGSEGV"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("its last tangle operation: load of atomic flag"), std::string::npos) << f.message;
  EXPECT_FALSE(f.replay.empty());
  EXPECT_GT(r.executions, 1u);  // the run went on after the crash
  // (Replays of tokens found on threads: tests/hostile/hostile_test.cpp,
  // which has the scenarios registered.)
}

TEST(Substrate, CliTakesFibersOrThreadsAndRejectsOthers) {
  using test_support::run_binary;
  auto r = run_binary(TANGLE_BINARY, "run counter/locked --substrate threads --executions 50 -q --report-dir " +
                                         (std::filesystem::temp_directory_path() / "tangle-substrate-cli").string(),
                      120);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = run_binary(TANGLE_BINARY, "gate counter/locked --substrate fibers --executions 50 -q --report-dir " +
                                    (std::filesystem::temp_directory_path() / "tangle-substrate-cli").string(),
                 120);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = run_binary(TANGLE_BINARY, "run counter/locked --substrate green");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(test_support::lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("unknown substrate 'green'"), std::string::npos) << r.err;
  r = run_binary(TANGLE_BINARY, "run counter/locked --engine stress --substrate threads");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(test_support::lines(r.err), 1) << r.err;
}

}  // namespace
}  // namespace tangle::detail
