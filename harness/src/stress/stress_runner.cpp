#include "stress/stress_runner.hpp"
#include "stress/tsan_reports.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "isolation/crash_capture.hpp"
#include "isolation/isolation.hpp"
#include "result_json.hpp"
#include "rng.hpp"
#include "runner.hpp"
#include "source_path.hpp"
#include "stress/stress_engine.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::detail {
namespace {

using Clock = std::chrono::steady_clock;
using report::FindingKind;

// Deduplication key of a reported finding, for the merges that have only
// report findings (a child's JSON result, TSan's reports): the rule of
// finding_signature (kind + source lines, the message when there is none)
// over the report's location strings, plus the source.
std::string key_of(const report::Finding& f) {
  std::string key(to_string(f.kind));
  if (f.kind == FindingKind::data_race) {
    // One racing pair, whichever access came first (finding_signature): the
    // lines unordered, and the variable as data_race_message words it
    // ("data race on NAME: ..."; a NAME holding ": " is cut there, the same
    // way every time).
    std::vector<std::string> lines = f.locations;
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) key.append("|").append(l);
    key.append("|").append(f.message, 0, f.message.find(": "));
    if (f.source != "tangle") key.append("|").append(f.source);
    return key;
  }
  for (const auto& l : f.locations) key += "|" + l;
  if (f.locations.empty()) key += "|" + f.message;
  if (f.source != "tangle") key += "|" + f.source;  // TSan's report and ours stay apart
  return key;
}

// The report's finding for an engine finding. Stress findings carry no
// trace and no replay token (real threads' interleavings are not recorded).
report::Finding convert(const RawFinding& s, std::uint64_t execution) {
  report::Finding f;
  f.kind = s.kind;
  f.message = s.message;
  f.threads = s.threads;
  for (const Loc& l : s.locs) {
    std::string where = location_string(l);
    if (std::find(f.locations.begin(), f.locations.end(), where) == f.locations.end())
      f.locations.push_back(std::move(where));
  }
  f.cycle = s.cycle;
  f.first_execution = execution;
  return f;
}

// Adds `f` to `into` unless a finding with its key is there (then counts it).
// Returns true when it was new.
bool merge_finding(report::ScenarioResult& into, std::unordered_map<std::string, std::size_t>& seen,
                   report::Finding f) {
  auto [it, inserted] = seen.try_emplace(key_of(f), into.findings.size());
  if (inserted) {
    into.findings.push_back(std::move(f));
    return true;
  }
  report::Finding& g = into.findings[it->second];
  g.occurrences += f.occurrences;
  g.first_execution = std::min(g.first_execution, f.first_execution);
  return false;
}

std::string to_json(const report::ScenarioResult& r) { return result_to_json(r, "stress"); }
report::ScenarioResult from_json(const std::string& text) { return result_from_json(text); }

// What the parent learns from one child: its final result, or what it said
// before it crashed or was killed, plus the finding that explains the end.
report::ScenarioResult result_of_child(const ScenarioInfo& info, const Params& params,
                                       const IsolatedOutcome& out, const ChildRecord& record) {
  const Frame* last_result = nullptr;
  const Frame* last_snapshot = nullptr;
  std::uint64_t begun = 0;
  for (const Frame& f : out.frames) {
    if (f.type == 'R') last_result = &f;
    if (f.type == 'S') last_snapshot = &f;
    if (f.type == 'H') begun = std::max<std::uint64_t>(begun, std::stoull(f.payload));
    if (f.type == 'X') throw std::runtime_error("stress child failed: " + f.payload);
  }
  if (out.end == IsolatedOutcome::End::fork_failed)
    throw std::runtime_error("cannot fork a stress child process");
  // A final result is complete even if the process died while exiting.
  if (last_result != nullptr) return from_json(last_result->payload);

  report::ScenarioResult r =
      last_snapshot != nullptr ? from_json(last_snapshot->payload) : empty_result(info, params);
  r.executions = std::max(r.executions, begun);
  report::Finding f;
  f.first_execution = std::max<std::uint64_t>(begun, 1);
  if (record.cause != DeathCause::none && out.reason != IsolatedOutcome::KillReason::interrupted) {
    // The child's handler said what ended it (crash_capture.hpp), even if
    // the process then failed to finish dying and was killed.
    f.kind = FindingKind::crash;
    f.first_execution = record.execution.load() + 1;
    r.executions = std::max(r.executions, f.first_execution);
    f.message = crash_capture::describe_death(record, record.in_engine_thread ? "the scenario" : "a scenario thread", "",
                                              0) +
                " (execution " + std::to_string(f.first_execution) + " of the batch)";
  } else
  switch (out.end) {
    case IsolatedOutcome::End::signaled:
      f.kind = FindingKind::crash;
      f.message = "the scenario process was killed by " + signal_description(out.signal);
      break;
    case IsolatedOutcome::End::killed: {
      using Reason = IsolatedOutcome::KillReason;
      if (out.reason == Reason::interrupted || out.reason == Reason::deadline) {
        // Stopped by us (a signal to the run, or its time budget): no finding.
        r.complete = false;
        r.incomplete_reason = out.reason == Reason::interrupted ? "interrupted by " + signal_name(interrupt_signal())
                                                                : "the time budget was spent";
        return r;
      }
      // The child's own watchdog did not answer. What it said so far explains
      // the stall when it was a deadlock it could not unwind.
      for (const auto& g : r.findings)
        if (g.kind == FindingKind::deadlock || g.kind == FindingKind::hang) return r;
      if (out.reason == Reason::stopped) {
        f.kind = FindingKind::crash;
        f.message = "the scenario stopped its process with " + signal_name(out.stop_signal) +
                    "; it was killed (SIGKILL)";
        break;
      }
      f.kind = FindingKind::hang;
      f.message = "the scenario process sent nothing for " +
                  std::to_string(out.silent_for.count()) +
                  " ms and was killed (SIGKILL): it stopped making progress";
      break;
    }
    case IsolatedOutcome::End::exited:
      f.kind = FindingKind::crash;
      f.message = "the scenario process exited with code " + std::to_string(out.exit_code) +
                  " in the middle of an execution";
      break;
    case IsolatedOutcome::End::fork_failed:
      break;
  }
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < r.findings.size(); ++i) seen.emplace(key_of(r.findings[i]), i);
  if (!r.first_failure_execution) r.first_failure_execution = f.first_execution;
  merge_finding(r, seen, std::move(f));
  return r;
}

}  // namespace

std::uint64_t job_seed(std::uint64_t seed, int job, int jobs) {
  return jobs <= 1 ? seed : mix_seed(seed, 0x5eed0000ULL + static_cast<std::uint64_t>(job));
}

report::ScenarioResult run_stress_batch(const ScenarioInfo& info, const Params& params,
                                        const StressOptions& options, std::uint64_t batch_seed,
                                        std::uint64_t executions, const BatchHooks& hooks,
                                        bool* unjoinable) {
  const auto start = Clock::now();
  report::ScenarioResult r = empty_result(info, params);
  StressEngineOptions eo;
  eo.watchdog_ms = options.watchdog_ms;
  eo.execution_timeout_ms = options.execution_timeout_ms;
  eo.race_detection = options.race_detection;
  eo.perturb = options.perturb;
  auto engine = std::make_unique<StressEngine>(info, params, eo);
  r.threads = engine->threads();

  std::unordered_map<std::string, std::size_t> seen;
  std::uint64_t i = 0;
  engine->on_finding = [&](const RawFinding& s) {
    if (!r.first_failure_execution) r.first_failure_execution = i + 1;
    if (merge_finding(r, seen, convert(s, i + 1)) && hooks.on_change) {
      r.executions = i + 1;
      r.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
      hooks.on_change(r);
    }
  };
  if (hooks.on_tick) engine->on_tick = [&] { hooks.on_tick(i + 1); };
  bool stuck = false;
  for (; i < executions; ++i) {
    if (i > 0 && options.time_budget_s > 0 &&
        std::chrono::duration<double>(Clock::now() - start).count() >= options.time_budget_s)
      break;
    if (hooks.on_tick) hooks.on_tick(i + 1);
    tsan::start_capture();
    const StressExecution& exec = [&]() -> const StressExecution& {
      crash_capture::ExecutionScope scope(i);  // an exit or a fault now is the scenario's doing
      return engine->run(mix_seed(batch_seed, i));
    }();
    tsan::stop_capture();
    r.steps += exec.operations;
    // ThreadSanitizer's own reports (tsan preset), as findings of this scenario.
    for (report::Finding& f : tsan::drain()) {
      f.first_execution = i + 1;
      if (!r.first_failure_execution) r.first_failure_execution = i + 1;
      if (merge_finding(r, seen, std::move(f)) && hooks.on_change) {
        r.executions = i + 1;
        hooks.on_change(r);
      }
    }
    if (exec.unjoinable) {
      stuck = true;
      ++i;
      break;
    }
  }
  r.executions = i;
  if (stuck) (void)engine.release();  // a detached thread still uses it
  if (unjoinable != nullptr) *unjoinable = stuck;
  r.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  judge_result(r);
  return r;
}

report::ScenarioResult run_scenario_stress(const ScenarioInfo& info, const Params& params,
                                           const StressOptions& options) {
  const auto start = Clock::now();
  const int jobs = std::max(1, options.jobs);
  std::vector<std::uint64_t> quota(static_cast<std::size_t>(jobs), options.executions / jobs);
  for (std::uint64_t k = 0; k < options.executions % jobs; ++k) ++quota[k];

  std::vector<report::ScenarioResult> parts;
  if (options.isolate) {
    std::vector<std::function<int(Channel&)>> fns;
    std::vector<std::unique_ptr<ChildRecordMapping>> records;  // one per child, shared with it
    for (int j = 0; j < jobs; ++j) records.push_back(std::make_unique<ChildRecordMapping>(0, 0, 0));
    for (int j = 0; j < jobs; ++j) {
      fns.push_back([&, j](Channel& ch) {
        // Exits and fatal signals are recorded and end the process at once
        // (no atexit handlers, no TSan finalizer); nothing is copied.
        crash_capture::arm(records[static_cast<std::size_t>(j)]->record(), nullptr, std::chrono::milliseconds(0));
        auto last_beat = Clock::now();
        bool parent_gone = false;
        BatchHooks hooks;
        hooks.on_change = [&](const report::ScenarioResult& so_far) {
          parent_gone |= !ch.send('S', to_json(so_far));
        };
        hooks.on_tick = [&](std::uint64_t begun) {
          const auto now = Clock::now();
          if (now - last_beat < std::chrono::milliseconds(100) || parent_gone) return;
          last_beat = now;
          parent_gone |= !ch.send('H', std::to_string(begun));
        };
        report::ScenarioResult r = run_stress_batch(info, params, options,
                                                    job_seed(options.seed, j, jobs),
                                                    quota[static_cast<std::size_t>(j)], hooks);
        ch.send('R', to_json(r));
        return 0;
      });
    }
    IsolationLimits limits;
    // The child's driver beats every 100 ms whatever its threads do; silence
    // means the process itself is wedged.
    limits.stall_timeout =
        std::chrono::milliseconds(std::max<std::int64_t>(3000, 3LL * options.watchdog_ms));
    // The budget is a hard limit (the run's, DESIGN.md), with a grace for
    // the execution in progress to end and report (two watchdog periods and
    // 5 s — real threads run long executions): a child still busy then is
    // killed, and the scenario is reported incomplete, not as a finding.
    if (options.time_budget_s > 0)
      limits.deadline = std::chrono::milliseconds(static_cast<std::int64_t>(options.time_budget_s * 1000) +
                                                  2LL * options.watchdog_ms + 5000);
    const std::vector<IsolatedOutcome> outcomes = run_isolated(fns, limits);
    for (std::size_t j = 0; j < outcomes.size(); ++j)
      parts.push_back(result_of_child(info, params, outcomes[j], records[j]->record()));
  } else {
    parts.resize(static_cast<std::size_t>(jobs));
    std::vector<std::thread> threads;
    for (int j = 1; j < jobs; ++j)
      threads.emplace_back([&, j] {
        parts[j] = run_stress_batch(info, params, options, job_seed(options.seed, j, jobs),
                                    quota[static_cast<std::size_t>(j)]);
      });
    parts[0] = run_stress_batch(info, params, options, job_seed(options.seed, 0, jobs), quota[0]);
    for (auto& t : threads) t.join();
  }

  // Merge: executions and steps add up; a finding seen by several jobs is one
  // finding; first_* are per-job execution indices, the smallest wins.
  report::ScenarioResult r = empty_result(info, params);
  std::unordered_map<std::string, std::size_t> seen;
  for (auto& p : parts) {
    r.executions += p.executions;
    r.steps += p.steps;
    if (p.first_failure_execution &&
        (!r.first_failure_execution || *p.first_failure_execution < *r.first_failure_execution))
      r.first_failure_execution = p.first_failure_execution;
    for (auto& f : p.findings) merge_finding(r, seen, std::move(f));
    if (!p.complete && r.complete) {
      r.complete = false;
      r.incomplete_reason = p.incomplete_reason;
    }
  }
  r.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  judge_result(r);
  return r;
}

}  // namespace tangle::detail
