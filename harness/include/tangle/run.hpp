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
  Params::Map params;            // overrides of the declared defaults
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
