// What --jobs buys: executions per second of every built-in scenario run the
// way `tangle run` runs them (supervised, isolation/parallel_runner.hpp) with
// --jobs 1 and with --jobs N, alternated round by round in one process so
// both see the same machine. The bar: --jobs 2 at least 1.8x --jobs 1
// on a 2-core machine. The machine's load average is printed before and
// after: other work on the cores lowers the ratio, so read it with the load.
//
//   build/release/bench/jobs_bench [EXECUTIONS_PER_SCENARIO] [ROUNDS] [JOBS]
//
// Prints one row per round and the median of the rounds. Each round also
// checks that both runs reported the same findings (the merge contract).
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "isolation/parallel_runner.hpp"
#include "runner.hpp"
#include "tangle/scenario.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void print_load(const char* when) {
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) == 3)
    std::printf("load average %s: %.2f %.2f %.2f (%u cores)\n", when, load[0], load[1], load[2],
                std::thread::hardware_concurrency());
}

// Kind and trace_hash of every finding, and the first failure: what a split must not change.
std::string digest(const std::vector<tangle::report::ScenarioResult>& results, std::uint64_t* total) {
  std::string d;
  *total = 0;
  for (const auto& r : results) {
    *total += r.executions;
    d += r.name + ":" + (r.first_failure_execution ? std::to_string(*r.first_failure_execution) : "-");
    for (const auto& f : r.findings) {
      // Appended piece by piece: `" " + std::string(...)` draws GCC 12's
      // -Wrestrict false positive once inlined.
      d += ' ';
      d += tangle::report::to_string(f.kind);
      d += '/';
      d += f.trace_hash;
    }
    d += "\n";
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t executions = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 50000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int jobs = argc > 3 ? std::atoi(argv[3]) : 2;
  std::vector<tangle::detail::SupervisedScenario> work;
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios()) {
    tangle::detail::RunOptions options;
    options.executions = executions;
    options.isolate = true;
    work.push_back({info, tangle::detail::effective_params(*info, {}), options});
  }
  std::printf("%zu built-ins x %llu executions, pct (the default), --jobs 1 vs --jobs %d, %d rounds\n", work.size(),
              static_cast<unsigned long long>(executions), jobs, rounds);
  print_load("before");
  std::printf("%-6s %12s %12s %14s %14s %7s\n", "round", "jobs 1 s", "jobs N s", "jobs 1 ex/s", "jobs N ex/s", "ratio");
  std::vector<double> ratios, one_rates, many_rates;
  for (int round = 0; round < rounds; ++round) {
    auto start = Clock::now();
    std::uint64_t total_one = 0, total_many = 0;
    const std::string one = digest(tangle::detail::run_parallel(work, 0, 1), &total_one);
    const double t1 = seconds_since(start);
    start = Clock::now();
    const std::string many = digest(tangle::detail::run_parallel(work, 0, jobs), &total_many);
    const double tn = seconds_since(start);
    if (one != many || total_one != total_many) {
      std::fprintf(stderr, "--jobs %d reported other findings than --jobs 1:\n%s---\n%s", jobs, one.c_str(), many.c_str());
      return 1;
    }
    ratios.push_back(t1 / tn);
    one_rates.push_back(total_one / t1);
    many_rates.push_back(total_many / tn);
    std::printf("%-6d %12.3f %12.3f %14.0f %14.0f %6.2fx\n", round + 1, t1, tn, total_one / t1, total_many / tn, t1 / tn);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("median %12s %12s %14.0f %14.0f %6.2fx\n", "", "", median(one_rates), median(many_rates), median(ratios));
  print_load("after");
  return 0;
}
