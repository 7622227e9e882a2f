#include "tangle/run.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "isolation/parallel_runner.hpp"
#include "runner.hpp"

namespace tangle {

RunOutcome run(const std::string& name, const RunSpec& spec) {
  const ScenarioInfo* info = find_scenario(name);
  if (info == nullptr) throw std::invalid_argument("unknown scenario '" + name + "'");
  detail::RunOptions options;
  options.strategy = spec.strategy;
  options.depth = spec.depth;
  options.seed = spec.seed;
  options.executions = spec.executions;
  options.time_budget_s = spec.time_budget_s;
  options.isolate = spec.isolate;
  options.watchdog_s = spec.watchdog_s;
  RunOutcome out;
  const Params params = detail::effective_params(*info, spec.params);
  if (spec.isolate) {
    // All cores, as the CLI's --jobs default; the result is the same for
    // any number of jobs. Not sliced by GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX:
    // under that protocol gtest runs each TEST in exactly one shard (and
    // touches GTEST_SHARD_STATUS_FILE itself), so the shard that runs this
    // test must run all of its executions — a slice would drop effort.
    const int jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    out.result = std::move(detail::run_parallel({{info, params, options}}, 0, jobs).front());
  } else {
    out.result = detail::run_scenario(*info, params, options);
  }
  out.passed = out.result.verdict == report::Verdict::pass;
  std::string& s = out.summary;
  s = out.passed ? "as expected" : out.result.verdict_reason;
  s += " (" + std::to_string(out.result.executions) + " executions, " + spec.strategy + ", seed " +
       std::to_string(spec.seed) + ")";
  for (const auto& f : out.result.findings) {
    s += "\n  " + std::string(to_string(f.kind)) + ": " + f.message;
    for (const auto& l : f.locations) s += "\n    at " + l;
    if (!f.replay.empty()) s += "\n    replay: tangle replay " + f.replay;
  }
  return out;
}

}  // namespace tangle
