// tangle-relacy: the built-in (and user) scenarios, from their unchanged
// sources, checked by Relacy. `tangle run --engine relacy …` runs this binary
// (a separate executable, so Relacy's global operator new and keyword macros
// never touch the main tangle binary).
//
//   tangle-relacy list                       # scenario, expected kinds, what Relacy can express
//   tangle-relacy run [PATTERN…] [--scheduler random|full|context] [--executions N]
//                     [--seed N] [--context-bound N] [--max-steps N] [--report-dir DIR]
//                     [--watchdog SEC] [--time-budget SEC] [--no-isolate]
//                     [--param NAME=VALUE]… [-q]
//   tangle-relacy gate [--expect FILE] [run options]
//   tangle-relacy replay TOKEN [--report-dir DIR] [--watchdog SEC] [--no-isolate]
//
// Every scenario's simulation runs in a supervised child process
// (relacy_isolation.hpp): a crash, exit, stop or spin of scenario code is a
// finding of that scenario with the token of the iteration that did it.
// --no-isolate runs in this process (faster to start, dies with the code).
//
// Exit codes as tangle's (DESIGN.md §5): 0 every outcome as expected, 1 some
// outcome unexpected (or a replay that did not reproduce), 2 usage or input
// error (one line on stderr), 3 internal error or a report directory that could
// not be written; 128+N when signal N (SIGINT 130, SIGTERM 143) interrupted
// run, gate or replay — the child is killed, the scenarios left are reported
// incomplete ("not run: interrupted by SIGTERM").

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "cli/cli11_parse.hpp"
#include "cli/cli_support.hpp"
#include "relacy_engine.hpp"
#include "relacy_isolation.hpp"
#include "isolation/isolation.hpp"
#include "relacy_runner.hpp"
#include "runner.hpp"

namespace tangle::relacy::cli {
namespace {

using tangle::cli::apply_expectations;
using tangle::cli::check_report_dir;
using tangle::cli::command_line;
using tangle::cli::Expectations;
using tangle::cli::finish_gate;
using tangle::cli::parse_params;
using tangle::cli::read_expect_file;
using tangle::cli::UsageError;
using tangle::cli::add_int_option;
using tangle::cli::add_seconds_option;
using tangle::cli::kMaxWatchdogSeconds;
using tangle::cli::kMaxExecutions;
using tangle::cli::kMaxJobs;
using tangle::cli::kMaxSteps;
using tangle::cli::kMaxTimeBudgetSeconds;

// The context scheduler explores every schedule with at most this many
// preemptions: the work grows exponentially with the bound.
constexpr unsigned kMaxContextBound = 10;

struct RunArgs {
  std::vector<std::string> patterns;
  std::string engine = "relacy";
  std::string scheduler = "random";
  std::string strategy;  // tangle's name for it; accepted as an alias
  int depth = 0;
  std::string granularity;  // accepted from tangle, ignored
  std::uint64_t seed = 1;
  std::uint64_t executions = 10000;
  std::uint64_t first_iteration = 0;
  unsigned context_bound = 1;
  double time_budget = 0;
  double watchdog = 1;
  bool no_isolate = false;
  int jobs = 1;
  std::uint64_t max_steps = 100000;
  std::string report_dir = "tangle-report";
  std::vector<std::string> params;
  std::string expect_file;
  bool quiet = false;
};

Scheduler parse_scheduler(const std::string& name) {
  if (name == "random") return Scheduler::random;
  if (name == "full") return Scheduler::full;
  if (name == "context") return Scheduler::context;
  throw UsageError("unknown Relacy scheduler '" + name + "' (use: random, full or context)");
}

// The random scheduler runs Relacy iterations first .. first+N-1 (first from
// --iteration, else (seed-1)*N+1): they must fit Relacy's 64-bit counter.
void check_iterations(const RunArgs& a) {
  const std::uint64_t max = ~std::uint64_t{0};
  const std::uint64_t seed_block = a.seed == 0 ? 0 : a.seed - 1;
  if (a.first_iteration == 0 && seed_block > (max - a.executions) / a.executions)
    throw UsageError("--seed " + std::to_string(a.seed) + " with --executions " + std::to_string(a.executions) +
                     ": Relacy iterations beyond 2^64-1");
  if (a.first_iteration != 0 && a.first_iteration - 1 > max - a.executions)
    throw UsageError("--iteration " + std::to_string(a.first_iteration) + " with --executions " +
                     std::to_string(a.executions) + ": Relacy iterations beyond 2^64-1");
}

Supervision supervision(double watchdog_s) {
  Supervision s;
  s.watchdog = std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(watchdog_s * 1000)));
  return s;
}

tangle::cli::ReportOutput report_output(const std::string& dir, bool details) {
  return {"tangle-relacy", TANGLE_SOURCE_ROOT, dir, details};
}

int run_command(const RunArgs& a, bool gate, const std::string& command) {
  if (a.engine != "relacy") throw UsageError("tangle-relacy runs the relacy engine only (got --engine " + a.engine + ")");
  std::string sched_name = a.scheduler;
  if (!a.strategy.empty()) {
    if (a.strategy == "pct" || a.strategy == "dfs")
      throw UsageError("strategy '" + a.strategy + "' is not available on the relacy engine (use: random, full or context)");
    sched_name = a.strategy;
  }
  const Scheduler scheduler = parse_scheduler(sched_name);
  if (a.time_budget > 0 && a.no_isolate)
    throw UsageError("--time-budget needs isolation (a Relacy run in this process cannot be stopped): drop --no-isolate");
  const Supervision base = supervision(a.watchdog);
  if (a.first_iteration != 0 && scheduler != Scheduler::random)
    throw UsageError("--iteration applies to the random scheduler only");
  check_iterations(a);
  const auto selected = tangle::cli::select(a.patterns, "tangle-relacy list");
  const auto overrides = parse_params(a.params, selected);
  Expectations expectations;
  if (!a.expect_file.empty()) expectations = read_expect_file(a.expect_file);
  if (!a.report_dir.empty()) check_report_dir(a.report_dir);

  Options options;
  options.scheduler = scheduler;
  options.executions = a.executions;
  options.seed = a.seed;
  options.first_iteration = a.first_iteration;
  options.context_bound = a.context_bound;
  options.max_steps = a.max_steps;

  report::RunReport rep;
  rep.version = TANGLE_VERSION;
  rep.engine = "relacy";
  rep.strategy = to_string(scheduler);
  rep.seed = a.seed;
  rep.command = command;
  for (const ScenarioInfo* info : selected) {
    const Params params = detail::effective_params(*info, overrides);
    const Expressibility e = expressibility(*info, params);
    if (!e.runnable) throw UsageError(info->name + ": " + e.note);
  }
  // SIGINT/SIGTERM/SIGHUP from here on: run_isolated kills the child at
  // once, the scenarios left are not run, and the report says so. Not with
  // --no-isolate: nothing could stop a Relacy run in this process, so the
  // signal keeps its default action.
  if (!a.no_isolate) tangle::detail::install_interrupt_handlers();
  const auto start = std::chrono::steady_clock::now();
  const auto budget = std::chrono::milliseconds(static_cast<std::int64_t>(a.time_budget * 1000));
  for (const ScenarioInfo* info : selected) {
    const Params params = detail::effective_params(*info, overrides);
    const auto left = budget - std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - start);
    report::ScenarioResult r;
    if (const int sig = tangle::detail::interrupt_signal()) {
      r = tangle::detail::not_run(*info, params, "interrupted by " + tangle::detail::signal_name(sig));
    } else if (a.no_isolate) {
      r = run_scenario(*info, params, options);
    } else if (budget.count() > 0 && left.count() <= 0) {
      r = tangle::detail::not_run(*info, params, "the time budget was spent");
    } else {
      Supervision sup = base;
      if (budget.count() > 0) sup.deadline = left;
      r = run_scenario_isolated(*info, params, options, sup);
    }
    if (!r.complete && r.incomplete_reason.find("time budget") != std::string::npos)
      rep.cut_short = "the time budget of " + detail::format_seconds(a.time_budget) + " s was spent";
    apply_expectations(expectations, info->name, r);
    rep.scenarios.push_back(std::move(r));
  }
  rep.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (const int sig = tangle::detail::interrupt_signal()) rep.interrupted = tangle::detail::signal_name(sig);
  return tangle::cli::finish_run(rep, report_output(a.report_dir, !a.quiet), gate);
}

int replay_command(const std::string& text, const std::string& report_dir, double watchdog, bool no_isolate,
                   const std::string& command) {
  ReplayToken token;
  try {
    token = decode_token(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const ScenarioInfo* info = find_scenario(token.scenario);
  if (!info) throw UsageError("replay token names unknown scenario '" + token.scenario + "'");
  for (const auto& [k, v] : token.params)
    if (!info->defaults.count(k))
      throw UsageError("replay token has parameter '" + k + "' that " + token.scenario + " does not declare");
  tangle::cli::check_params(*info, token.params, "replay token parameter");
  if (!report_dir.empty()) check_report_dir(report_dir);
  const Params params = detail::effective_params(*info, token.params);
  Options options;
  options.executions = 1;
  options.first_iteration = token.iteration;
  options.max_steps = token.max_steps;
  report::RunReport rep;
  rep.version = TANGLE_VERSION;
  rep.engine = "relacy";
  rep.strategy = "replay";
  rep.command = command;
  if (!no_isolate) tangle::detail::install_interrupt_handlers();  // as for run
  // Isolated too: replaying an iteration that crashes or hangs reports it.
  rep.scenarios.push_back(no_isolate ? run_scenario(*info, params, options)
                                     : run_scenario_isolated(*info, params, options, supervision(watchdog)));
  if (const int sig = tangle::detail::interrupt_signal()) {
    rep.interrupted = tangle::detail::signal_name(sig);
    return tangle::cli::finish_run(rep, report_output(report_dir, false), false);
  }
  const bool reproduced = !rep.scenarios.back().findings.empty();
  const std::string line = std::string("replay: ") + (reproduced ? "reproduced" : "did NOT reproduce") +
                           " Relacy iteration " + std::to_string(token.iteration) + " of " + token.scenario;
  const int written = tangle::cli::finish_report(rep, report_output(report_dir, false), line);
  if (written != 0) return written;
  return reproduced ? 0 : 1;
}

int list_command() {
  for (const ScenarioInfo* s : registered_scenarios()) {
    std::string kinds;
    for (auto k : s->expected) {
      if (!kinds.empty()) kinds += ',';  // appends: GCC 12 warns falsely (-Wrestrict) on a + chain
      kinds += report::to_string(k);
    }
    const Params params = detail::effective_params(*s, {});
    const Expressibility e = expressibility(*s, params);
    std::cout << s->name << ": " << (kinds.empty() ? "none" : kinds) << "   relacy: "
              << (e.note.empty() ? "yes" : e.note) << "\n";
  }
  return 0;
}

int main_impl(int argc, char** argv) {
  CLI::App app{"tangle-relacy: tangle scenarios checked by the Relacy race detector"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(TANGLE_VERSION));
  app.add_subcommand("list", "List scenarios, expected findings, and what Relacy can express");
  RunArgs run_args, gate_args;
  const auto add_run_options = [](CLI::App* sub, RunArgs& a) {
    sub->add_option("patterns", a.patterns, "Glob(s) over scenario names (default: all)");
    sub->add_option("--scheduler", a.scheduler, "Relacy scheduler: random | full | context")->capture_default_str();
    sub->add_option("--strategy", a.strategy, "Alias of --scheduler (tangle's option name)");
    sub->add_option("--engine", a.engine, "Must be relacy (accepted so tangle can forward its options)");
    add_int_option(sub, "--depth", a.depth, 1, tangle::detail::kMaxPctDepth, "Ignored: PCT only")->default_str("");
    sub->add_option("--granularity", a.granularity, "Ignored: Relacy schedules at synchronization operations, never at rl::var accesses");
    add_int_option(sub, "--seed", a.seed, std::uint64_t{0}, ~std::uint64_t{0},
                   "random: runs Relacy iterations (seed-1)*N+1 .. seed*N");
    add_int_option(sub, "--executions", a.executions, std::uint64_t{1}, kMaxExecutions,
                   "random: iterations per scenario");
    add_int_option(sub, "--iteration", a.first_iteration, std::uint64_t{1}, ~std::uint64_t{0},
                   "random: first Relacy iteration, overrides --seed")
        ->default_str("");
    add_int_option(sub, "--context-bound", a.context_bound, 0u, kMaxContextBound, "context scheduler: preemption bound");
    add_seconds_option(sub, "--time-budget", kMaxTimeBudgetSeconds, [&a](double s) { a.time_budget = s; },
                       "Hard wall-clock limit for the whole run: children are killed at it, unfinished "
                       "scenarios are reported incomplete");
    add_seconds_option(sub, "--watchdog", kMaxWatchdogSeconds, [&a](double s) { a.watchdog = s; },
                       "A scenario process that begins no iteration for SEC is killed: a hang finding");
    sub->add_flag("--no-isolate", a.no_isolate,
                  "Run Relacy in this process (no supervision: a crashing scenario ends the run)");
    add_int_option(sub, "--jobs", a.jobs, 1, kMaxJobs, "Accepted; Relacy simulates one scenario at a time");
    add_int_option(sub, "--max-steps", a.max_steps, std::uint64_t{1}, kMaxSteps,
                   "Instrumented operations per execution before livelock");
    sub->add_option("--report-dir", a.report_dir, "Where results.json and the other reports go")->capture_default_str();
    sub->add_option("--param", a.params, "Scenario parameter NAME=VALUE (repeatable)");
    sub->add_flag("--quiet,-q", a.quiet, "Print only the summary table");
  };
  auto* run = app.add_subcommand("run", "Run scenarios under Relacy; exit 0 when every outcome is as expected");
  add_run_options(run, run_args);
  auto* gate = app.add_subcommand("gate", "CI gate: run under Relacy and compare with expectations");
  add_run_options(gate, gate_args);
  gate->add_option("--expect", gate_args.expect_file, "File of 'name: kind[,kind]' / 'name: none' lines");
  std::string token, replay_dir;
  double replay_watchdog = 1;
  bool replay_no_isolate = false;
  auto* replay = app.add_subcommand("replay", "Re-run one failing Relacy iteration");
  replay->add_option("token", token, "relacy:… token printed with a finding")->required();
  replay->add_option("--report-dir", replay_dir, "Also write reports of the replayed execution here");
  add_seconds_option(replay, "--watchdog", kMaxWatchdogSeconds, [&](double s) { replay_watchdog = s; }, "As for run");
  replay->add_flag("--no-isolate", replay_no_isolate, "As for run");

  if (auto code = tangle::cli::parse_or_exit(app, argc, argv, "tangle-relacy")) return *code;
  const std::string command = command_line(argc, argv);
  if (run->parsed()) return run_command(run_args, false, command);
  if (gate->parsed()) return run_command(gate_args, true, command);
  if (replay->parsed()) return replay_command(token, replay_dir, replay_watchdog, replay_no_isolate, command);
  return list_command();
}

}  // namespace
}  // namespace tangle::relacy::cli

int main(int argc, char** argv) {
  // As tangle's: output into a closed pipe just stops (no exit 141).
  std::signal(SIGPIPE, SIG_IGN);
  using tangle::cli::one_line;
  try {
    return tangle::relacy::cli::main_impl(argc, argv);
  } catch (const tangle::relacy::cli::UsageError& e) {
    std::cerr << "tangle-relacy: " << one_line(e.what(), std::string::npos) << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "tangle-relacy: " << one_line(e.what(), std::string::npos) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tangle-relacy: internal error: " << one_line(e.what(), std::string::npos) << "\n";
    return 3;
  }
}
