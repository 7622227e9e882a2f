// What supervision costs: executions per second of every built-in scenario,
// run the way `tangle run` runs them — supervised (one child process for the
// whole run, isolation/supervised_runner.hpp) against the same loop in this
// process (--no-isolate) — alternated round by round in one process so both
// see the same machine. The bar: at most 5% fewer executions/s.
//
//   build/release/bench/isolation_bench [EXECUTIONS_PER_SCENARIO] [ROUNDS]
//
// Prints one row per round and the median of the rounds: total executions
// over all built-ins, seconds each way, executions/s each way, the loss.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "isolation/supervised_runner.hpp"
#include "runner.hpp"
#include "tangle/scenario.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t executions = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  std::vector<tangle::detail::SupervisedScenario> work;
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios()) {
    tangle::detail::RunOptions options;
    options.executions = executions;
    work.push_back({info, tangle::detail::effective_params(*info, {}), options});
  }
  std::printf("%zu built-ins x %llu executions, pct (the default), %d rounds\n", work.size(),
              static_cast<unsigned long long>(executions), rounds);
  std::printf("%-6s %14s %14s %16s %16s %8s\n", "round", "in-process s", "supervised s", "in-process ex/s",
              "supervised ex/s", "loss");
  std::vector<double> losses, here_rates, supervised_rates;
  for (int round = 0; round < rounds; ++round) {
    std::uint64_t total = 0;
    auto start = Clock::now();
    for (const auto& w : work) total += tangle::detail::run_scenario(*w.info, w.params, w.options).executions;
    const double here = seconds_since(start);
    start = Clock::now();
    std::uint64_t supervised_total = 0;
    for (const auto& r : tangle::detail::run_supervised(work, 0)) supervised_total += r.executions;
    const double supervised = seconds_since(start);
    if (supervised_total != total) {
      std::fprintf(stderr, "supervised ran %llu executions, in-process %llu\n",
                   static_cast<unsigned long long>(supervised_total), static_cast<unsigned long long>(total));
      return 1;
    }
    const double loss = 1 - here / supervised;
    losses.push_back(loss);
    here_rates.push_back(total / here);
    supervised_rates.push_back(total / supervised);
    std::printf("%-6d %14.4f %14.4f %16.0f %16.0f %7.1f%%\n", round + 1, here, supervised, total / here,
                total / supervised, 100 * loss);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("median %14s %14s %16.0f %16.0f %7.1f%%\n", "", "", median(here_rates), median(supervised_rates),
              100 * median(losses));
  return 0;
}
