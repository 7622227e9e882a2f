// Running a scenario from C++ (the library form of `tangle run NAME`).
#pragma once

#include <cstdint>
#include <string>

#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle {

struct RunSpec {
  std::string strategy = "pct";  // random | pct (controlled engine)
  int depth = 3;
  std::uint64_t seed = 1;
  std::uint64_t executions = 10000;
  double time_budget_s = 0;
  Params::Map params{};          // overrides of the declared defaults ({}: designated initializers may omit it)
  // Executions in supervised child processes: a crash, exit or hang of the
  // scenario is a finding, and the calling test process survives it. Off:
  // in this process (a debugger sees the scenario's own stack).
  bool isolate = true;
  double watchdog_s = 1;         // no tangle operation this long: a hang finding
};

struct RunOutcome {
  bool passed = false;           // the verdict against the declared expectations
  std::string summary;           // why not, each finding and its replay command
  report::ScenarioResult result; // everything, as in results.json
};

// Runs registered scenario `name` on the controlled engine. Throws
// std::invalid_argument for an unknown name.
RunOutcome run(const std::string& name, const RunSpec& spec = {});

}  // namespace tangle
