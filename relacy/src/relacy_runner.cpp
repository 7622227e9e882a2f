#include "relacy_runner.hpp"

#include "cli/cli_support.hpp"

#include <sstream>
#include <stdexcept>

#include "runner.hpp"  // tangle::detail::judge (shared verdict rule)

namespace tangle::relacy {

const char* to_string(Scheduler s) {
  switch (s) {
    case Scheduler::random: return "random";
    case Scheduler::full: return "full";
    case Scheduler::context: return "context";
  }
  return "random";
}

std::string encode_token(const ReplayToken& t) {
  std::string s = "relacy:random:" + std::to_string(t.iteration) + ":" + std::to_string(t.max_steps) + ":" +
                  t.scenario;
  std::string params;
  for (const auto& [k, v] : t.params) params += (params.empty() ? "" : ",") + k + "=" + std::to_string(v);
  if (!params.empty()) s += ":" + params;
  return s;
}

ReplayToken decode_token(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("malformed relacy replay token '" + text + "': " + why);
  };
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string p; std::getline(in, p, ':');) parts.push_back(p);
  if (parts.size() < 5 || parts.size() > 6 || parts[0] != "relacy") throw bad("expected relacy:random:K:STEPS:NAME[:k=v,…]");
  if (parts[1] != "random") throw bad("only random-scheduler iterations can be replayed");
  // Whole-string integers only ("3x" and "-1" are refused, not truncated or wrapped).
  const auto integer = [&](const std::string& s, const std::string& what) {
    try {
      return tangle::cli::parse_int(s, what);
    } catch (const tangle::cli::UsageError& e) {
      throw bad(e.what());
    }
  };
  ReplayToken t;
  const std::int64_t iteration = integer(parts[2], "iteration"), max_steps = integer(parts[3], "step bound");
  if (iteration <= 0 || max_steps <= 0) throw bad("iteration and step bound must be positive");
  t.iteration = static_cast<std::uint64_t>(iteration);
  t.max_steps = static_cast<std::uint64_t>(max_steps);
  t.scenario = parts[4];
  if (parts.size() == 6) {
    std::stringstream list(parts[5]);
    for (std::string kv; std::getline(list, kv, ',');) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw bad("parameter '" + kv + "' is not NAME=VALUE");
      t.params[kv.substr(0, eq)] = integer(kv.substr(eq + 1), "parameter " + kv.substr(0, eq));
    }
  }
  return t;
}

report::ScenarioResult run_scenario(const ScenarioInfo& info, const Params& params, const Options& options) {
  // Relacy's thread count is fixed per test suite: a scenario that starts
  // threads at run time checks nothing here, and says so (judged failing).
  if (info.spawns_threads)
    return detail::not_run(info, params, kSpawnsThreadsReason);
  report::ScenarioResult r = detail::empty_result(info, params);

  const Outcome out = run_relacy(info, params, options);
  r.executions = out.executions;
  r.duration_s = out.duration_s;
  if (out.failed) {
    r.first_failure_execution = out.executions;
    report::Finding f = out.finding;
    if (options.scheduler == Scheduler::random)
      f.replay = encode_token({info.name, params.values(), out.failing_iteration, options.max_steps});
    else
      f.replay = "(none: found by Relacy's " + std::string(to_string(options.scheduler)) +
                 " scheduler at iteration " + std::to_string(out.failing_iteration) + ")";
    r.findings.push_back(std::move(f));
  }
  detail::judge_result(r);
  // A buggy scenario whose expected kinds Relacy cannot express at all is
  // judged on what Relacy can say; the reason names the limitation.
  const Expressibility e = expressibility(info, params);
  if (!e.note.empty() && r.verdict == report::Verdict::fail)
    r.verdict_reason += " [" + e.note + "]";
  return r;
}

}  // namespace tangle::relacy
