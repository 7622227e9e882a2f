// Supervised Relacy runs: every scenario's simulation in its own child process
// (tangle::detail::run_isolated), so code that crashes, exits, stops or spins
// is a finding of its scenario, never the end of the run (DESIGN.md §2).
//
// One child per scenario runs all its iterations (amortized fork) and sends,
// over the isolation frame channel, an empty 'H' heartbeat at most every
// watchdog/4 while iterations advance and its result as JSON ('R',
// detail::result_to_json). Besides the pipe, parent and child share a small
// MAP_SHARED page, written by the child at every iteration start: which Relacy
// iteration is in progress, whether scenario code is running, and how the
// process called exit()/quick_exit(). When the child dies the parent reads it
// and names the iteration, with the relacy replay token that re-runs exactly
// that iteration (relacy_runner.hpp).
//
// How each end maps (the scenario's finding; "iteration K" and a token when
// the process was inside an iteration, no token otherwise):
//   signal (SIGSEGV, SIGABRT, …)           crash  "killed by SIGSEGV (…) during Relacy iteration K"
//   exit(N) / quick_exit(N)                crash  "the scenario called exit(N) during …"
//   _exit(N), or any exit without a result crash  "the process exited with code N during …"
//   stopped (SIGSTOP, SIGTSTP, …)          crash  "stopped by SIGSTOP during …" (run_isolated kills it)
//   no heartbeat for the watchdog period   hang   (a loop without tangle operations: Relacy
//                                                   schedules only at them)
//   past the run's deadline (--time-budget) no finding: the iterations so far, incomplete
//   SIGINT/SIGTERM/SIGHUP to the parent     no finding: the iterations so far, incomplete
// The end is run_isolated's answer (IsolatedOutcome::end, reason,
// stop_signal), never a guess from the clock.
//
// Threading: run_scenario_isolated forks; call it from the main thread (it
// starts no thread of its own).
#pragma once

#include <chrono>
#include <string>

#include "relacy_engine.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::relacy {

struct Supervision {
  // A child that sends no heartbeat for this long (no iteration began) is
  // killed: the scenario's `hang`.
  std::chrono::milliseconds watchdog{1000};
  // 0: none. Else the child is killed this long after it started (what is
  // left of --time-budget).
  std::chrono::milliseconds deadline{0};
};

// Runs run_scenario(info, params, options) in a supervised child and
// returns its result, or the finding that explains how the child ended. Cut
// by the deadline or an interrupt (detail::interrupt_signal): the iterations
// that finished, `complete` false and `incomplete_reason` saying why.
report::ScenarioResult run_scenario_isolated(const ScenarioInfo& info, const Params& params,
                                             const Options& options, const Supervision& supervision);



}  // namespace tangle::relacy
