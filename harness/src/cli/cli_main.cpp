// tangle's command line (DESIGN.md §5):
//   tangle list | run | replay TOKEN | gate | merge DIR…
// Exit codes: 0 every outcome as expected, 1 some outcome unexpected (or a
// replay that did not reproduce), 2 usage or input error (one line on stderr),
// 3 internal error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "cli/cli11_parse.hpp"
#include "cli/cli_support.hpp"
#include "tangle/cli.hpp"
#include "cli/shards.hpp"
#include "runner.hpp"
#include "isolation/isolation.hpp"
#include "isolation/parallel_runner.hpp"
#include "rng.hpp"
#include "stress/stress_runner.hpp"
#include "tangle/report/reporter.hpp"
#include "tangle/report/writers.hpp"
#include "token.hpp"

namespace tangle::cli {
namespace {

namespace fs = std::filesystem;
using detail::RunOptions;

struct CommonOptions {
  std::vector<std::string> patterns;
  std::string engine = "controlled";
  std::string strategy = "pct";
  int depth = 3;
  std::string granularity = "sync";
  std::string substrate = "fibers";
  std::uint64_t seed = 1;
  std::uint64_t executions = 10000;
  double time_budget = 0;
  std::uint64_t max_steps = 100000;
  std::string report_dir = "tangle-report";
  std::vector<std::string> params;
  std::string expect_file;
  std::string format = "console";
  bool quiet = false;
  int jobs = 0;  // 0: the core count
  std::string shard;  // "I/N"; "": GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX, or none
  int watchdog_ms = 1000;
  bool no_race_detection = false;
  bool no_isolate = false;
  bool strict_expect = false;
  CLI::Option* executions_option = nullptr;
  CLI::Option* jobs_option = nullptr;
};

// --format F: what stdout carries (checked by check_format, so an unknown
// name is the usual one-line usage error).
void add_format_option(CLI::App* app, std::string& format) {
  app->add_option("--format", format,
                  "What stdout carries: " + report::format_names() +
                      " (console: the summary and findings; any other: that report document alone, "
                      "the console text then on stderr)")
      ->capture_default_str();
}

void add_run_options(CLI::App* app, CommonOptions& o) {
  app->add_option("patterns", o.patterns, "Glob(s) over scenario names, e.g. 'counter/*' (default: all)");
  app->add_option("--engine", o.engine, "Engine: controlled | stress (real threads) | relacy (tangle-relacy)")
      ->capture_default_str();
  app->add_option("--strategy", o.strategy, "Controlled engine strategy: random | pct")->capture_default_str();
  add_int_option(app, "--depth", o.depth, 1, detail::kMaxPctDepth, "PCT bug depth D");
  app->add_option("--granularity", o.granularity,
                  "Controlled engine scheduling points: sync (synchronization operations; Shared<T> "
                  "accesses too once a data race was seen) | all (every instrumented operation)")
      ->capture_default_str();
  app->add_option("--substrate", o.substrate,
                  "Controlled engine: what scenario threads run on: fibers (fast; one OS thread, so "
                  "thread_local and errno are shared) | threads (one OS thread each, passing a baton: "
                  "thread_local and errno per thread; same schedules, ~30-50x fewer executions/s)")
      ->capture_default_str();
  add_int_option(app, "--seed", o.seed, std::uint64_t{0}, ~std::uint64_t{0},
                 "Seed; execution i uses a seed derived from (seed, i)");
  o.executions_option = add_int_option(app, "--executions", o.executions, std::uint64_t{1}, kMaxExecutions,
                                       "Executions per scenario; stress default: 200, or as many as "
                                       "--time-budget allows when only that is given");
  add_seconds_option(app, "--time-budget", kMaxTimeBudgetSeconds, [&o](double s) { o.time_budget = s; },
                     "Seconds for the whole run (each scenario an equal share of what is left), stops "
                     "early when spent; default: none");
  add_int_option(app, "--max-steps", o.max_steps, std::uint64_t{1}, kMaxSteps,
                 "Instrumented operations per execution before it counts as livelock");
  app->add_option("--report-dir", o.report_dir, "Where results.json and the other reports go")
      ->capture_default_str();
  app->add_option("--param", o.params, "Scenario parameter NAME=VALUE (repeatable), e.g. threads=3");
  app->add_flag("--quiet,-q", o.quiet, "Print only the summary table");
  app->add_flag("--strict-expect", o.strict_expect,
                "A buggy scenario passes only when every kind it expects is found. Default rule: a "
                "scenario that expects nothing passes with no finding; one that expects kinds passes "
                "with at least one finding, every finding's kind being expected");
  add_format_option(app, o.format);
  o.jobs_option = add_int_option(app, "--jobs", o.jobs, 1, kMaxJobs,
                                 "Worker processes; the controlled engine's report is the same for any N")
                      ->default_str("the core count");
  app->add_option("--shard", o.shard,
                  "Run shard I of N (0 <= I < N): every scenario's executions i with i % N == I; merge the "
                  "shards' report directories with `tangle merge` (default: GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS)");
  // Seconds on the command line, milliseconds inside (the stress engine's unit).
  add_seconds_option(app, "--watchdog", kMaxWatchdogSeconds,
                     [&o](double s) { o.watchdog_ms = std::max(1, static_cast<int>(std::lround(s * 1000))); },
                     "Stress engine: seconds without progress before hang/deadlock")
      ->default_str("1");
  app->add_flag("--no-race-detection", o.no_race_detection, "Stress engine: skip happens-before on Shared<T>");
  app->add_flag("--no-isolate", o.no_isolate,
                "Run executions in this process, not in supervised children (a crash or exit of scenario "
                "code then ends the run)");
}

// Progress on a terminal only: "\r[3/13] name 4096/10000 executions,
// 52,000/s, 2 findings, 12 s left" (left: of --time-budget when one is set,
// else of this scenario at its current rate). On fd 1, which is stderr while
// a --format document waits for stdout (divert_stdout). At most ten lines a
// second; the name is cut so the line fits 100 columns.
class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  Progress(bool enabled, double budget_s) : enabled_(enabled), budget_s_(budget_s) {}
  void update(std::size_t index, std::size_t count, const std::string& name, std::uint64_t done,
              std::uint64_t total, std::uint64_t findings = 0) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (index != index_ || done < start_done_) {  // a new scenario (or child): its own rate
      index_ = index;
      scenario_start_ = now;
      start_done_ = done;
    }
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    // Over what this display saw of the scenario: the first report of one
    // may come when many of its executions are already done.
    const double ran = std::chrono::duration<double>(now - scenario_start_).count();
    const double rate = ran > 0.05 ? static_cast<double>(done - start_done_) / ran : 0;
    std::string line = "[" + std::to_string(index + 1) + "/" + std::to_string(count) + "] " +
                       name.substr(0, 40) + " " + std::to_string(done);
    if (total < kMaxExecutions) line += "/" + std::to_string(total);
    line += " executions";
    if (rate > 0) line += ", " + std::to_string(std::llround(rate)) + "/s";
    line += ", " + std::to_string(findings) + (findings == 1 ? " finding" : " findings");
    double left = -1;
    if (budget_s_ > 0) left = budget_s_ - std::chrono::duration<double>(now - start_).count();
    else if (rate > 0 && total < kMaxExecutions) left = static_cast<double>(total - std::min(done, total)) / rate;
    if (left >= 0) line += ", " + std::to_string(std::llround(left)) + " s left" + (budget_s_ > 0 ? " in the budget" : "");
    std::fprintf(stdout, "\r%s\033[K", line.c_str());
    std::fflush(stdout);
  }
  void clear() {
    if (enabled_) std::fputs("\r\033[K", stdout);
  }

 private:
  bool enabled_;
  double budget_s_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point scenario_start_ = start_;
  std::size_t index_ = 0;
  std::uint64_t start_done_ = 0;
  Clock::time_point last_{};
};

ReportOutput report_output(const std::string& dir, bool details, const std::string& format) {
  return {"tangle", TANGLE_SOURCE_ROOT, dir, details, format};
}

int run_command(const CommonOptions& o, bool gate, const std::string& command) {
  check_format(o.format);
  if (o.engine != "controlled" && o.engine != "stress")
    throw UsageError("unknown engine '" + o.engine + "' (use: controlled, stress or relacy)");
  const bool stress = o.engine == "stress";
  if (!stress && o.jobs > 1 && o.no_isolate)
    throw UsageError("--jobs N>1 runs worker processes: it does not go with --no-isolate");
  if (o.strategy != "random" && o.strategy != "pct")
    throw UsageError("unknown strategy '" + o.strategy + "' (use: random or pct)");
  if (o.granularity != "sync" && o.granularity != "all")
    throw UsageError("unknown granularity '" + o.granularity + "' (use: sync or all)");
  if (o.substrate != "fibers" && o.substrate != "threads")
    throw UsageError("unknown substrate '" + o.substrate + "' (use: fibers or threads)");
  if (stress && o.substrate != "fibers")
    throw UsageError("--substrate applies to --engine controlled; the stress engine always runs OS threads");
  const auto selected = select(o.patterns);
  const auto overrides = parse_params(o.params, selected);
  Expectations expectations;
  if (!o.expect_file.empty()) expectations = read_expect_file(o.expect_file);
  const std::optional<Shard> shard = resolve_shard(o.shard);
  const int jobs = o.jobs > 0 ? o.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  check_report_dir(o.report_dir);
  if (o.format != "console") divert_stdout();  // every input is checked: the run starts

  detail::StressOptions stress_options;
  stress_options.seed = o.seed;
  // --time-budget alone: run until it is spent (the budget stops the loop).
  stress_options.executions = o.executions_option->count() > 0 ? o.executions
                              : o.time_budget > 0            ? kMaxExecutions
                                                             : 200;
  stress_options.time_budget_s = o.time_budget;
  stress_options.watchdog_ms = o.watchdog_ms;
  stress_options.race_detection = !o.no_race_detection;
  stress_options.isolate = !o.no_isolate;
  stress_options.jobs = jobs;
  if (shard) {
    // Stress executions are not pure: a shard runs its share under a seed of its own.
    stress_options.executions = detail::Slice{shard->index, shard->count}.members(0, stress_options.executions);
    stress_options.seed = detail::mix_seed(o.seed, 0x54a2d00000000000ULL + shard->index);
  }

  RunOptions options;
  options.strategy = o.strategy;
  options.depth = o.depth;
  options.seed = o.seed;
  options.executions = o.executions;
  if (shard) options.slice = {shard->index, shard->count};
  options.time_budget_s = o.time_budget;
  options.engine.max_steps = o.max_steps;
  options.engine.granularity = o.granularity == "all" ? detail::Granularity::all : detail::Granularity::sync;
  // Not in replay tokens (runner.cpp): the schedule is the same on both.
  options.engine.substrate = o.substrate == "threads" ? detail::Substrate::threads : detail::Substrate::fibers;

  options.isolate = !o.no_isolate;
  options.watchdog_s = o.watchdog_ms / 1000.0;

  report::RunReport rep;
  rep.version = TANGLE_VERSION;
  rep.engine = o.engine;
  rep.strategy = stress ? "perturbation" : o.strategy;
  rep.depth = !stress && o.strategy == "pct" ? o.depth : 0;
  if (!stress) rep.granularity = o.granularity;
  rep.seed = o.seed;
  rep.command = command;
  detail::install_interrupt_handlers();
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  Progress progress(::isatty(STDOUT_FILENO) != 0, o.time_budget);
  std::vector<report::ScenarioResult> results;
  if (!stress && options.isolate) {
    // One supervised batch: one child process for the whole run while no
    // execution ends its process (isolation/supervised_runner.hpp).
    std::vector<detail::SupervisedScenario> work;
    for (const ScenarioInfo* info : selected)
      work.push_back({info, detail::effective_params(*info, overrides), options});
    const std::uint64_t total = options.slice.members(0, options.executions);
    results = detail::run_parallel(work, o.time_budget, o.no_isolate ? 1 : jobs,
                                   [&](std::size_t i, std::uint64_t done, std::uint64_t found) {
      progress.update(i, selected.size(), selected[i]->name, done, total, found);
    });
  } else {
    for (std::size_t i = 0; i < selected.size(); ++i) {
      const ScenarioInfo& info = *selected[i];
      const Params params = detail::effective_params(info, overrides);
      // --time-budget is the whole run's: each scenario gets an equal share
      // of what is left.
      const double left = o.time_budget > 0 ? o.time_budget - elapsed() : 0;
      report::ScenarioResult& result = results.emplace_back();
      if (const int sig = detail::interrupt_signal()) {
        result = detail::not_run(info, params, "interrupted by " + detail::signal_name(sig));
      } else if (o.time_budget > 0 && left <= 0) {
        result = detail::not_run(info, params, "the time budget was spent");
      } else if (stress) {
        progress.update(i, selected.size(), info.name, 0, stress_options.executions);
        detail::StressOptions so = stress_options;
        if (o.time_budget > 0) so.time_budget_s = left / static_cast<double>(selected.size() - i);
        result = detail::run_scenario_stress(info, params, so);
        detail::attach_controlled_replays(info, params, result);
      } else {
        RunOptions ro = options;
        if (o.time_budget > 0) ro.time_budget_s = left / static_cast<double>(selected.size() - i);
        result = detail::run_scenario(info, params, ro, [&](std::uint64_t done, std::uint64_t found) {
          progress.update(i, selected.size(), info.name, done, options.executions, found);
        });
      }
    }
  }
  for (report::ScenarioResult& result : results) {
    if (!result.complete && result.incomplete_reason.find("time budget") != std::string::npos)
      rep.cut_short = "the time budget of " + detail::format_seconds(o.time_budget) + " s was spent";
    apply_expectations(expectations, result.name, result, o.strict_expect);
    rep.scenarios.push_back(std::move(result));
  }
  progress.clear();
  rep.duration_s = elapsed();
  if (detail::interrupt_signal() != 0) rep.interrupted = detail::signal_name(detail::interrupt_signal());
  // What else changes results (not --jobs: any N reports the same).
  rep.fingerprint = run_fingerprint(rep, {"executions=" + std::to_string(stress ? stress_options.executions : options.executions),
                                          "time_budget=" + detail::format_seconds(o.time_budget),
                                          "max_steps=" + std::to_string(o.max_steps), "substrate=" + o.substrate,
                                          "watchdog_ms=" + std::to_string(o.watchdog_ms),
                                          "race_detection=" + std::to_string(!o.no_race_detection)});
  if (shard) {
    rep.shard_index = shard->index;
    rep.shard_count = shard->count;
  }
  return finish_run(rep, report_output(o.report_dir, !o.quiet, o.format), gate);
}

// --engine relacy and relacy replay tokens run in tangle-relacy, a separate
// binary beside this one: Relacy replaces the global operator new and
// defines macros that must never reach the other engines.
[[noreturn]] void exec_relacy(std::vector<std::string> arguments) {
  std::error_code ec;
  const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path() / "tangle-relacy";
  if (ec || !fs::exists(bin))
    throw UsageError("engine 'relacy' is not in this build (tangle-relacy is built with relacy-dev, not under tsan)");
  std::string path = bin.string();
  std::vector<char*> args{path.data()};
  for (auto& a : arguments) args.push_back(a.data());
  args.push_back(nullptr);
  std::cout.flush();
  ::execv(path.c_str(), args.data());
  throw std::runtime_error("cannot run " + path + ": " + std::strerror(errno));
}

int replay_command(const std::string& text, const std::string& report_dir, const std::string& format,
                   const std::string& command) {
  check_format(format);
  detail::ReplayToken token;
  try {
    token = detail::decode_token(text);
  } catch (const detail::TokenError& e) {
    throw UsageError(e.what());
  }
  if (const ScenarioInfo* info = find_scenario(token.scenario)) check_params(*info, token.params, "replay token parameter");
  if (!report_dir.empty()) check_report_dir(report_dir);
  if (format != "console") divert_stdout();
  detail::install_interrupt_handlers();
  detail::ReplayOutcome outcome;
  try {
    outcome = detail::replay(token, /*isolate=*/true);
  } catch (const detail::TokenError& e) {
    throw UsageError(e.what());
  } catch (const detail::ReplayDiverged& e) {
    throw UsageError(std::string("token does not replay on this build: ") + token.scenario + ": " + e.what());
  }
  report::RunReport rep;
  rep.version = TANGLE_VERSION;
  rep.strategy = "replay";
  rep.command = command;
  rep.scenarios.push_back(outcome.result);
  const std::string line = std::string("replay: ") + (outcome.reproduced ? "reproduced " : "did NOT reproduce ") +
                           std::string(report::to_string(token.kind)) + " with trace_hash " +
                           detail::hash_hex(token.trace_hash) + " (this execution: " + outcome.trace_hash + ")";
  const int written = finish_report(rep, report_output(report_dir, true, format), line);
  if (written != 0) return written;
  return outcome.reproduced ? 0 : 1;
}

int list_command(const std::vector<std::string>& patterns, const std::string& format) {
  write_scenario_list(select(patterns), format, std::cout);
  return 0;
}

int main_impl(int argc, char** argv) {
  CLI::App app{"tangle: concurrency correctness and stress-test harness"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(TANGLE_VERSION));
  std::string list_engine = "controlled", list_format = "console";
  std::vector<std::string> list_patterns;
  auto* list = app.add_subcommand("list", "List scenarios, their threads, parameters, descriptions and the findings "
                                          "they are expected to produce");
  list->add_option("patterns", list_patterns, "Glob(s) over scenario names, e.g. 'counter/*' (default: all)");
  list->add_option("--format", list_format, "console (aligned columns) | json")->capture_default_str();
  list->add_option("--engine", list_engine, "relacy: also say what Relacy can express (tangle-relacy list)")
      ->check(CLI::IsMember({"controlled", "stress", "relacy"}));
  CommonOptions run_opts, gate_opts;
  auto* run = app.add_subcommand("run", "Run scenarios; exit 0 when every outcome is as expected");
  add_run_options(run, run_opts);
  auto* gate = app.add_subcommand("gate", "CI gate: run and compare with expectations");
  add_run_options(gate, gate_opts);
  gate->add_option("--expect", gate_opts.expect_file, "File of 'name: kind[,kind]' / 'name: none' lines");
  std::string token, replay_dir, replay_format = "console";
  auto* replay = app.add_subcommand("replay", "Re-execute one recorded interleaving exactly");
  replay->add_option("token", token, "Replay token printed with a finding")->required();
  replay->add_option("--report-dir", replay_dir, "Also write reports of the replayed execution here");
  add_format_option(replay, replay_format);
  std::vector<std::string> merge_dirs;
  std::string merge_dir = "tangle-report", merge_format = "console";
  bool merge_quiet = false;
  auto* merge = app.add_subcommand("merge", "Merge the report directories of the shards of one run (--shard I/N) into one set");
  merge->add_option("dirs", merge_dirs, "Shard report directories, one per shard")->required();
  merge->add_option("--report-dir", merge_dir, "Where the merged report set goes")->capture_default_str();
  merge->add_flag("--quiet,-q", merge_quiet, "Print only the summary table");
  add_format_option(merge, merge_format);

  if (auto code = tangle::cli::parse_or_exit(app, argc, argv, "tangle")) return *code;
  const std::string command = command_line(argc, argv);
  if (list_engine == "relacy") exec_relacy({"list"});
  const bool relacy = (run->parsed() && run_opts.engine == "relacy") ||
                      (gate->parsed() && gate_opts.engine == "relacy") ||
                      (replay->parsed() && token.rfind("relacy:", 0) == 0);
  if (relacy) {
    // tangle-relacy takes tangle's options but has no --format yet.
    const std::string& format = run->parsed() ? run_opts.format : gate->parsed() ? gate_opts.format : replay_format;
    if (format != "console") {
      check_format(format);
      throw UsageError("--format " + format + " is not supported by the relacy engine yet (its reports are in --report-dir)");
    }
    exec_relacy({argv + 1, argv + argc});  // tangle-relacy takes tangle's options
  }
  if (run->parsed()) return run_command(run_opts, false, command);
  if (gate->parsed()) return run_command(gate_opts, true, command);
  if (replay->parsed()) return replay_command(token, replay_dir, replay_format, command);
  if (merge->parsed()) return merge_command(merge_dirs, report_output(merge_dir, !merge_quiet, merge_format), command);
  return list_command(list_patterns, list_format);
}

}  // namespace
}  // namespace tangle::cli

int tangle::cli::main(int argc, char** argv) {
  // Output into a closed pipe (`tangle list | head -1`) just stops: writes
  // fail with EPIPE instead of a SIGPIPE killing the process (exit 141).
  std::signal(SIGPIPE, SIG_IGN);
  using tangle::cli::one_line;
  try {
    return tangle::cli::main_impl(argc, argv);
  } catch (const tangle::cli::UsageError& e) {
    std::cerr << "tangle: " << one_line(e.what(), std::string::npos) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tangle: internal error: " << one_line(e.what(), std::string::npos) << "\n";
    return 3;
  }
}
