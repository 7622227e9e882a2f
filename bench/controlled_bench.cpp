// Controlled-engine speed per built-in scenario: executions per second and
// nanoseconds per scheduling point, and — where a Relacy model of the same
// scenario exists (bench/relacy/, same threads and operations) — Relacy's
// random scheduler on the same scenario in the same run, with the ratio.
//
//   build/release/bench/controlled_bench                      # table at the end
//   build/release/bench/controlled_bench --benchmark_format=json
//
// Per-execution cost (fresh scenario instance, reset clocks, lock graph and
// trace) is inside the measured loop: it is what a user pays per execution.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "controlled/engine.hpp"
#include "rng.hpp"
#include "runner.hpp"
#ifdef TANGLE_WITH_RELACY
#include "relacy_scenarios.hpp"
#endif

namespace {

using tangle::detail::ControlledEngine;

std::map<std::string, double> g_tangle_rate, g_relacy_rate;

void BM_Controlled(benchmark::State& state, const std::string& name, const std::string& strategy) {
  const tangle::ScenarioInfo* info = tangle::find_scenario(name);
  tangle::detail::RunOptions options;
  options.strategy = strategy;
  ControlledEngine engine(*info, tangle::Params(info->defaults));
  auto s = tangle::detail::make_strategy(options);
  std::uint64_t i = 0, steps = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const auto& result = engine.run(*s, tangle::detail::mix_seed(1, i++));
    steps += result.steps;
    benchmark::DoNotOptimize(result.steps);
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(i), benchmark::Counter::kIsRate);
  state.counters["points/exec"] = static_cast<double>(steps) / static_cast<double>(i);
  // Wall time of the whole execution (fresh scenario, resets, checks
  // included) divided by its scheduling points.
  state.counters["ns/point"] = ns / static_cast<double>(steps);
}

#ifdef TANGLE_WITH_RELACY
void BM_Relacy(benchmark::State& state, const std::string& name) {
  constexpr std::uint64_t kBatch = 20000;  // rl::simulate has a fixed start-up cost
  std::uint64_t done = 0;
  for (auto _ : state) {
    const auto r = tangle::relacy_bench::run(name, kBatch, "random");
    done += r.iterations;
    if (r.failed) state.SkipWithError(("Relacy reports " + r.failure).c_str());
  }
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
}
#endif

// Remembers executions/s of each benchmark for the side-by-side table.
class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      auto it = run.counters.find("executions/s");
      if (it == run.counters.end() || run.error_occurred) continue;
      const std::string name = run.benchmark_name();
      const auto slash = name.find('/');
      const std::string engine = name.substr(0, slash);
      std::string scenario = name.substr(slash + 1);
      if (auto suffix = scenario.rfind("/random"); suffix != std::string::npos && engine == "controlled")
        scenario.resize(suffix);
      else if (engine == "controlled")
        continue;  // the ratio compares like with like: random vs random
      (engine == "controlled" ? g_tangle_rate : g_relacy_rate)[scenario] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios())
    for (const char* strategy : {"random", "pct"})
      benchmark::RegisterBenchmark(("controlled/" + info->name + "/" + strategy).c_str(), BM_Controlled,
                                   info->name, std::string(strategy));
#ifdef TANGLE_WITH_RELACY
  for (const std::string& name : tangle::relacy_bench::scenarios())
    benchmark::RegisterBenchmark(("relacy/" + name).c_str(), BM_Relacy, name);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (!g_relacy_rate.empty()) {
    std::printf("\n%-26s %16s %16s %8s\n", "scenario (random)", "tangle exec/s", "relacy exec/s", "ratio");
    for (const auto& [name, relacy] : g_relacy_rate) {
      auto it = g_tangle_rate.find(name);
      if (it == g_tangle_rate.end()) continue;
      std::printf("%-26s %16.0f %16.0f %7.2fx\n", name.c_str(), it->second, relacy, it->second / relacy);
    }
  }
  benchmark::Shutdown();
  return 0;
}
