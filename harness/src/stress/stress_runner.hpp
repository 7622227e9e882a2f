// The stress engine's run loop: executions of one scenario on real threads
// (stress_engine.hpp), findings deduplicated by kind and source lines like the
// controlled runner does, a verdict by judge() (runner.hpp).
//
// With `isolate` (the default) every batch of executions runs in a forked
// child process (isolation/isolation.hpp) that streams its findings to the
// parent as it finds them; a child that crashes (SIGSEGV, SIGABRT, …) becomes
// a `crash` finding naming the signal, one that stops answering is killed and
// becomes a `hang` (unless it already told the parent about a deadlock), and
// a scenario thread stuck outside tangle primitives ends the child, not the
// run. `jobs` > 1 runs that many children at once, child j with a seed
// derived from (seed, j); their results are merged.
//
// Without isolation a thread stuck outside tangle primitives is reported
// (`hang`) and then left running: its batch stops and leaks the engine and
// scenario instance, and the thread burns a core until the process exits.
//
// Forking: the children are forked from the calling thread; other threads of
// the process must not hold locks the child needs at that moment.
//
// Stress findings have no replay token and no trace (the interleaving of real
// threads is not recorded); their `replay` field is empty.
#pragma once

#include <cstdint>
#include <functional>

#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::detail {

struct StressOptions {
  std::uint64_t seed = 1;
  std::uint64_t executions = 100;
  double time_budget_s = 0;      // 0: no budget; else stop when spent (per job)
  int watchdog_ms = 1000;        // no operation for this long: hang / deadlock
  bool race_detection = true;    // happens-before on Shared<T> (costs a lock per access)
  bool isolate = true;           // executions in child processes
  int jobs = 1;                  // child processes (or threads without isolate)
  // Beyond the CLI's needs:
  std::int64_t execution_timeout_ms = 30000;  // one execution past this: livelock (0: none)
  bool perturb = true;           // false: no perturbation at all (for measurements)
};

report::ScenarioResult run_scenario_stress(const ScenarioInfo& info, const Params& params,
                                           const StressOptions& options);

// One batch in this process, no isolation: `executions` executions (or until
// `options.time_budget_s`), execution i seeded mix_seed(batch_seed, i).
// `on_change` gets the result so far whenever a new finding appears;
// `on_tick` the number of executions begun, every few milliseconds.
// `*unjoinable` (if given) is set when a scenario thread could not be unwound:
// the batch then stopped and leaked its engine and scenario instance.
struct BatchHooks {
  std::function<void(const report::ScenarioResult&)> on_change;
  std::function<void(std::uint64_t begun)> on_tick;
};
report::ScenarioResult run_stress_batch(const ScenarioInfo& info, const Params& params,
                                        const StressOptions& options, std::uint64_t batch_seed,
                                        std::uint64_t executions, const BatchHooks& hooks = {},
                                        bool* unjoinable = nullptr);

// The seed of batch `job` of a run with `jobs` batches (jobs == 1: `seed`).
std::uint64_t job_seed(std::uint64_t seed, int job, int jobs);

}  // namespace tangle::detail
