#include "runner.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "rng.hpp"
#include "source_path.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

report::Finding convert(const ControlledEngine& engine, const RawFinding& raw, std::uint64_t trace_hash,
                        const ScenarioInfo& info,
                        const Params& params, const RunOptions& options,
                        std::uint64_t execution) {
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
  f.trace_hash = hash_hex(trace_hash);
  f.first_execution = execution;
  ReplayToken token{info.name,          params.values(), options.engine.max_steps,
                    engine.data_points(), engine.schedule(), raw.kind, trace_hash};
  f.replay = encode_token(token);

  const auto& trace = engine.trace();
  f.trace_length = trace.size();
  const std::size_t tail = trace.size() > options.trace_tail ? trace.size() - options.trace_tail : 0;
  auto is_highlight = [&raw](std::size_t i) {
    return std::find(raw.events.begin(), raw.events.end(), i) != raw.events.end();
  };
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const bool highlight = is_highlight(i);
    if (i < tail && !highlight) continue;  // keep the tail, plus the events the finding names
    const TraceEntry& e = trace[i];
    report::TraceEvent te;
    te.step = i;
    te.thread = e.thread;
    te.op = to_string(e.op);
    te.object = engine.object_name(e.object);
    te.location = e.loc.line() == 0 ? "" : location_string(e.loc);
    te.highlight = highlight;
    f.trace.push_back(std::move(te));
  }
  return f;
}

}  // namespace

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

std::unique_ptr<Strategy> make_strategy(const RunOptions& options) {
  if (options.strategy == "random") return make_random_strategy();
  if (options.strategy == "pct") return make_pct_strategy(options.depth);
  throw std::invalid_argument("unknown strategy '" + options.strategy + "'");
}

report::Verdict judge(const std::vector<FindingKind>& expected,
                      const std::vector<report::Finding>& findings, std::string* reason) {
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
  }
  if (reason) *reason = why;
  return why.empty() ? report::Verdict::pass : report::Verdict::fail;
}

report::ScenarioResult run_scenario(const ScenarioInfo& info, const Params& params,
                                    const RunOptions& options, const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  report::ScenarioResult r = empty_result(info, params);
  ControlledEngine engine(info, params, options.engine);
  auto strategy = make_strategy(options);
  std::unordered_map<std::uint64_t, std::size_t> seen;  // signature -> index in r.findings

  std::uint64_t i = 0;
  for (; i < options.executions; ++i) {
    if ((i & 63) == 0 && i > 0) {
      if (progress) progress(i);
      if (options.time_budget_s > 0 &&
          std::chrono::duration<double>(Clock::now() - start).count() >= options.time_budget_s)
        break;
    }
    const ExecutionResult& exec = engine.run(*strategy, mix_seed(options.seed, i));
    r.steps += exec.steps;
    if (exec.findings.empty()) continue;
    if (!r.first_failure_execution) r.first_failure_execution = i + 1;
    for (const RawFinding& raw : exec.findings) {
      auto [it, inserted] = seen.try_emplace(raw.signature, r.findings.size());
      if (inserted)
        r.findings.push_back(convert(engine, raw, engine.trace_hash(), info, params, options, i + 1));
      else
        ++r.findings[it->second].occurrences;
    }
  }
  r.executions = i;
  r.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
  r.verdict = judge(r.expected, r.findings, &r.verdict_reason);
  return r;
}

void attach_controlled_replays(const ScenarioInfo& info, const Params& params,
                               report::ScenarioResult& stress_result) {
  if (stress_result.findings.empty()) return;
  RunOptions options;
  options.strategy = "pct";
  options.executions = 2000;
  options.time_budget_s = 2;
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

ReplayOutcome replay(const ReplayToken& token) {
  const ScenarioInfo* info = find_scenario(token.scenario);
  if (!info) throw TokenError("replay token names unknown scenario '" + token.scenario + "'");
  for (const auto& [k, v] : token.params)
    if (!info->defaults.count(k))
      throw TokenError("replay token has parameter '" + k + "' that " + token.scenario +
                       " does not declare");
  Params params = effective_params(*info, token.params);
  RunOptions options;
  options.engine.max_steps = token.max_steps;
  // A fresh engine has seen no race: `sync` places points at Shared<T>
  // accesses exactly when the recorded execution did only under `all`.
  options.engine.granularity = token.data_points ? Granularity::all : Granularity::sync;
  ControlledEngine engine(*info, params, options.engine);
  auto strategy = make_replay_strategy(token.schedule);
  const ExecutionResult& exec = engine.run(*strategy, 0);

  ReplayOutcome out;
  const std::uint64_t trace_hash = engine.trace_hash();
  out.trace_hash = hash_hex(trace_hash);
  report::ScenarioResult& r = out.result = empty_result(*info, params);
  r.executions = 1;
  r.steps = exec.steps;
  if (!exec.findings.empty()) r.first_failure_execution = 1;
  for (const RawFinding& raw : exec.findings) {
    r.findings.push_back(convert(engine, raw, trace_hash, *info, params, options, 1));
    if (raw.kind == token.kind && trace_hash == token.trace_hash) out.reproduced = true;
  }
  r.verdict = judge(r.expected, r.findings, &r.verdict_reason);
  return out;
}

}  // namespace tangle::detail
