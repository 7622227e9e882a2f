#include "tangle/run.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <stdexcept>
#include <thread>

#include "cli/cli_support.hpp"
#include "isolation/parallel_runner.hpp"
#include "runner.hpp"
#include "strategies/strategy.hpp"
#include "stress/stress_runner.hpp"
#include "tangle/report/writers.hpp"

namespace tangle {
namespace {

// The CLI's limits (cli/cli_support.hpp), so a value CI puts in the
// environment means what it means on the command line.
std::uint64_t env_unsigned(const char* var, const std::string& text, std::uint64_t min, std::uint64_t max) {
  const auto bad = [&] {
    return std::invalid_argument(std::string(var) + "='" + text + "': expected an integer in " +
                                 std::to_string(min) + ".." + std::to_string(max));
  };
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) throw bad();
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < min || v > max) throw bad();
  return v;
}

double env_seconds(const char* var, const std::string& text, double max) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v <= 0 || v > max)
    throw std::invalid_argument(std::string(var) + "='" + text + "': expected seconds, more than 0 and at most " +
                                detail::format_seconds(max));
  return v;
}

void check_spec(const RunSpec& spec) {
  if (spec.engine != "controlled" && spec.engine != "stress")
    throw std::invalid_argument("unknown engine '" + spec.engine + "' (use: controlled or stress)");
  if (spec.strategy != "random" && spec.strategy != "pct")
    throw std::invalid_argument("unknown strategy '" + spec.strategy + "' (use: random or pct)");
  if (spec.granularity != "sync" && spec.granularity != "all")
    throw std::invalid_argument("unknown granularity '" + spec.granularity + "' (use: sync or all)");
  if (spec.depth < 1 || spec.depth > detail::kMaxPctDepth)
    throw std::invalid_argument("depth " + std::to_string(spec.depth) + " out of range 1.." +
                                std::to_string(detail::kMaxPctDepth));
  if (!(spec.time_budget_s >= 0) || spec.time_budget_s > cli::kMaxTimeBudgetSeconds)
    throw std::invalid_argument("time budget out of range 0.." + detail::format_seconds(cli::kMaxTimeBudgetSeconds));
  if (!(spec.watchdog_s > 0) || spec.watchdog_s > cli::kMaxWatchdogSeconds)
    throw std::invalid_argument("watchdog out of range (0, " + detail::format_seconds(cli::kMaxWatchdogSeconds) + "]");
}

}  // namespace

RunSpec with_environment(RunSpec spec, const std::string& scenario) {
  const auto get = [](const char* var) -> std::string {
    const char* v = std::getenv(var);
    return v == nullptr ? std::string() : std::string(v);
  };
  if (auto v = get("TANGLE_SEED"); !v.empty()) spec.seed = env_unsigned("TANGLE_SEED", v, 0, ~std::uint64_t{0});
  if (auto v = get("TANGLE_EXECUTIONS"); !v.empty())
    spec.executions = env_unsigned("TANGLE_EXECUTIONS", v, 1, cli::kMaxExecutions);
  if (auto v = get("TANGLE_STRATEGY"); !v.empty()) {
    if (v != "random" && v != "pct")
      throw std::invalid_argument("TANGLE_STRATEGY='" + v + "': expected random or pct");
    spec.strategy = v;
  }
  if (auto v = get("TANGLE_ENGINE"); !v.empty()) {
    if (v != "controlled" && v != "stress")
      throw std::invalid_argument("TANGLE_ENGINE='" + v + "': expected controlled or stress");
    spec.engine = v;
  }
  if (auto v = get("TANGLE_TIME_BUDGET"); !v.empty())
    spec.time_budget_s = env_seconds("TANGLE_TIME_BUDGET", v, cli::kMaxTimeBudgetSeconds);
  if (auto v = get("TANGLE_REPORT_DIR"); !v.empty()) {
    // One directory per scenario: a test binary runs many, each its own set.
    std::string leaf = scenario;
    for (char& c : leaf)
      if (c == '/') c = '_';
    spec.report_dir = v + "/" + leaf;
  }
  return spec;
}

std::string summarize(const report::ScenarioResult& result, const RunSpec& spec, const std::string& replay_command) {
  const bool passed = result.verdict == report::Verdict::pass;
  std::string s = passed ? "as expected" : result.verdict_reason;
  s += " (" + std::to_string(result.executions) + " executions, " + spec.engine +
       (spec.engine == "controlled" ? " " + spec.strategy : std::string()) + ", seed " + std::to_string(spec.seed) +
       ")";
  for (const auto& f : result.findings) {
    s += "\n  " + std::string(to_string(f.kind)) + ": " + f.message;
    for (const auto& l : f.locations) s += "\n    at " + l;
    if (!f.replay.empty()) s += "\n    replay: " + replay_command + f.replay;
  }
  return s;
}

RunOutcome run(const std::string& name, const RunSpec& spec) {
  const ScenarioInfo* info = find_scenario(name);
  if (info == nullptr) throw std::invalid_argument("unknown scenario '" + name + "'");
  check_spec(spec);
  try {
    cli::check_params(*info, spec.params, "parameter");
  } catch (const cli::UsageError& e) {
    throw std::invalid_argument(e.what());
  }
  const Params params = detail::effective_params(*info, spec.params);
  RunOutcome out;
  if (spec.engine == "stress") {
    detail::StressOptions options;
    options.seed = spec.seed;
    options.executions = spec.executions != 0 ? spec.executions : 200;
    options.time_budget_s = spec.time_budget_s;
    options.watchdog_ms = std::max(1, static_cast<int>(std::lround(spec.watchdog_s * 1000)));
    options.isolate = spec.isolate;
    out.result = detail::run_scenario_stress(*info, params, options);
    detail::attach_controlled_replays(*info, params, out.result);
  } else {
    detail::RunOptions options;
    options.strategy = spec.strategy;
    options.depth = spec.depth;
    options.seed = spec.seed;
    options.executions = spec.executions != 0 ? spec.executions : 10000;
    options.time_budget_s = spec.time_budget_s;
    options.engine.granularity = spec.granularity == "all" ? detail::Granularity::all : detail::Granularity::sync;
    options.isolate = spec.isolate;
    options.watchdog_s = spec.watchdog_s;
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
  }
  out.passed = out.result.verdict == report::Verdict::pass;
  out.summary = summarize(out.result, spec, "tangle replay ");
  if (!spec.report_dir.empty()) {
    report::RunReport rep;
    rep.version = TANGLE_VERSION;
    rep.engine = spec.engine;
    rep.strategy = spec.engine == "stress" ? "perturbation" : spec.strategy;
    rep.depth = spec.engine == "controlled" && spec.strategy == "pct" ? spec.depth : 0;
    if (spec.engine == "controlled") rep.granularity = spec.granularity;
    rep.seed = spec.seed;
    rep.command = "tangle::run(\"" + name + "\")";
    rep.scenarios.push_back(out.result);
    report::write_report_dir(rep, spec.report_dir, TANGLE_SOURCE_ROOT);
  }
  return out;
}

}  // namespace tangle
