// The controlled engine, supervised: a scenario's executions run in forked
// child processes, so nothing scenario code does can end or hang the run.
//
// 1. The parent forks one child (isolation.hpp) for the scenarios of a run,
//    from scenario k's execution `next` on (run_supervised), over the
//    indices of options.slice (a job's or a shard's: runner.hpp Slice). The
//    child arms crash capture (crash_capture.hpp) and runs the ordinary loop
//    (runner.hpp run_executions): it streams each new finding ('F', with its
//    dedup signature) and now and then its counters ('C': executions, steps,
//    occurrences), and ends with 'R'. Nothing is sent per execution — the
//    index of the execution in progress is one store into shared memory — so
//    a supervised run costs one fork per scenario when nothing goes wrong.
// 2. When an execution ends the process (a signal, exit, _exit, quick_exit,
//    std::terminate, a stop signal, a primitive used by a raw thread) or
//    makes no tangle operation for the watchdog period (the parent sees the
//    child's progress counter stand still and asks it, by a signal), the
//    child's handler copies that execution out (ExecutionSnapshot) and dies.
//    The parent turns the copy into a `crash` or `hang` finding with its trace,
//    trace_hash and an exact replay token — the crash is never re-run to be
//    described — and forks the next child at the following execution.
// 3. The parent merges findings by signature, in execution order, exactly as
//    the in-process loop does; a run without deaths reports the same findings,
//    first-failure executions and trace hashes as an unsupervised one, and
//    after a death the next child goes on exactly as the dead one would have:
//    executions are pure, and the calibration (PCT's k, whether the scenario
//    races: runner.hpp) is passed on from child to child ('K' frames).
// 4. A scenario whose executions end the process over and over stops after
//    kMaxDeaths of them (each costs a fork), and at its first hang (each costs
//    the watchdog period); the result says so (ScenarioResult::complete).
//
// Replays run the same way: a replay of a crash reports the crash (and
// whether its trace_hash matched), it does not crash the replayer.
#pragma once

#include "runner.hpp"

namespace tangle::detail {

inline constexpr int kMaxDeaths = 64;

// One scenario of a supervised batch: what to run and how (options.executions,
// strategy, seed, watchdog_s; time_budget_s and deadline_s are the batch's).
struct SupervisedScenario {
  const ScenarioInfo* info;
  Params params;
  RunOptions options;
};
// `findings`: distinct findings of that scenario so far (of its current child).
using BatchProgressFn = std::function<void(std::size_t scenario, std::uint64_t done, std::uint64_t findings)>;

// The scenarios in order, in as few children as possible: one for the whole
// batch while no execution ends its process, so a run pays one fork however
// many scenarios it has. `budget_s` (> 0) is the batch's wall-clock limit:
// each scenario gets an equal share of what is left when it begins, and the
// end of the budget is hard (children are killed; what they said is kept,
// and the scenarios not finished are marked incomplete).
std::vector<report::ScenarioResult> run_supervised(const std::vector<SupervisedScenario>& work, double budget_s,
                                                   const BatchProgressFn& progress = {});

// One scenario (run_supervised of one); options.deadline_s is its budget.
report::ScenarioResult run_scenario_supervised(const ScenarioInfo& info, const Params& params,
                                               const RunOptions& options, const ProgressFn& progress = {});

// Throws TokenError / ReplayDiverged as replay() does.
ReplayOutcome replay_supervised(const ReplayToken& token, double watchdog_s = 1);

}  // namespace tangle::detail
