// Plain-data report model: what one `tangle run` produced.
//
// Stages talk through plain data (execution -> trace -> findings -> report), as
// TSan's tsan_report.h does: building a report and printing it are separate
// steps, and every writer (console, JSON, JUnit, SARIF, HTML) reads only these
// structs. Nothing here points back into the engine.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tangle::report {

// The finding kinds of DESIGN.md §3; their strings are a contract.
enum class FindingKind {
  data_race,
  deadlock,
  self_deadlock,
  lock_order_inversion,
  semaphore_overrelease,
  unlock_not_owner,
  invariant_violation,
  hang,
  livelock,
  crash,
  tsan_report,
};
inline constexpr int kFindingKindCount = 11;
// Every kind once, in declaration order. Writers iterate this, never a range
// of integers, and print kinds only through to_string.
inline constexpr FindingKind kAllFindingKinds[] = {
    FindingKind::data_race,        FindingKind::deadlock,
    FindingKind::self_deadlock,    FindingKind::lock_order_inversion,
    FindingKind::semaphore_overrelease, FindingKind::unlock_not_owner,
    FindingKind::invariant_violation,   FindingKind::hang,
    FindingKind::livelock,         FindingKind::crash,
    FindingKind::tsan_report,
};
static_assert(std::size(kAllFindingKinds) == kFindingKindCount, "a FindingKind is missing from kAllFindingKinds");

std::string_view to_string(FindingKind kind);
std::optional<FindingKind> parse_kind(std::string_view text);
// One sentence in plain words: what this kind means and why it matters.
std::string_view explain(FindingKind kind);

// One instrumented operation of the interleaving, in execution order.
struct TraceEvent {
  std::uint64_t step = 0;   // index of the event in the execution (0-based)
  int thread = 0;           // scenario thread index
  std::string op;           // "lock", "unlock", "read", "write", "wait", ...
  std::string object;       // the object's name, e.g. "mutex A" or "counter"
  std::string location;     // "scenarios/counter/unprotected.cpp:31"
  std::string detail;       // e.g. "value=3", "blocked", "" (free text)
  bool highlight = false;   // part of the finding (racing access, blocking op)
};

// One edge of a wait-for cycle (deadlock) or lock-order cycle (inversion):
// `thread` holds `holds` (may be empty) and waits for / then acquired `wants`,
// which is held by (or was taken first by) `other_thread` (-1: nobody).
struct CycleEdge {
  int thread = 0;
  std::string holds;
  std::string wants;
  int other_thread = -1;
  std::string location;  // where `thread` asked for `wants`
};

struct Finding {
  FindingKind kind = FindingKind::crash;
  std::string message;                 // one line, plain words
  std::vector<int> threads;            // the threads involved
  std::vector<std::string> locations;  // source lines, most relevant first
  std::string replay;                  // token for `tangle replay`
  std::string replay_note;             // stress: whether/how the controlled engine reproduced it
  std::string trace_hash;              // identical on every replay
  std::vector<TraceEvent> trace;       // the interleaving (tail, if long)
  std::uint64_t trace_length = 0;      // events in the whole execution
  std::vector<CycleEdge> cycle;        // deadlock / lock_order_inversion
  std::string source = "tangle";       // "tangle" or "tsan"
  std::vector<std::vector<std::string>> stacks;  // TSan: one stack per access
  std::uint64_t first_execution = 0;   // execution index that found it
  std::uint64_t occurrences = 1;       // executions that found the same one
  // The engine's dedup key (kind and source lines), hex; "" where the engine
  // has none. `tangle merge` deduplicates shards' findings by it, exactly as
  // one run would have.
  std::string signature;
};

enum class Verdict { pass, fail };
std::string_view to_string(Verdict verdict);

struct ScenarioResult {
  std::string name;
  std::map<std::string, std::string> params;  // effective parameters
  int threads = 0;
  std::vector<FindingKind> expected;  // empty: clean scenario
  Verdict verdict = Verdict::pass;
  std::string verdict_reason;         // why it failed, in plain words
  std::uint64_t executions = 0;
  std::optional<std::uint64_t> first_failure_execution;
  double duration_s = 0;
  std::uint64_t steps = 0;            // scheduling points over all executions
  std::vector<Finding> findings;
  bool complete = true;               // false: stopped before all its executions ran
  std::string incomplete_reason;      // why (time budget, interruption, crashes)
};

struct RunReport {
  std::string tool = "tangle";
  std::string version;
  std::string engine = "controlled";
  std::string strategy = "random";
  int depth = 0;                      // PCT depth (0 when not PCT)
  std::string granularity;            // controlled engine: sync | all ("" otherwise)
  std::uint64_t seed = 0;
  std::string command;                // the command line that produced it
  // What replays this run's tokens (printed before each token): the tangle
  // CLI, or a program of the user's own scenarios with tangle's CLI, which
  // alone has them. Not in results.json.
  std::string replay_command = "tangle replay";
  double duration_s = 0;
  std::vector<ScenarioResult> scenarios;
  std::string run_id;                 // one per run, in every file of the set
  std::string interrupted;            // "" or the signal that stopped the run ("SIGINT")
  std::string cut_short;              // "" or why the run stopped before doing all its work
  // Shards (`--shard I/N`, `tangle merge`): `fingerprint` identifies the run
  // a shard belongs to (binary, options, seed, scenarios: the same for every
  // shard of one run, and for the merged set); shard_count 0: not a shard.
  std::string fingerprint;
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 0;
};

}  // namespace tangle::report
