// Controlled-engine speed per built-in scenario: executions per second,
// nanoseconds per scheduling point and per instrumented operation, and —
// where a Relacy model of the same scenario exists (bench/relacy/, same
// threads and operations) — Relacy's random scheduler on the same scenario in
// the same run, with the ratios: tangle's default strategy (pct) and its
// random strategy, each against Relacy's random scheduler.
//
// Granularity: tangle's default (`sync`) schedules at synchronization
// operations and, once a race was seen, at Shared<T> accesses; Relacy at
// synchronization operations only (rl::var loads and stores never call its
// scheduler: relacy/var.hpp). The benchmarks named .../all run tangle with
// --granularity all, a scheduling point at every operation: more points than
// Relacy makes, so those ratios are a lower bound.
//
//   build/release/bench/controlled_bench                      # table at the end
//   build/release/bench/controlled_bench --benchmark_format=json
//   build/release/bench/controlled_bench --benchmark_filter='counter/locked/pct'   # fibers vs threads
//
// Substrates: the benchmarks named .../threads run the scenario threads on
// OS threads passing a baton (EngineOptions::substrate); the table at the end
// gives their executions/s against the same benchmark on fibers.
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

// executions/s by "engine/scenario/strategy[/all]" minus the engine prefix.
std::map<std::string, double> g_tangle_rate, g_relacy_rate;

void BM_Controlled(benchmark::State& state, const std::string& name, const std::string& strategy,
                   tangle::detail::Granularity granularity,
                   tangle::detail::Substrate substrate) {
  const tangle::ScenarioInfo* info = tangle::find_scenario(name);
  tangle::detail::RunOptions options;
  options.strategy = strategy;
  tangle::detail::EngineOptions engine_options;
  engine_options.granularity = granularity;
  engine_options.substrate = substrate;
  ControlledEngine engine(*info, tangle::Params(info->defaults), engine_options);
  // As a run does (runner.hpp, purity): calibrate on the first executions,
  // then measure executions with what they saw (PCT's k, race granularity).
  tangle::detail::Calibration calibration;
  tangle::detail::complete_calibration(engine, options, calibration, tangle::detail::kCalibrationExecutions);
  engine.set_race_seen(calibration.data_points(tangle::detail::kCalibrationExecutions));
  auto s = tangle::detail::make_strategy(options, calibration.pct_k(tangle::detail::kCalibrationExecutions));
  std::uint64_t i = 0, ops = 0, points = 0, decisions = 0, switches = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const auto& result = engine.run(*s, tangle::detail::mix_seed(1, i++));
    ops += result.steps;
    points += result.points;
    decisions += result.decisions;
    switches += result.switches;
    benchmark::DoNotOptimize(result.steps);
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  const double n = static_cast<double>(i);
  // Wall-clock, not kIsRate (the main thread's CPU time): on the threads
  // substrate the scenario threads' CPU time and the hand-offs' sleeps are
  // not the main thread's, so a CPU rate overstated it ~3x.
  state.counters["executions/s"] = ns > 0 ? n / (ns * 1e-9) : 0.0;
  state.counters["ops/exec"] = static_cast<double>(ops) / n;        // instrumented operations
  state.counters["points/exec"] = static_cast<double>(points) / n;  // scheduling points among them
  state.counters["decisions/exec"] = static_cast<double>(decisions) / n;
  state.counters["switches/exec"] = static_cast<double>(switches) / n;
  // Wall time of the whole execution (fresh scenario, resets, checks
  // included) divided by its scheduling points, and by its operations.
  state.counters["ns/point"] = points > 0 ? ns / static_cast<double>(points) : 0.0;
  state.counters["ns/op"] = ns / static_cast<double>(ops);
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
      (engine == "controlled" ? g_tangle_rate : g_relacy_rate)[name.substr(slash + 1)] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  using tangle::detail::Granularity;
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios())
    for (const char* strategy : {"random", "pct"})
      for (Granularity g : {Granularity::sync, Granularity::all})
        benchmark::RegisterBenchmark(
            ("controlled/" + info->name + "/" + strategy + (g == Granularity::all ? "/all" : "")).c_str(),
            BM_Controlled, info->name, std::string(strategy), g, tangle::detail::Substrate::fibers);
  for (const tangle::ScenarioInfo* info : tangle::registered_scenarios())
    for (const char* strategy : {"random", "pct"})
      benchmark::RegisterBenchmark(("controlled/" + info->name + "/" + strategy + "/threads").c_str(), BM_Controlled,
                                   info->name, std::string(strategy), Granularity::sync,
                                   tangle::detail::Substrate::threads);
#ifdef TANGLE_WITH_RELACY
  for (const std::string& name : tangle::relacy_bench::scenarios())
    benchmark::RegisterBenchmark(("relacy/" + name).c_str(), BM_Relacy, name);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (!g_relacy_rate.empty()) {
    // Executions/s; ratios against Relacy's random scheduler. "all": tangle
    // with --granularity all (a point at every operation).
    auto rate = [](const std::string& key) {
      auto it = g_tangle_rate.find(key);
      return it == g_tangle_rate.end() ? 0.0 : it->second;
    };
    std::printf("\nexecutions/s, and ratio to Relacy's random scheduler\n");
    std::printf("%-24s %11s %11s %11s %11s %11s   %6s %6s %6s %6s\n", "scenario", "relacy", "pct", "random",
                "pct/all", "random/all", "pct", "random", "p/all", "r/all");
    for (const auto& [name, relacy] : g_relacy_rate) {
      const double r[4] = {rate(name + "/pct"), rate(name + "/random"), rate(name + "/pct/all"),
                           rate(name + "/random/all")};
      if (r[0] == 0 && r[1] == 0) continue;
      std::printf("%-24s %11.0f %11.0f %11.0f %11.0f %11.0f   %5.2fx %5.2fx %5.2fx %5.2fx\n", name.c_str(), relacy,
                  r[0], r[1], r[2], r[3], r[0] / relacy, r[1] / relacy, r[2] / relacy, r[3] / relacy);
    }
  }
  bool header = false;
  for (const auto& [key, threads] : g_tangle_rate) {
    const std::string suffix = "/threads";
    if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const auto fibers = g_tangle_rate.find(key.substr(0, key.size() - suffix.size()));
    if (fibers == g_tangle_rate.end() || threads <= 0) continue;
    if (!header) {
      std::printf("\nexecutions/s by substrate: fibers, threads (OS threads passing a baton), fibers/threads\n");
      header = true;
    }
    std::printf("%-36s %11.0f %11.0f %9.1fx\n", key.substr(0, key.size() - suffix.size()).c_str(), fibers->second,
                threads, fibers->second / threads);
  }
  benchmark::Shutdown();
  return 0;
}
