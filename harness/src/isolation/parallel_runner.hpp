// `--jobs N` on the controlled engine: N worker processes share every
// scenario's executions, and their results merge into exactly what one
// process would report (same findings, trace hashes, first failures).
//
// 1. The parent forks N workers (isolation.hpp run_isolated). Worker j takes
//    slice {j, N} of the run's slice (runner.hpp Slice: interleaved indices,
//    so all workers start at the low ones) of every scenario, and runs them
//    through run_supervised — its own supervised children, so a crash or hang
//    of scenario code is handled inside the worker exactly as in a 1-job run.
//    Each worker completes the calibration (the first 8 executions) silently
//    where its slice lacks them: at most 8 extra executions per scenario.
// 2. A worker ends with one 'R' frame: its results as results.json text,
//    findings with their signatures. The parent merges them (merge.hpp
//    merge_slices). Progress is a shared-memory counter per worker and
//    scenario, read on the parent's tick.
// 3. Time budget: each worker applies it to its own slice (so together they
//    run until it ends); the parent's deadline is the budget plus a grace
//    for the workers to report. An interrupt (SIGINT/SIGTERM) is passed on
//    to the workers, which stop their children and report what finished.
//
// Every process here is single-threaded when it forks (the parent, the
// workers): safe under TSan and with glibc's fork handlers. Cost: one fork
// per worker, plus each worker's own supervised children.
#pragma once

#include "isolation/supervised_runner.hpp"

namespace tangle::detail {

// run_supervised over `jobs` worker processes (jobs <= 1: run_supervised
// itself, in this process). Each work item's options.slice is the part of
// its executions this run takes (a shard's, or everything).
std::vector<report::ScenarioResult> run_parallel(const std::vector<SupervisedScenario>& work, double budget_s,
                                                 int jobs, const BatchProgressFn& progress = {});

}  // namespace tangle::detail
