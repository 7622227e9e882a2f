// Command-line input shared by tangle and tangle-relacy: scenario selection
// by glob, --param parsing, --expect files, the report directory check, and
// the end of a run or gate (expectation overrides, "gate:" lines, exit code).
// Every input error is a UsageError: one line on stderr, exit code 2.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Limits of the numeric options (DESIGN.md §5), stated in --help and in the
// error. --depth: kMaxPctDepth (strategies/strategy.hpp).
inline constexpr std::uint64_t kMaxExecutions = std::numeric_limits<std::int64_t>::max();
inline constexpr std::uint64_t kMaxSteps = 1'000'000'000;
inline constexpr int kMaxJobs = 1024;
inline constexpr double kMaxWatchdogSeconds = 3600;
// 11.5 days: far beyond any run, and its milliseconds and nanoseconds fit int64.
inline constexpr double kMaxTimeBudgetSeconds = 1e6;

// Strict parsers of one command-line value. The whole string must be decimal
// digits with at most a leading '-' (no '+', spaces, hex or suffix), and the
// value within min..max: nothing wraps or clamps. `what` names the input in
// the message ("--depth", "--param threads"). Throw UsageError.
std::int64_t parse_int(const std::string& text, const std::string& what,
                       std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                       std::int64_t max = std::numeric_limits<std::int64_t>::max());
std::uint64_t parse_uint(const std::string& text, const std::string& what, std::uint64_t min = 0,
                         std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
// A finite decimal number of seconds in (0, max]: "2", "0.25", "1e-3".
double parse_seconds(const std::string& text, const std::string& what, double max);

// "min..max" as the messages and --help print a range.
std::string range_text(std::int64_t min, std::int64_t max);
std::string range_text(std::uint64_t min, std::uint64_t max);

// `text` made safe for a one-line message: control characters (a newline in
// an argument) become '?', and text beyond `limit` characters becomes "…".
std::string one_line(const std::string& text, std::size_t limit = 200);

// Registered scenarios matching any of the globs (all when none), by name.
// A glob that matches nothing is an error naming `list_command`.
std::vector<const ScenarioInfo*> select(const std::vector<std::string>& patterns,
                                        const std::string& list_command = "tangle list");

// NAME=VALUE items; NAME must be declared by a selected scenario, VALUE an
// int64 within the range of every selected scenario that declares NAME, and
// every selected scenario's thread count from its effective parameters within
// 1..kMaxScenarioThreads (check_params).
Params::Map parse_params(const std::vector<std::string>& items,
                         const std::vector<const ScenarioInfo*>& selected);

// Parameter overrides for one scenario, from --param (`source` "--param") or a
// replay token ("replay token parameter"): each declared name within its
// range, and the thread count they give within 1..kMaxScenarioThreads.
void check_params(const ScenarioInfo& info, const Params::Map& overrides, const std::string& source);

// Expected finding kinds by scenario name, as read from an --expect file.
using Expectations = std::map<std::string, std::vector<report::FindingKind>>;

// --expect FILE: lines "name: kind[,kind]" or "name: none"; '#' starts a comment.
// FILE must be a readable regular file (a directory is an error, not empty).
Expectations read_expect_file(const std::string& path);

// When `expectations` names `scenario`: its kinds replace result.expected and
// the verdict (and verdict_reason) is judged again against them. `strict`
// (--strict-expect): judged again in any case, every expected kind required.
void apply_expectations(const Expectations& expectations, const std::string& scenario,
                        report::ScenarioResult& result, bool strict = false);

// The exit code of run and gate: 0 when every scenario passed, else 1. With
// `gate`, also prints "gate: PASS — …" or "gate: FAIL — unexpected outcomes:"
// followed by one "  name: reason" line per failed scenario.
int finish_gate(const report::RunReport& rep, bool gate, std::ostream& out);

// Where and how a binary ends with its reports.
struct ReportOutput {
  std::string tool;         // "tangle", "tangle-relacy": the prefix of the stderr line
  std::string source_root;  // the binary's TANGLE_SOURCE_ROOT (source links in the reports)
  std::string dir;          // --report-dir; "" for none
  bool details = true;      // the console's finding details (false with -q)
  // --format: the registered reporter (tangle/report/reporter.hpp) whose
  // document is all of stdout. "console": today's human output on stdout.
  // Any other: the document on stdout, and every human line (the console,
  // replay:, gate:, report:) on stderr.
  std::string format = "console";
};

// --format F: a UsageError naming the formats unless F is registered.
void check_format(const std::string& format);

// With a document on stdout, nothing else may reach stdout while the run
// goes on: divert_stdout() points fd 1 at stderr (progress, scenario code's
// prints and supervised children, which inherit fd 1, all land on stderr)
// until restore_stdout() flushes and puts the original back. Both are
// idempotent, and finish_report calls restore_stdout itself. Threading: the
// main thread, while no other thread writes stdout. Cost: a few syscalls.
void divert_stdout();
void restore_stdout();

// The human text first — the verdict reaches the user even when the report
// directory cannot be written — then `last_line` (if any), then, with a
// --format other than console, its document on stdout, then the report set
// and its "report: …/index.html" line. The document and the set carry one
// run_id (made here when `rep` has none). Returns 0, or 3 after one line on
// stderr naming the file that could not be written.
// The report's replay_command is this program's (replay_program).
int finish_report(const report::RunReport& rep, const ReportOutput& output, const std::string& last_line = "");

// What replays this program's tokens: "tangle replay" for tangle and
// tangle-relacy (on PATH once installed); any other program with tangle's CLI
// (tangle::main, tangle_add_scenarios) alone has its scenarios, so it names
// itself by absolute path, shell-quoted: "'/abs/bank-tangle' replay".
std::string replay_program();

// `text` as one word for a POSIX shell: in single quotes, each ' as '\''.
std::string shell_quote(const std::string& text);

// Where the human lines go: std::cout with --format console, else std::cerr.
std::ostream& human_stream(const ReportOutput& output);

// The end of run and gate: finish_report (the console writer says when the
// run was cut short or a scenario is incomplete), then the exit code — 128+N
// when signal N interrupted the run (rep.interrupted; 130 for SIGINT, 143 for
// SIGTERM) after a "run interrupted by …" line, 3 when the report could not be
// written, else finish_gate's. Those lines go to human_stream(output).
int finish_run(const report::RunReport& rep, const ReportOutput& output, bool gate);

// Creates `dir` if needed and proves it writable before anything runs.
void check_report_dir(const std::string& dir);

std::string command_line(int argc, char** argv);

// `tangle list`: the scenarios as aligned columns (NAME, EXPECTED, THREADS,
// PARAMETERS, DESCRIPTION; every cell terminal-safe and padded by display
// width), or with `format` "json" one document: {"scenarios": [{"name",
// "description", "expected": [kinds], "threads", "params": {NAME: {"default",
// "min", "max"}}, "file", "spawns_threads"}]}. Another format is a UsageError.
void write_scenario_list(const std::vector<const ScenarioInfo*>& scenarios, const std::string& format,
                         std::ostream& out);

}  // namespace tangle::cli
