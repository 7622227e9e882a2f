// The Relacy engine: one tangle scenario, compiled from its unchanged source,
// checked by Relacy (Dmitry Vyukov's Relacy Race Detector, Debian relacy-dev).
//
// How: scenarios talk to their engine only through tangle::detail::Runtime
// (detail/runtime.hpp). relacy_engine.cpp implements that interface on top of
// Relacy's simulated primitives — a tangle Mutex is an rl::generic_mutex, a
// CondVar an rl::condvar without spurious wakeups, a Shared<T> gets an
// rl::var<int> "shadow" read or written on every access (Relacy's
// happens-before race detector sees the real access pattern), an Atomic<T> an
// rl::generic_atomic<int> shadow operated on just before the real std::atomic
// operation — and a Relacy test suite whose thread(i) calls scenario->thread(i).
//
// This header is Relacy-free: <relacy/relacy.hpp> #defines new, delete,
// assert, malloc, free and `$`, so only relacy_engine.cpp includes it.
//
// Threading: Relacy keeps its simulation context in process-wide globals and
// replaces the global operator new while it runs: run_relacy() is NOT
// thread-safe; call it from one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::relacy {

// Relacy's schedulers (rl::scheduler_type_e).
enum class Scheduler { random, full, context };

// Told where the simulation is, so a supervisor can name the iteration that
// killed or wedged the process (relacy_isolation.hpp). Called on the
// simulation's own OS thread, from inside it: implementations must not
// allocate with operator new (Relacy's, see the memory rule in
// relacy_engine.cpp) — write to fixed memory, send allocation-free frames.
class IterationObserver {
 public:
  virtual ~IterationObserver() = default;
  // Relacy iteration `iteration` starts (before the scenario is constructed).
  // The failing iteration is begun twice: Relacy re-runs it for its history.
  virtual void iteration_begin(std::uint64_t iteration) = 0;
  // The scenario is done with the iteration (check() and destruction passed,
  // or the iteration failed): Relacy's own code runs until the next begin.
  virtual void iteration_end() = 0;
};

struct Options {
  Scheduler scheduler = Scheduler::random;
  // random: executions to run; ignored by the exhaustive full/context schedulers,
  // which stop when their search space is done.
  std::uint64_t executions = 10000;
  // random: Relacy seeds execution i with i, so `seed` picks a disjoint window
  // of iterations: first_iteration = (seed - 1) * executions + 1.
  std::uint64_t seed = 1;
  // If nonzero, overrides the window start (replays iteration K exactly).
  std::uint64_t first_iteration = 0;
  unsigned context_bound = 1;        // context scheduler: preemption bound
  std::uint64_t max_steps = 100000;  // scheduling points per execution before livelock
  IterationObserver* observer = nullptr;  // not owned; may be null
};

// Threads Relacy can simulate: test suites are instantiated for 1..kMaxThreads.
inline constexpr int kMaxThreads = 8;

// What one Relacy simulation found (at most one failure: Relacy stops at the
// first failing iteration).
struct Outcome {
  std::uint64_t executions = 0;       // iterations run, the failing one included
  std::uint64_t first_iteration = 1;  // Relacy iteration number of execution 1
  std::uint64_t failing_iteration = 0;  // 0: no failure
  double duration_s = 0;
  bool failed = false;
  std::string relacy_verdict;         // Relacy's own words, e.g. "DATA RACE (data race detected)"
  report::Finding finding;            // when failed
  std::string history;                // Relacy's full output for the failing iteration
};

// The Relacy iteration number of execution 1: for the random scheduler
// options.first_iteration, else (seed - 1) * executions + 1; 1 for the
// exhaustive schedulers.
std::uint64_t first_iteration(const Options& options);

// Runs `info` with `params` under Relacy. Throws std::invalid_argument when the
// scenario cannot be simulated (thread count outside 1..kMaxThreads).
Outcome run_relacy(const ScenarioInfo& info, const Params& params, const Options& options);

// Whether Relacy can express every finding the scenario expects, and if not,
// why (one line). Today: lock_order_inversion (a cycle in the lock-order graph
// of a run that did not deadlock) has no Relacy counterpart; thread counts
// above kMaxThreads cannot be simulated; threads started at run time
// (MainScenario) cannot be simulated either (runnable, but not run).
struct Expressibility {
  bool runnable = true;                       // can be simulated at all
  std::vector<report::FindingKind> missing;   // expected kinds Relacy cannot report
  std::string note;                           // empty when fully expressible
};
Expressibility expressibility(const ScenarioInfo& info, const Params& params);

// Why a scenario that starts threads at run time
// (ScenarioInfo::spawns_threads) is not run by Relacy; the runner reports it
// not run with this reason.
extern const char* const kSpawnsThreadsReason;

// Finding kinds Relacy (with this runtime) can report.
bool relacy_can_report(report::FindingKind kind);

}  // namespace tangle::relacy
