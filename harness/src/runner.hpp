// Runs a scenario for many executions and turns what the engine saw into the
// plain-data report model: findings deduplicated by kind and source lines
// (the first occurrence keeps its trace and replay token), a verdict against
// the expectations.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "controlled/engine.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"
#include "token.hpp"

namespace tangle::detail {

struct RunOptions {
  std::string strategy = "pct";  // random | pct
  int depth = 3;                 // PCT bug depth
  std::uint64_t seed = 1;
  std::uint64_t executions = 10000;
  double time_budget_s = 0;      // 0: no budget; else stop when spent
  EngineOptions engine;
  std::size_t trace_tail = 200;  // events kept per finding in the report
};

// Called now and then from the run loop with executions done so far.
using ProgressFn = std::function<void(std::uint64_t done)>;

// Declared defaults overridden by `overrides` (names the scenario does not
// declare are ignored here; the CLI rejects names no selected scenario has).
Params effective_params(const ScenarioInfo& info,
                        const Params::Map& overrides);

std::unique_ptr<Strategy> make_strategy(const RunOptions& options);

// A result with the scenario's identity filled in (name, parameters as
// strings, expectations, thread count) and nothing run yet: every engine's
// runner starts from it.
report::ScenarioResult empty_result(const ScenarioInfo& info, const Params& params);

report::ScenarioResult run_scenario(const ScenarioInfo& info, const Params& params,
                                    const RunOptions& options, const ProgressFn& progress = {});

// Re-executes the token's schedule once. `reproduced`: a finding of the
// token's kind with the token's trace_hash was found again.
struct ReplayOutcome {
  report::ScenarioResult result;
  bool reproduced = false;
  std::string trace_hash;  // of the replayed execution
};
// Throws TokenError (unknown scenario) or ReplayDiverged.
ReplayOutcome replay(const ReplayToken& token);

// Stress → replay: tries to reproduce each finding of a stress run on the
// controlled engine (PCT, a bounded number of executions), first with the
// same parameters, then — when those are too large to explore, e.g. 500,000
// iterations — with the scenario's declared defaults. A reproduced finding
// gets the controlled engine's replay token, trace and trace_hash; every
// finding gets a `replay_note` saying what happened.
void attach_controlled_replays(const ScenarioInfo& info, const Params& params,
                               report::ScenarioResult& stress_result);

report::Verdict judge(const std::vector<report::FindingKind>& expected,
                      const std::vector<report::Finding>& findings, std::string* reason);

}  // namespace tangle::detail
