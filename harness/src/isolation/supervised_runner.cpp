#include "isolation/supervised_runner.hpp"

#include <dlfcn.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "isolation/crash_capture.hpp"
#include "isolation/isolation.hpp"
#include "object_names.hpp"
#include "source_path.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::detail {
namespace {

using Clock = std::chrono::steady_clock;
using report::FindingKind;

// ---------------------------------------------------------------------------
// Frames between child and parent.

std::string finding_frame(const report::Finding& f, std::uint64_t signature) {
  report::RunReport run;
  run.scenarios.emplace_back().findings.push_back(f);
  std::ostringstream out;
  out << signature << "\n";
  report::write_json(run, out);
  return out.str();
}

std::pair<std::uint64_t, report::Finding> parse_finding_frame(const std::string& payload) {
  std::istringstream in(payload);
  std::uint64_t signature = 0;
  in >> signature;
  report::RunReport run = report::read_json(in);
  if (run.scenarios.size() != 1 || run.scenarios[0].findings.size() != 1)
    throw std::runtime_error("a supervised child sent a malformed finding");
  return {signature, std::move(run.scenarios[0].findings[0])};
}

// "executions steps occurrences…" of the child's own findings, in its order.
std::string counters_frame(const report::ScenarioResult& r, std::uint64_t executions) {
  std::string s = std::to_string(executions) + " " + std::to_string(r.steps);
  for (const auto& f : r.findings) s.append(" ").append(std::to_string(f.occurrences));
  return s;
}

struct Counters {
  std::uint64_t executions = 0, steps = 0;
  std::vector<std::uint64_t> occurrences;
};
Counters parse_counters(const std::string& payload) {
  std::istringstream in(payload);
  Counters c;
  in >> c.executions >> c.steps;
  for (std::uint64_t n; in >> n;) c.occurrences.push_back(n);
  return c;
}

// ---------------------------------------------------------------------------
// A finding made of a child's death.

// An object's name from a snapshot: the pointer was the child's; it is ours
// too only where it points into a loaded object's image (a string literal).
std::string snapshot_object_name(const ExecutionSnapshot& s, ObjectId id) {
  if (id == kNoObject || id >= s.objects_total) return "";
  if (id >= s.object_capacity) return std::string("object #") + std::to_string(id);
  const SnapshotObject& o = s.objects()[id];
  Dl_info where{};
  const bool readable = o.name != nullptr && ::dladdr(o.name, &where) != 0;
  return display_name(o.kind, readable ? o.name : nullptr, id);
}

bool readable_loc(const Loc& l) {
  Dl_info where{};
  return l.file != nullptr && ::dladdr(l.file, &where) != 0;
}

// " at FILE:LINE", or nothing for an event without a line (thread start/end).
std::string at_loc(const Loc& l) { return readable_loc(l) && l.line() > 0 ? " at " + location_string(l) : ""; }

struct Death {
  report::Finding finding;
  std::uint64_t signature = 0;
  std::uint64_t execution = 0;  // absolute index of the execution that ended the process
  std::uint64_t decisions = 0;  // its schedule entries so far (calibration, runner.hpp)
  bool known = false;           // false: no death to report (e.g. the parent killed it for time)
};

// The finding for a child that ended without its final frame. `record` is
// what its handler wrote (when death_state == 2), `out` how the process ended.
Death death_of(const ChildRecord& record, const IsolatedOutcome& out, const ScenarioInfo& info, const Params& params,
               const RunOptions& options) {
  Death d;
  d.execution = record.execution.load();
  // The cause is written first; a process that then failed to finish dying
  // (killed after the grace) still says what ended it, without the copy.
  const bool recorded = record.cause != DeathCause::none;
  const ExecutionSnapshot& s = record.snapshot;
  // The handler copied the execution only when one was in progress.
  const bool have_snapshot = record.death_state.load() == 2 && recorded && record.in_execution.load() != 0;
  if (!recorded && out.end == IsolatedOutcome::End::killed &&
      (out.reason == IsolatedOutcome::KillReason::deadline ||
       out.reason == IsolatedOutcome::KillReason::interrupted))
    return d;  // stopped by us: no finding
  d.known = true;

  RawFinding raw;
  raw.kind = FindingKind::crash;
  const int current = have_snapshot ? s.current : -1;
  std::string where = "the scenario";
  if (recorded && !record.in_engine_thread) {
    where = "a thread tangle does not control";
  } else if (have_snapshot) {
    if (s.phase == ExecutionSnapshot::Phase::construct) where = "the scenario's constructor";
    else if (s.phase == ExecutionSnapshot::Phase::check) where = "check()";
    else if (current >= 0) where = thread_display_name(current);
  }
  if (current >= 0) raw.threads.push_back(current);

  // The last operation of the thread that did it: the line findings point at.
  std::string last_op;
  const std::uint64_t offset = have_snapshot ? s.trace_length - s.trace_stored : 0;
  if (have_snapshot && current >= 0) {
    for (std::uint64_t k = s.trace_stored; k-- > 0;) {
      const TraceEntry& e = s.trace()[k];
      if (e.thread != current) continue;
      if (readable_loc(e.loc) && e.loc.line() > 0) raw.locs.push_back(e.loc);
      raw.events.push_back(offset + k);
      last_op = std::string(to_string(e.op)) + (e.object == kNoObject ? "" : " of " + snapshot_object_name(s, e.object)) +
                at_loc(e.loc);
      break;
    }
  }
  const std::string after = last_op.empty() ? "" : "; its last tangle operation: " + last_op;

  if (!recorded) {
    switch (out.end) {
      case IsolatedOutcome::End::signaled:
        raw.message = "the scenario process was killed by " + signal_description(out.signal) +
                      " in execution " + std::to_string(d.execution + 1) + " before it could record it";
        break;
      case IsolatedOutcome::End::exited:
        raw.message = "the scenario process exited with code " + std::to_string(out.exit_code) +
                      " during execution " + std::to_string(d.execution + 1) +
                      " (a direct exit system call tangle cannot intercept)";
        break;
      case IsolatedOutcome::End::killed:
        raw.kind = FindingKind::hang;
        raw.message = "execution " + std::to_string(d.execution + 1) + " made no tangle operation for " +
                      format_seconds(options.watchdog_s) +
                      " s and its process did not answer (signals blocked?); it was killed (SIGKILL)";
        break;
      case IsolatedOutcome::End::fork_failed:
        throw std::runtime_error("cannot fork a process for the scenario's executions");
    }
  } else {
    switch (record.cause) {
      case DeathCause::foreign_thread:
        raw.message = std::string(record.message) +
                      (current >= 0 ? " (while " + thread_display_name(current) + " ran" + after + ")" : "");
        break;
      case DeathCause::hang: {
        raw.kind = FindingKind::hang;
        std::string threads;
        for (int t = 0; have_snapshot && t < s.threads && t < ExecutionSnapshot::kMaxThreads; ++t) {
          std::string state = s.thread_status[t] == 2 ? "finished" : s.thread_status[t] == 1 ? "blocked" : "running";
          for (std::uint64_t k = s.trace_stored; k-- > 0;) {
            const TraceEntry& e = s.trace()[k];
            if (e.thread != t) continue;
            state += ", last " + std::string(to_string(e.op)) +
                     (e.object == kNoObject ? "" : " of " + snapshot_object_name(s, e.object)) + at_loc(e.loc);
            break;
          }
          threads += (threads.empty() ? "" : "; ") + thread_display_name(t) + ": " + state;
        }
        raw.message = "no tangle operation for " + format_seconds(options.watchdog_s) + " s: " + where +
                      " runs code that makes none (an endless loop, or a wait outside tangle's primitives)" +
                      (threads.empty() ? "" : " — " + threads);
        break;
      }
      default:
        raw.message = crash_capture::describe_death(record, where, after, options.engine.stack_size);
        break;
    }
  }

  ExecutionView view;
  if (have_snapshot) {
    view.trace = s.stored_trace();
    view.trace_offset = offset;
    view.trace_length = s.trace_length;
    view.trace_hash = s.trace_hash;
    view.schedule = s.stored_schedule();
    view.data_points = s.data_points;
    view.replayable = s.schedule_complete();
    d.decisions = s.schedule_length;
  } else {
    view.replayable = false;
  }
  view.object_name = [&s](ObjectId id) { return snapshot_object_name(s, id); };
  view.pct_k = options.calibration.pct_k(d.execution);
  d.finding = convert_finding(view, raw, info, params, options, d.execution + 1);
  if (!view.replayable)
    d.finding.replay_note = have_snapshot ? "the schedule was too long to keep: rerun with the same --seed"
                                          : "the process ended before tangle could record the execution";
  // Dedup: kind, cause and the line; the message where there is no line
  // (it names the signal or the exit).
  d.signature = finding_signature(raw.kind, raw.locs, raw.locs.empty() ? raw.message : "") ^
                (static_cast<std::uint64_t>(recorded ? record.cause : DeathCause::none) * 0x9e3779b97f4a7c15ULL) ^
                static_cast<std::uint64_t>(recorded ? record.signal : out.signal);
  d.finding.signature = hash_hex(d.signature);
  return d;
}

// The parent's watchdog over one child: progress is the execution index, the
// executions done and the in-progress execution's operations.
class Watchdog {
 public:
  Watchdog(const ChildRecord& record, double seconds)
      : record_(record), period_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds))) {}
  bool expired() {
    const auto now = Clock::now();
    const std::uint64_t state[3] = {record_.execution.load(std::memory_order_relaxed),
                                    record_.done.load(std::memory_order_relaxed),
                                    record_.steps.load(std::memory_order_relaxed)};
    if (!std::equal(state, state + 3, last_) || first_) {
      std::copy(state, state + 3, last_);
      changed_ = now;
      first_ = false;
      return false;
    }
    // Between executions only the harness runs: no progress there for much
    // longer than the period is still worth a report rather than a wait.
    const bool executing = record_.in_execution.load(std::memory_order_relaxed) != 0;
    return now - changed_ > (executing ? period_ : std::max<Clock::duration>(10 * period_, std::chrono::seconds(10)));
  }

 private:
  const ChildRecord& record_;
  Clock::duration period_;
  std::uint64_t last_[3] = {};
  Clock::time_point changed_ = Clock::now();
  bool first_ = true;
};

IsolationLimits supervision(ChildRecord& record, Watchdog& watchdog, double deadline_s) {
  IsolationLimits limits;
  limits.stall_timeout = std::chrono::milliseconds(0);  // the watchdog decides, from progress
  if (deadline_s > 0)
    limits.deadline = std::chrono::milliseconds(std::max<std::int64_t>(1, std::llround(deadline_s * 1000)));
  limits.report_signal = crash_capture::report_signal();
  limits.report_thread = [&record] { return record.running_tid.load(std::memory_order_relaxed); };
  limits.wants_report = [&record, &watchdog](std::size_t) {
    if (!watchdog.expired()) return false;
    record.request.store(static_cast<std::int32_t>(DeathCause::hang));
    return true;
  };
  limits.on_stop = [&record](std::size_t, int sig) {
    record.request_signal.store(sig);
    record.request.store(static_cast<std::int32_t>(DeathCause::stopped));
    return true;
  };
  return limits;
}

std::chrono::milliseconds tick_for(double watchdog_s) {
  return std::chrono::milliseconds(std::clamp<std::int64_t>(std::llround(watchdog_s * 250), 5, 100));
}

}  // namespace

namespace {

// The parent's state of one scenario of a supervised batch.
struct ScenarioState {
  report::ScenarioResult r;
  std::unordered_map<std::uint64_t, std::size_t> seen;  // signature -> index in r.findings
  std::uint64_t next = 0;  // no execution of the slice below it is left to run
  Calibration calibration;  // of executions [0, next) so far, as children report it
  int deaths = 0;
  bool done = false;

  // Adds a finding (first sight: kept with its trace and token) or counts it.
  // Children run their slice in execution order, so the first sight is the
  // earliest.
  std::size_t merge(report::Finding f, std::uint64_t signature, std::uint64_t count) {
    if (!r.first_failure_execution || f.first_execution < *r.first_failure_execution)
      r.first_failure_execution = f.first_execution;
    auto [it, inserted] = seen.try_emplace(signature, r.findings.size());
    if (inserted) {
      f.occurrences = count;
      r.findings.push_back(std::move(f));
    } else {
      r.findings[it->second].occurrences += count;
    }
    return it->second;
  }
  void stop(std::string reason) {
    done = true;
    r.complete = false;
    r.incomplete_reason = std::move(reason);
  }
};

}  // namespace

std::vector<report::ScenarioResult> run_supervised(const std::vector<SupervisedScenario>& work, double budget_s,
                                                   const BatchProgressFn& progress) {
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::vector<ScenarioState> states(work.size());
  for (std::size_t k = 0; k < work.size(); ++k) states[k].r = empty_result(*work[k].info, work[k].params);
  ChildRecordMapping mapping;
  std::size_t at = 0;  // the first scenario not done

  const auto stop_all = [&](const std::string& reason, const std::string& not_run) {
    for (std::size_t k = at; k < states.size(); ++k)
      if (!states[k].done) states[k].stop(states[k].r.executions > 0 || states[k].next > 0 ? reason : not_run);
  };
  while (at < work.size()) {
    const SupervisedScenario& head = work[at];
    if (states[at].done || head.options.slice.first_from(states[at].next) >= head.options.executions) {
      states[at].done = true;
      ++at;
      continue;
    }
    if (interrupt_signal() != 0) {
      const std::string sig = signal_name(interrupt_signal());
      stop_all("interrupted by " + sig, "not run: interrupted by " + sig);
      break;
    }
    const double left = budget_s > 0 ? budget_s - elapsed() : 0;
    if (budget_s > 0 && left <= 0) {
      stop_all("the time budget was spent", "not run: the time budget was spent");
      break;
    }
    mapping.reset();
    ChildRecord& record = mapping.record();
    const std::size_t first_scenario = at;
    const std::uint64_t first_execution = states[at].next;
    // Where this child starts scenario k: mid-way in the first, at 0 after.
    const auto start_of = [&](std::size_t k) { return k == first_scenario ? first_execution : 0; };

    // The child: scenarios first_scenario… in order, the first from
    // first_execution on. 'B' k: scenario k begins; 'F', 'C' and 'R' are
    // its findings, counters and end; 'K' its calibration so far (the next
    // child starts from it, so a death changes no later execution: purity);
    // 'E': the run's time budget is spent.
    const auto body = [&](Channel& ch) {
      for (std::size_t k = first_scenario; k < work.size(); ++k) {
        RunOptions options = work[k].options;
        options.calibration = states[k].calibration;
        if (budget_s > 0) {
          // An equal share of what is left for each scenario still to run.
          const double remaining = budget_s - elapsed();
          if (remaining <= 0) {
            ch.send('E', std::to_string(k));
            return 0;
          }
          options.time_budget_s = remaining / static_cast<double>(work.size() - k);
        }
        ch.send('B', std::to_string(k));
        record.done.store(0, std::memory_order_relaxed);
        record.findings.store(0, std::memory_order_relaxed);
        record.scenario.store(k, std::memory_order_relaxed);  // before `done` moves for it
        LoopHooks hooks;
        hooks.on_engine = [&](const ControlledEngine& engine) {
          // Re-armed for each scenario's engine (the handlers stay; the
          // engine they copy from changes).
          crash_capture::arm(record, &engine, tick_for(options.watchdog_s));
        };
        hooks.on_new_finding = [&](const report::Finding& f, std::uint64_t signature) {
          ch.send('F', finding_frame(f, signature));
        };
        auto last_sent = Clock::now();
        hooks.on_tick = [&](const report::ScenarioResult& so_far, std::uint64_t done) {
          record.done.store(done, std::memory_order_relaxed);
          record.findings.store(so_far.findings.size(), std::memory_order_relaxed);
          const auto now = Clock::now();
          if (now - last_sent >= std::chrono::milliseconds(200)) {
            last_sent = now;
            ch.send('C', counters_frame(so_far, done));
          }
        };
        hooks.on_calibrated = [&](const Calibration& c) {
          ch.send('K', std::to_string(c.counted) + " " + std::to_string(c.max_decisions) + " " +
                           (c.race_seen ? "1" : "0"));
        };
        hooks.on_engine_done = [] { crash_capture::forget_engine(); };
        const report::ScenarioResult r = run_executions(*work[k].info, work[k].params, options, start_of(k),
                                                        options.executions, hooks);
        ch.send('R', counters_frame(r, r.executions) + "\n" + std::to_string(r.duration_s));
        record.done.store(0, std::memory_order_relaxed);
        record.findings.store(0, std::memory_order_relaxed);
      }
      return 0;
    };
    const double watchdog_s = work[at].options.watchdog_s;
    Watchdog watchdog(record, watchdog_s);
    IsolationLimits limits = supervision(record, watchdog, budget_s > 0 ? left : 0);
    std::size_t current = first_scenario;  // as the frames tell (progress reads it)
    if (progress)
      limits.on_tick = [&] {
        // The scenario the child runs now (`current` learns it only from the
        // frames, read when the child ends); never one before this child's
        // first. Its executions so far in this worker (a slice's members, not
        // an index range).
        const std::size_t k = std::max<std::size_t>(
            first_scenario, static_cast<std::size_t>(record.scenario.load(std::memory_order_relaxed)));
        progress(k, states[k].r.executions + record.done.load(std::memory_order_relaxed),
                 record.findings.load(std::memory_order_relaxed));
      };
    const auto child_start = Clock::now();
    const IsolatedOutcome out = run_isolated(body, limits);
    double unaccounted = std::chrono::duration<double>(Clock::now() - child_start).count();

    // What the child said, in order.
    bool ended = false;        // the scenario `current` sent its 'R'
    bool budget_spent = false;
    std::vector<std::size_t> local;  // the child's finding j of `current` is our local[j]
    std::vector<std::uint64_t> counted;
    Counters counters;
    for (const Frame& frame : out.frames) {
      if (frame.type == 'X') throw std::runtime_error("supervised child failed: " + frame.payload);
      if (frame.type == 'E') {
        budget_spent = true;
        continue;
      }
      if (frame.type == 'B') {
        current = std::stoul(frame.payload);
        ended = false;
        local.clear();
        counted.clear();
        counters = {};
        continue;
      }
      ScenarioState& st = states[current];
      if (frame.type == 'K') {
        std::istringstream in(frame.payload);
        int race = 0;
        in >> st.calibration.counted >> st.calibration.max_decisions >> race;
        st.calibration.race_seen = race != 0;
      } else if (frame.type == 'F') {
        auto [signature, f] = parse_finding_frame(frame.payload);
        local.push_back(st.merge(std::move(f), signature, 1));
        counted.push_back(1);
      } else if (frame.type == 'C' || frame.type == 'R') {
        const Counters now = parse_counters(frame.payload.substr(0, frame.payload.find('\n')));
        for (std::size_t j = 0; j < now.occurrences.size() && j < local.size(); ++j)
          if (now.occurrences[j] > counted[j]) {
            st.r.findings[local[j]].occurrences += now.occurrences[j] - counted[j];
            counted[j] = now.occurrences[j];
          }
        st.r.steps += now.steps - counters.steps;
        counters = now;
        if (frame.type == 'R') {
          ended = true;
          st.r.executions += now.executions;
          st.next = work[current].options.slice.advance(start_of(current), now.executions);
          const double took = std::stod(frame.payload.substr(frame.payload.find('\n') + 1));
          st.r.duration_s += took;
          unaccounted -= took;
          st.done = true;
          if (st.next < work[current].options.executions) st.stop("the time budget was spent");
        }
      }
    }
    at = std::max(at, current);
    if (budget_spent) {
      at = current + (ended ? 1 : 0);
      stop_all("the time budget was spent", "not run: the time budget was spent");
      break;
    }
    if (ended && current + 1 == work.size()) break;  // the child finished everything
    if (ended) {
      // It died between two scenarios (harness code, not the scenario's).
      if (out.end == IsolatedOutcome::End::killed) continue;  // interrupted or deadline: the loop says
      throw std::runtime_error("a supervised child ended between scenarios (" +
                               (out.end == IsolatedOutcome::End::signaled ? signal_description(out.signal)
                                                                          : "exit code " + std::to_string(out.exit_code)) +
                               ")");
    }

    // Scenario `current` did not end: a death, or our kill. The child's time
    // not reported by finished scenarios was its.
    ScenarioState& st = states[current];
    st.r.duration_s += std::max(0.0, unaccounted);
    const SupervisedScenario& w = work[current];
    const std::uint64_t first = start_of(current);
    if (interrupt_signal() != 0) {
      st.r.executions += record.done.load();
      continue;  // the loop's top marks it
    }
    RunOptions death_options = w.options;
    death_options.calibration = st.calibration;
    Death death = death_of(record, out, *w.info, w.params, death_options);
    if (!death.known) {  // killed at the deadline
      st.r.executions += record.done.load();
      st.next = w.options.slice.advance(first, record.done.load());
      continue;  // the loop's top sees the budget spent
    }
    const Slice& slice = w.options.slice;
    const bool calibrating = death.execution == st.calibration.counted && !st.calibration.complete();
    // A calibration execution that ended its process still counts, with the
    // decisions it had made (the next child must not re-run it).
    if (calibrating) st.calibration.add(death.decisions, death.finding.kind == FindingKind::data_race);
    if (calibrating && (death.execution < first || !slice.contains(death.execution))) {
      // One of another worker's slice, run here silently for the calibration
      // (runner.hpp): its own worker reports it.
      continue;
    }
    const std::uint64_t exec = std::max(death.execution, first);  // forward, always
    st.r.executions += slice.members(first, exec + 1);
    st.next = exec + 1;
    const bool hang = death.finding.kind == FindingKind::hang;
    st.merge(std::move(death.finding), death.signature, 1);
    if (slice.first_from(st.next) >= w.options.executions) {
      st.done = true;
    } else if (hang) {
      // Another would most likely hang too, and each costs the watchdog period.
      st.stop("stopped at its first hang (each hanging execution costs the watchdog period, " +
              format_seconds(w.options.watchdog_s) + " s)");
    } else if (++st.deaths >= kMaxDeaths) {
      st.stop("stopped after " + std::to_string(st.deaths) +
              " executions that ended their process (each costs a new process)");
    }
  }
  std::vector<report::ScenarioResult> results;
  for (std::size_t k = 0; k < work.size(); ++k) {
    report::ScenarioResult& r = states[k].r;
    judge_result(r);
    results.push_back(std::move(r));
  }
  return results;
}

report::ScenarioResult run_scenario_supervised(const ScenarioInfo& info, const Params& params,
                                               const RunOptions& options, const ProgressFn& progress) {
  BatchProgressFn batch;
  if (progress)
    batch = [&progress](std::size_t, std::uint64_t done, std::uint64_t findings) { progress(done, findings); };
  RunOptions soft = options;
  soft.deadline_s = 0;
  return std::move(run_supervised({{&info, params, soft}}, options.deadline_s, batch).front());
}

ReplayOutcome replay_supervised(const ReplayToken& token, double watchdog_s) {
  Params params;
  const ScenarioInfo& info = token_scenario(token, &params);  // TokenError here, in the parent
  ChildRecordMapping mapping;
  ChildRecord& record = mapping.record();
  const auto body = [&](Channel& ch) {
    try {
      const ReplayOutcome out = replay_here(token, [&](const ControlledEngine& engine) {
        crash_capture::arm(record, &engine, tick_for(watchdog_s));
      });
      report::RunReport run;
      run.scenarios.push_back(out.result);
      std::ostringstream text;
      text << (out.reproduced ? 1 : 0) << " " << out.trace_hash << "\n";
      report::write_json(run, text);
      ch.send('O', text.str());
    } catch (const ReplayDiverged& e) {
      ch.send('D', e.what());
    }
    return 0;
  };
  Watchdog watchdog(record, watchdog_s);
  const IsolatedOutcome out = run_isolated(body, supervision(record, watchdog, 0));
  for (const Frame& frame : out.frames) {
    if (frame.type == 'X') throw std::runtime_error("replay child failed: " + frame.payload);
    if (frame.type == 'D') throw ReplayDiverged(frame.payload);
    if (frame.type == 'O') {
      std::istringstream in(frame.payload);
      ReplayOutcome outcome;
      int reproduced = 0;
      in >> reproduced >> outcome.trace_hash;
      outcome.reproduced = reproduced != 0;
      report::RunReport run = report::read_json(in);
      if (run.scenarios.size() != 1) throw std::runtime_error("replay child sent a malformed result");
      outcome.result = std::move(run.scenarios.front());
      return outcome;
    }
  }
  if (interrupt_signal() != 0) throw std::runtime_error("interrupted by " + signal_name(interrupt_signal()));
  RunOptions options = replay_options(token);
  options.watchdog_s = watchdog_s;
  Death death = death_of(record, out, info, params, options);
  ReplayOutcome outcome;
  outcome.trace_hash = death.finding.trace_hash;
  outcome.reproduced = death.finding.kind == token.kind && death.finding.trace_hash == hash_hex(token.trace_hash);
  report::ScenarioResult& r = outcome.result = empty_result(info, params);
  r.executions = 1;
  r.first_failure_execution = 1;
  r.findings.push_back(std::move(death.finding));
  judge_result(r);
  return outcome;
}

}  // namespace tangle::detail
