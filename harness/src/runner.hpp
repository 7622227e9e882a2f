// Runs a scenario for many executions and turns what the engine saw into the
// plain-data report model: findings deduplicated by kind and source lines
// (the first occurrence keeps its trace and replay token), a verdict against
// the expectations.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "controlled/engine.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"
#include "token.hpp"

namespace tangle::detail {

// Purity (DESIGN.md §2): execution i of a run is a function of (scenario,
// params, strategy, seed, i) alone, whatever ran before it, so a supervised
// child restarted after a death, a job or a shard reproduces it. What the
// strategy and the engine would otherwise learn as they go — PCT's k (the
// decisions to expect per execution) and whether the scenario races (then
// Shared<T> accesses are scheduling points from the start: Granularity) — is
// learned from the run's first kCalibrationExecutions executions only, which
// themselves run with fixed defaults (k = kDefaultPctK, no race assumed; a
// race still makes the rest of its own execution fine-grained). Executions
// from kCalibrationExecutions on use what those saw. A loop that starts past
// them (a shard) re-runs the missing ones silently first.
inline constexpr std::uint64_t kCalibrationExecutions = 8;
inline constexpr std::uint64_t kTraceContext = 8;
inline constexpr std::uint64_t kDefaultPctK = 16;
struct Calibration {
  std::uint64_t counted = 0;        // executions [0, counted) are in it
  std::uint64_t max_decisions = 0;  // the most schedule entries among them
  bool race_seen = false;           // one of them found a data race
  bool complete() const { return counted >= kCalibrationExecutions; }
  void add(std::uint64_t decisions, bool race) {
    max_decisions = std::max(max_decisions, decisions);
    race_seen = race_seen || race;
    ++counted;
  }
  // What execution i runs with. Never below the default: PCT's change
  // points must be able to fall anywhere an execution may reach, and
  // calibration executions that ran coarse-grained (before a race switched
  // Shared<T> accesses to points) saw fewer decisions than later ones make.
  std::uint64_t pct_k(std::uint64_t i) const {
    return i < kCalibrationExecutions || !complete() ? kDefaultPctK : std::max(max_decisions, kDefaultPctK);
  }
  bool data_points(std::uint64_t i) const { return i >= kCalibrationExecutions && complete() && race_seen; }
};

// The execution indices one worker of a run takes (jobs, shards): i with
// i % count == index. Interleaved, not contiguous: every worker starts at the
// low indices, so a bug found early in the index range is found early by
// some worker, and a run cut short by a time budget has covered an almost
// gap-free prefix. Slices compose: job j of J within shard I of N is
// {I + N*j, N*J}. The union of the slices of [0, n) is [0, n), so N workers
// run exactly the executions one would.
struct Slice {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
  bool contains(std::uint64_t i) const { return i % count == index; }
  // The first member >= i.
  std::uint64_t first_from(std::uint64_t i) const {
    const std::uint64_t r = i % count;
    return r <= index ? i - r + index : i - r + count + index;
  }
  // The members in [from, to).
  std::uint64_t members(std::uint64_t from, std::uint64_t to) const {
    const std::uint64_t first = first_from(from);
    return first >= to ? 0 : (to - 1 - first) / count + 1;
  }
  // The member `n` members after the first one >= from.
  std::uint64_t advance(std::uint64_t from, std::uint64_t n) const { return first_from(from) + n * count; }
  Slice within(const Slice& inner) const { return {index + count * inner.index, count * inner.count}; }
};

struct RunOptions {
  std::string strategy = "pct";  // random | pct
  int depth = 3;                 // PCT bug depth
  std::uint64_t seed = 1;
  std::uint64_t executions = 10000;
  double time_budget_s = 0;      // 0: no budget; else stop when spent
  EngineOptions engine;
  // Events kept per finding in the report: the last trace_tail of the
  // execution (all of it when shorter — the HTML's "whole trace"), plus
  // every event the finding names with kTraceContext events on each side,
  // however early (the reports' excerpts are centred on those).
  std::size_t trace_tail = 1000;
  // Executions in supervised child processes (isolation/supervised_runner.hpp):
  // a crash, exit, stop or spin of scenario code is a finding, never the end
  // of this process. Off: in this process (tests of the engine itself).
  bool isolate = false;
  double watchdog_s = 1;         // isolated: no tangle operation this long is a hang
  double deadline_s = 0;         // isolated: hard wall-clock limit for the scenario (0: none)
  Calibration calibration;       // what is known of executions [0, kCalibrationExecutions) already
  Slice slice;                   // the indices of [0, executions) this worker runs (jobs, shards)
};

// Called now and then from the run loop with executions done so far and the
// distinct findings among them.
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t findings)>;

// One execution as a finding's report needs it: the engine's own (in this
// process) or a snapshot copied out of a child that died (snapshot.hpp).
struct ExecutionView {
  std::span<const TraceEntry> trace;  // the whole trace, or its tail
  std::uint64_t trace_offset = 0;     // index of trace[0] in the execution
  std::uint64_t trace_length = 0;     // events in the whole execution
  std::uint64_t trace_hash = 0;
  std::function<std::string(ObjectId)> object_name;
  std::span<const std::uint32_t> schedule;
  bool data_points = false;
  bool replayable = true;             // false: no token (the schedule was not kept)
  std::uint64_t pct_k = 0;            // the k it ran with (PCT), for its token
};
ExecutionView view_of(const ControlledEngine& engine);

// The report's finding for `raw` of execution number `execution` (1-based).
report::Finding convert_finding(const ExecutionView& view, const RawFinding& raw, const ScenarioInfo& info,
                                const Params& params, const RunOptions& options, std::uint64_t execution);

// Executions [first, last) of options.slice in this process, execution i
// seeded mix_seed(seed, i); r.executions counts those run. `on_new_finding` sees each finding the first time this
// loop meets it (with its dedup signature); `on_tick` is called every 64
// executions with the result so far (findings, occurrences, steps) and the
// number done.
struct LoopHooks {
  std::function<void(const ControlledEngine&)> on_engine;  // once, before the first execution
  std::function<void()> on_engine_done;                     // once, after the last, before it is destroyed
  std::function<void(const report::Finding&, std::uint64_t signature)> on_new_finding;
  std::function<void(const report::ScenarioResult& so_far, std::uint64_t done)> on_tick;
  std::function<void(const Calibration&)> on_calibrated;  // after each calibration execution
};
report::ScenarioResult run_executions(const ScenarioInfo& info, const Params& params, const RunOptions& options,
                                      std::uint64_t first, std::uint64_t last, const LoopHooks& hooks = {});

// Runs the calibration executions [calibration.counted, upto) it lacks
// (upto <= kCalibrationExecutions), reporting nothing but calling
// `on_calibrated` after each; a loop that starts mid-run (a shard, a
// benchmark) calls this first.
void complete_calibration(ControlledEngine& engine, const RunOptions& options, Calibration& calibration,
                          std::uint64_t upto, const std::function<void(const Calibration&)>& on_calibrated = {});

// Declared defaults overridden by `overrides` (names the scenario does not
// declare are ignored here; the CLI rejects names no selected scenario has).
Params effective_params(const ScenarioInfo& info,
                        const Params::Map& overrides);

// The run's strategy for executions with PCT parameter `pct_k`.
std::unique_ptr<Strategy> make_strategy(const RunOptions& options, std::uint64_t pct_k = kDefaultPctK);

// A result with the scenario's identity filled in (name, parameters as
// strings, expectations, thread count) and nothing run yet: every engine's
// runner starts from it.
report::ScenarioResult empty_result(const ScenarioInfo& info, const Params& params);

// `options.executions` executions (isolated or in this process, by
// `options.isolate`), deduplicated, judged.
report::ScenarioResult run_scenario(const ScenarioInfo& info, const Params& params,
                                    const RunOptions& options, const ProgressFn& progress = {});

// Re-executes the token's schedule once. `reproduced`: a finding of the
// token's kind with the token's trace_hash was found again.
struct ReplayOutcome {
  report::ScenarioResult result;
  bool reproduced = false;
  std::string trace_hash;  // of the replayed execution
};
// Throws TokenError (unknown scenario or parameters) or ReplayDiverged (the
// schedule does not fit this build). `isolate`: in a supervised child, so a
// replay of a crash reports it instead of crashing this process.
ReplayOutcome replay(const ReplayToken& token, bool isolate = false);
// The replay in this process; `on_engine` sees the engine before it runs.
ReplayOutcome replay_here(const ReplayToken& token,
                          const std::function<void(const ControlledEngine&)>& on_engine = {});
// The scenario and effective parameters a token names (throws TokenError).
const ScenarioInfo& token_scenario(const ReplayToken& token, Params* params);
// The options a replay of `token` runs with (step bound, granularity).
RunOptions replay_options(const ReplayToken& token);

// Stress → replay: tries to reproduce each finding of a stress run on the
// controlled engine (PCT, a bounded number of executions), first with the
// same parameters, then — when those are too large to explore, e.g. 500,000
// iterations — with the scenario's declared defaults. A reproduced finding
// gets the controlled engine's replay token, trace and trace_hash; every
// finding gets a `replay_note` saying what happened.
void attach_controlled_replays(const ScenarioInfo& info, const Params& params,
                               report::ScenarioResult& stress_result);

// "2.5", "10", "0.001": seconds as a person writes them.
std::string format_seconds(double seconds);

// The verdict rule. A clean scenario (nothing expected) passes when nothing
// was found. A buggy one passes when at least one finding was made and every
// finding's kind is in the expected set — by default not every expected kind
// need show up (prodcons/if-not-while passes on its invariant_violation
// alone: which of its bugs an interleaving reaches is chance); `strict`
// (--strict-expect) also requires each expected kind to be found.
report::Verdict judge(const std::vector<report::FindingKind>& expected,
                      const std::vector<report::Finding>& findings, std::string* reason, bool strict = false);
// Sets r.verdict and r.verdict_reason by judge(), except that a scenario
// stopped before its first execution (incomplete, nothing run, nothing
// found) fails with its incomplete_reason: it checked nothing. Every engine
// and the CLI's --expect judge results through this one rule.
void judge_result(report::ScenarioResult& r, bool strict = false);
// A scenario the run stopped before it began: incomplete ("not run: " + why),
// judged (so failed).
report::ScenarioResult not_run(const ScenarioInfo& info, const Params& params, const std::string& why);

}  // namespace tangle::detail
