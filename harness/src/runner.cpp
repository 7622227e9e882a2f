#include "runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "isolation/crash_capture.hpp"
#include "isolation/supervised_runner.hpp"
#include "rng.hpp"
#include "source_path.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

}  // namespace

ExecutionView view_of(const ControlledEngine& engine) {
  ExecutionView v;
  v.trace = engine.trace();
  v.trace_length = v.trace.size();
  v.trace_hash = engine.trace_hash();
  v.object_name = [&engine](ObjectId id) { return engine.object_name(id); };
  v.schedule = engine.schedule_view();
  v.data_points = engine.data_points();
  return v;
}

report::Finding convert_finding(const ExecutionView& view, const RawFinding& raw, const ScenarioInfo& info,
                                const Params& params, const RunOptions& options, std::uint64_t execution) {
  report::Finding f;
  f.kind = raw.kind;
  f.message = raw.message;
  f.threads = raw.threads;
  for (const Loc& l : raw.locs) {
    std::string s = location_string(l);
    if (std::find(f.locations.begin(), f.locations.end(), s) == f.locations.end())
      f.locations.push_back(std::move(s));
  }
  f.cycle = raw.cycle;
  f.trace_hash = hash_hex(view.trace_hash);
  f.first_execution = execution;
  if (raw.signature != 0) f.signature = hash_hex(raw.signature);
  if (view.replayable) {
    ReplayToken token;
    token.scenario = info.name;
    token.params = params.values();
    token.max_steps = options.engine.max_steps;
    token.data_points = view.data_points;
    token.spurious_wakeups = options.engine.spurious_wakeups;
    // Fibers and OS threads passing a baton make the same schedule, trace
    // and trace_hash for the same picks (tests/substrate_test.cpp); the
    // substrate is recorded all the same, because a scenario whose
    // behaviour depends on thread_local state or errno behaves differently
    // on fibers, so its replay must run where it was found.
    token.threads_substrate = options.engine.substrate == Substrate::threads;
    token.schedule.assign(view.schedule.begin(), view.schedule.end());
    token.kind = raw.kind;
    token.trace_hash = view.trace_hash;
    token.strategy = options.strategy;
    token.depth = options.strategy == "pct" ? static_cast<std::uint64_t>(options.depth) : 0;
    token.pct_k = options.strategy == "pct" ? view.pct_k : 0;
    token.seed = options.seed;
    token.execution = execution;
    f.replay = encode_token(token);
  }

  f.trace_length = view.trace_length;
  const std::uint64_t end = view.trace_offset + view.trace.size();
  const std::uint64_t tail = end > options.trace_tail ? end - options.trace_tail : 0;
  auto is_highlight = [&raw](std::uint64_t i) {
    return std::find(raw.events.begin(), raw.events.end(), i) != raw.events.end();
  };
  // Near one of them: within kTraceContext steps (a finding names a handful).
  auto near_highlight = [&raw](std::uint64_t i) {
    return std::any_of(raw.events.begin(), raw.events.end(),
                       [i](std::uint64_t h) { return (i > h ? i - h : h - i) <= kTraceContext; });
  };
  for (std::uint64_t i = view.trace_offset; i < end; ++i) {
    const bool highlight = is_highlight(i);
    if (i < tail && !near_highlight(i)) continue;  // the tail, and the events the finding names in context
    const TraceEntry& e = view.trace[i - view.trace_offset];
    report::TraceEvent te;
    te.step = i;
    te.thread = e.thread;
    te.op = to_string(e.op);
    te.object = view.object_name(e.object);
    te.location = e.loc.line() == 0 ? "" : location_string(e.loc);
    te.highlight = highlight;
    f.trace.push_back(std::move(te));
  }
  return f;
}

report::ScenarioResult empty_result(const ScenarioInfo& info, const Params& params) {
  report::ScenarioResult r;
  r.name = info.name;
  for (const auto& [k, v] : params.values()) r.params[k] = std::to_string(v);
  r.expected = info.expected;
  r.threads = info.thread_count(params);
  return r;
}

Params effective_params(const ScenarioInfo& info,
                        const Params::Map& overrides) {
  auto values = info.defaults;
  for (const auto& [k, v] : overrides)
    if (values.count(k)) values[k] = v;
  return Params(values);
}

std::unique_ptr<Strategy> make_strategy(const RunOptions& options, std::uint64_t pct_k) {
  if (options.strategy == "random") return make_random_strategy();
  if (options.strategy == "pct") return make_pct_strategy(options.depth, pct_k);
  throw std::invalid_argument("unknown strategy '" + options.strategy + "'");
}

std::string format_seconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", seconds);
  return buf;
}

report::Verdict judge(const std::vector<FindingKind>& expected,
                      const std::vector<report::Finding>& findings, std::string* reason, bool strict) {
  std::string why;
  if (expected.empty()) {
    if (!findings.empty())
      why = "expected no findings, found " + std::string(to_string(findings.front().kind)) +
            (findings.size() > 1 ? " and " + std::to_string(findings.size() - 1) + " more" : "");
  } else if (findings.empty()) {
    why = "expected a bug, found nothing";
  } else {
    for (const auto& f : findings)
      if (std::find(expected.begin(), expected.end(), f.kind) == expected.end()) {
        why = "unexpected finding " + std::string(to_string(f.kind));
        break;
      }
    if (why.empty() && strict)
      for (FindingKind k : expected)
        if (std::none_of(findings.begin(), findings.end(), [k](const report::Finding& f) { return f.kind == k; })) {
          why = "expected " + std::string(to_string(k)) + " was not found (--strict-expect)";
          break;
        }
  }
  if (reason) *reason = why;
  return why.empty() ? report::Verdict::pass : report::Verdict::fail;
}

void judge_result(report::ScenarioResult& r, bool strict) {
  if (!r.complete && r.executions == 0 && r.findings.empty()) {
    r.verdict = report::Verdict::fail;
    r.verdict_reason = r.incomplete_reason;
    return;
  }
  r.verdict = judge(r.expected, r.findings, &r.verdict_reason, strict);
}

report::ScenarioResult not_run(const ScenarioInfo& info, const Params& params, const std::string& why) {
  report::ScenarioResult r = empty_result(info, params);
  r.complete = false;
  r.incomplete_reason = "not run: " + why;
  judge_result(r);
  return r;
}

namespace {
bool has_race(const ExecutionResult& e) {
  return std::any_of(e.findings.begin(), e.findings.end(),
                     [](const RawFinding& f) { return f.kind == FindingKind::data_race; });
}
}  // namespace

void complete_calibration(ControlledEngine& engine, const RunOptions& options, Calibration& calibration,
                          std::uint64_t upto, const std::function<void(const Calibration&)>& on_calibrated) {
  if (calibration.counted >= upto) return;
  // Calibration executions run with the defaults (pct_k(i), no race assumed).
  auto strategy = make_strategy(options, kDefaultPctK);
  engine.set_race_seen(false);
  for (std::uint64_t i = calibration.counted; i < upto; ++i) {
    crash_capture::ExecutionScope scope(i);
    const ExecutionResult& exec = engine.run(*strategy, ExecutionStart{mix_seed(options.seed, i), i, engine.threads()});
    calibration.add(exec.decisions, has_race(exec));
    if (on_calibrated) on_calibrated(calibration);
  }
}

report::ScenarioResult run_executions(const ScenarioInfo& info, const Params& params, const RunOptions& options,
                                      std::uint64_t first, std::uint64_t last, const LoopHooks& hooks) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  report::ScenarioResult r = empty_result(info, params);
  ControlledEngine engine(info, params, options.engine);
  if (hooks.on_engine) hooks.on_engine(engine);
  Calibration calibration = options.calibration;
  // The execution-i parameters: calibration defaults before
  // kCalibrationExecutions, what the calibration saw after.
  std::unique_ptr<Strategy> strategy;
  bool calibrated_setup = false;
  const auto setup = [&](std::uint64_t i) {
    const bool after = i >= kCalibrationExecutions;
    if (strategy && after == calibrated_setup) return;
    calibrated_setup = after;
    strategy = make_strategy(options, calibration.pct_k(i));
    engine.set_race_seen(calibration.data_points(i));
  };
  std::unordered_map<std::uint64_t, std::size_t> seen;  // signature -> index in r.findings

  const Slice& slice = options.slice;
  std::uint64_t done = 0;
  for (std::uint64_t i = slice.first_from(first); i < last; i += slice.count, ++done) {
    if ((done & 63) == 0 && done > 0) {
      if (hooks.on_tick) hooks.on_tick(r, done);
      if (options.time_budget_s > 0 &&
          std::chrono::duration<double>(Clock::now() - start).count() >= options.time_budget_s)
        break;
    }
    // A loop that starts past executions the calibration has not seen (a
    // shard, a job, a child after a death) runs them first, reporting
    // nothing: at most kCalibrationExecutions extra executions per worker.
    complete_calibration(engine, options, calibration, std::min(i, kCalibrationExecutions), hooks.on_calibrated);
    setup(i);
    const ExecutionResult& exec = [&]() -> const ExecutionResult& {
      crash_capture::ExecutionScope scope(i);  // only scenario code is the scenario's doing
      return engine.run(*strategy, ExecutionStart{mix_seed(options.seed, i), i, engine.threads()});
    }();
    if (exec.search_over) break;  // the strategy explored everything: `done` executions ran
    if (i == calibration.counted && i < kCalibrationExecutions) {
      calibration.add(exec.decisions, has_race(exec));
      if (hooks.on_calibrated) hooks.on_calibrated(calibration);
    }
    r.steps += exec.steps;
    if (exec.findings.empty()) continue;
    if (!r.first_failure_execution) r.first_failure_execution = i + 1;
    for (const RawFinding& raw : exec.findings) {
      auto [it, inserted] = seen.try_emplace(raw.signature, r.findings.size());
      if (!inserted) {
        ++r.findings[it->second].occurrences;
        continue;
      }
      ExecutionView view = view_of(engine);
      view.pct_k = calibration.pct_k(i);
      r.findings.push_back(convert_finding(view, raw, info, params, options, i + 1));
      if (hooks.on_new_finding) hooks.on_new_finding(r.findings.back(), raw.signature);
    }
  }
  if (hooks.on_engine_done) hooks.on_engine_done();
  r.executions = done;
  r.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  judge_result(r);
  return r;
}

report::ScenarioResult run_scenario(const ScenarioInfo& info, const Params& params,
                                    const RunOptions& options, const ProgressFn& progress) {
  if (options.isolate) return run_scenario_supervised(info, params, options, progress);
  LoopHooks hooks;
  if (progress)
    hooks.on_tick = [&progress](const report::ScenarioResult& so_far, std::uint64_t done) {
      progress(done, so_far.findings.size());
    };
  return run_executions(info, params, options, 0, options.executions, hooks);
}

void attach_controlled_replays(const ScenarioInfo& info, const Params& params,
                               report::ScenarioResult& stress_result) {
  if (stress_result.findings.empty()) return;
  RunOptions options;
  options.strategy = "pct";
  options.executions = 2000;
  options.time_budget_s = 2;
  options.isolate = true;  // the scenario already misbehaved once: never in this process
  std::vector<std::pair<Params, bool>> attempts{{params, false}};
  const Params defaults(info.defaults);
  if (defaults.values() != params.values()) attempts.emplace_back(defaults, true);
  std::vector<bool> done(stress_result.findings.size(), false);
  for (const auto& [attempt_params, with_defaults] : attempts) {
    const report::ScenarioResult controlled = run_scenario(info, attempt_params, options);
    for (std::size_t i = 0; i < stress_result.findings.size(); ++i) {
      if (done[i]) continue;
      report::Finding& f = stress_result.findings[i];
      // Same kind, preferring the same source lines.
      const report::Finding* match = nullptr;
      for (const auto& c : controlled.findings)
        if (c.kind == f.kind && (!match || c.locations == f.locations)) match = &c;
      if (!match) continue;
      done[i] = true;
      f.replay = match->replay;
      f.trace = match->trace;
      f.trace_length = match->trace_length;
      f.trace_hash = match->trace_hash;
      if (f.cycle.empty()) f.cycle = match->cycle;
      f.replay_note = "reproduced on the controlled engine (pct, execution " +
                      std::to_string(match->first_execution) + " of " + std::to_string(controlled.executions) +
                      (with_defaults ? ", with the scenario's default parameters" : "") +
                      "): the replay command re-executes that interleaving";
    }
  }
  for (std::size_t i = 0; i < stress_result.findings.size(); ++i)
    if (!done[i])
      stress_result.findings[i].replay_note =
          "not reproduced on the controlled engine within " + std::to_string(options.executions) +
          " PCT executions; rerun the stress engine with the same --seed";
}

const ScenarioInfo& token_scenario(const ReplayToken& token, Params* params) {
  const ScenarioInfo* info = find_scenario(token.scenario);
  if (!info) throw TokenError("replay token names unknown scenario '" + token.scenario + "'");
  for (const auto& [k, v] : token.params)
    if (!info->defaults.count(k))
      throw TokenError("replay token has parameter '" + k + "' that " + token.scenario +
                       " does not declare");
  *params = effective_params(*info, token.params);
  return *info;
}

ReplayOutcome replay(const ReplayToken& token, bool isolate) {
  return isolate ? replay_supervised(token) : replay_here(token);
}

ReplayOutcome replay_here(const ReplayToken& token, const std::function<void(const ControlledEngine&)>& on_engine) {
  Params params;
  const ScenarioInfo& info = token_scenario(token, &params);
  RunOptions options = replay_options(token);
  ControlledEngine engine(info, params, options.engine);
  if (on_engine) on_engine(engine);
  ReplayStrategy strategy(token.schedule);
  const ExecutionResult& exec = [&]() -> const ExecutionResult& {
    crash_capture::ExecutionScope scope(0);  // only scenario code is the scenario's doing
    return engine.run(strategy, ExecutionStart{0, token.execution, engine.threads()});
  }();
  if (strategy.diverged()) throw ReplayDiverged(strategy.divergence());

  ReplayOutcome out;
  const ExecutionView view = view_of(engine);
  out.trace_hash = hash_hex(view.trace_hash);
  report::ScenarioResult& r = out.result = empty_result(info, params);
  r.executions = 1;
  r.steps = exec.steps;
  if (!exec.findings.empty()) r.first_failure_execution = 1;
  for (const RawFinding& raw : exec.findings) {
    r.findings.push_back(convert_finding(view, raw, info, params, options, 1));
    if (raw.kind == token.kind && view.trace_hash == token.trace_hash) out.reproduced = true;
  }
  judge_result(r);
  return out;
}

RunOptions replay_options(const ReplayToken& token) {
  RunOptions options;
  options.engine.max_steps = token.max_steps;
  if (!token.strategy.empty()) options.strategy = token.strategy;
  if (token.depth > 0) options.depth = static_cast<int>(token.depth);
  options.seed = token.seed;
  // A fresh engine has seen no race: `sync` places points at Shared<T>
  // accesses exactly when the recorded execution did only under `all`.
  options.engine.granularity = token.data_points ? Granularity::all : Granularity::sync;
  options.engine.spurious_wakeups = token.spurious_wakeups;
  if (token.threads_substrate) options.engine.substrate = Substrate::threads;
  return options;
}

}  // namespace tangle::detail
