// Running a scenario from C++ (the library form of `tangle run NAME`).
#pragma once

#include <cstdint>
#include <string>

#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle {

// What to run and how. Every member has a default member initializer, so a
// designated initializer naming only some ({.executions = 50000}) compiles
// without -Wmissing-field-initializers warnings in user code.
struct RunSpec {
  std::string engine = "controlled";  // controlled | stress (real threads, perturbed)
  std::string strategy = "pct";       // controlled engine: random | pct
  int depth = 3;                      // PCT bug depth
  std::string granularity = "sync";   // controlled engine: sync | all (scheduling points)
  std::uint64_t seed = 1;
  std::uint64_t executions = 0;       // 0: the engine's default (controlled 10000, stress 200)
  double time_budget_s = 0;           // 0: none; else stop when spent
  Params::Map params{};               // overrides of the declared defaults
  // Not empty: results.json, junit.xml, results.sarif and index.html of this
  // run are written there (one atomic set, as `tangle run --report-dir`).
  std::string report_dir{};
  // Executions in supervised child processes: a crash, exit or hang of the
  // scenario is a finding, and the calling test process survives it. Off:
  // in this process (a debugger sees the scenario's own stack).
  bool isolate = true;
  double watchdog_s = 1;              // no tangle operation this long: a hang finding
};

// `spec` with the environment's overrides, so CI can raise the effort
// without recompiling: TANGLE_SEED, TANGLE_EXECUTIONS, TANGLE_STRATEGY,
// TANGLE_ENGINE, TANGLE_TIME_BUDGET (seconds), TANGLE_REPORT_DIR (reports
// go to TANGLE_REPORT_DIR/<scenario>, '/' in the name as '_'). Unset or
// empty variables change nothing. Throws std::invalid_argument with one
// line naming the variable when a value is malformed or out of range.
RunSpec with_environment(RunSpec spec, const std::string& scenario);

struct RunOutcome {
  bool passed = false;           // the verdict against the declared expectations
  std::string summary;           // why not, each finding and its replay command
  report::ScenarioResult result; // everything, as in results.json
};

// Runs registered scenario `name`. Throws std::invalid_argument for an
// unknown name or a spec value out of range (unknown engine or strategy, …),
// and std::runtime_error when spec.report_dir cannot be written. The summary's
// replay commands read `tangle replay TOKEN`: run them with a binary that has
// the scenario (the scenario executable, or a test binary's --tangle_replay).
RunOutcome run(const std::string& name, const RunSpec& spec = {});

// The summary text of a result: the verdict (or "as expected"), the effort,
// and each finding with its locations and `replay_command` + its token.
std::string summarize(const report::ScenarioResult& result, const RunSpec& spec,
                      const std::string& replay_command);

}  // namespace tangle
