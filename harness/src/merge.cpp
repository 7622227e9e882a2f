#include "merge.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "runner.hpp"

namespace tangle::detail {
namespace {

// The dedup key of a finding: the engine's signature; for findings without
// one (the stress engine's) what that engine deduplicates by.
std::string merge_key(const report::Finding& f) {
  if (!f.signature.empty()) return f.signature;
  std::string key = std::string(report::to_string(f.kind)) + "|" + f.source;
  for (const auto& l : f.locations) key += "|" + l;
  if (f.locations.empty()) key += "|" + f.message;
  return key;
}

std::string shard_name(const report::RunReport& r) {
  return std::to_string(r.shard_index) + "/" + std::to_string(r.shard_count);
}

std::string kinds_text(const std::vector<report::FindingKind>& kinds) {
  std::string s;
  for (auto k : kinds) {
    // Appended piece by piece: `"," + std::string(...)` draws GCC 12's
    // -Wrestrict false positive once inlined.
    if (!s.empty()) s += ',';
    s += report::to_string(k);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

report::ScenarioResult merge_slices(std::vector<report::ScenarioResult> parts) {
  if (parts.empty()) return {};
  report::ScenarioResult r = parts.front();
  r.executions = r.steps = 0;
  r.duration_s = 0;
  r.first_failure_execution.reset();
  r.findings.clear();
  r.complete = true;
  r.incomplete_reason.clear();
  // The earliest sight of each finding, and where it stands in its part.
  struct Sight {
    report::Finding finding;
    std::size_t part, position;
  };
  std::vector<Sight> sights;
  std::unordered_map<std::string, std::size_t> seen;  // merge key -> index in sights
  for (std::size_t k = 0; k < parts.size(); ++k) {
    report::ScenarioResult& p = parts[k];
    r.executions += p.executions;
    r.steps += p.steps;
    r.duration_s = std::max(r.duration_s, p.duration_s);
    if (p.first_failure_execution && (!r.first_failure_execution || *p.first_failure_execution < *r.first_failure_execution))
      r.first_failure_execution = p.first_failure_execution;
    if (!p.complete && r.complete) {
      r.complete = false;
      r.incomplete_reason = p.incomplete_reason;
    }
    for (std::size_t j = 0; j < p.findings.size(); ++j) {
      report::Finding& f = p.findings[j];
      auto [it, inserted] = seen.try_emplace(merge_key(f), sights.size());
      if (inserted) {
        sights.push_back({std::move(f), k, j});
        continue;
      }
      Sight& kept = sights[it->second];
      const std::uint64_t occurrences = kept.finding.occurrences + f.occurrences;
      if (f.first_execution < kept.finding.first_execution) kept = {std::move(f), k, j};  // the earlier sight describes it
      kept.finding.occurrences = occurrences;
    }
  }
  // One worker meets findings in execution order. Ties are findings of one
  // execution, hence of one part: in that part's order.
  std::sort(sights.begin(), sights.end(), [](const Sight& a, const Sight& b) {
    return std::tie(a.finding.first_execution, a.part, a.position) < std::tie(b.finding.first_execution, b.part, b.position);
  });
  for (Sight& s : sights) r.findings.push_back(std::move(s.finding));
  judge_result(r);
  return r;
}

report::RunReport merge_shards(const std::vector<ShardReport>& shards) {
  if (shards.empty()) throw MergeError("no shard report directories to merge");
  const ShardReport& first = shards.front();
  const report::RunReport& base = first.report;
  std::map<std::uint64_t, const ShardReport*> by_index;
  for (const ShardReport& s : shards) {
    const report::RunReport& r = s.report;
    if (r.shard_count == 0)
      throw MergeError(s.dir + " is not a shard report (its results.json has no \"shard\"; run with --shard I/N)");
    if (r.fingerprint.empty()) throw MergeError(s.dir + ": results.json has no run fingerprint");
    if (r.shard_count != base.shard_count)
      throw MergeError(s.dir + " is shard " + shard_name(r) + " but " + first.dir + " is shard " + shard_name(base) +
                       ": shards of different runs");
    // Name the difference when the report shows it; the fingerprint also
    // covers what it does not (the binary, --executions, --max-steps, …).
    std::string what;
    if (r.seed != base.seed) what = "seed " + std::to_string(r.seed) + " vs " + std::to_string(base.seed);
    else if (r.engine != base.engine) what = "engine " + r.engine + " vs " + base.engine;
    else if (r.strategy != base.strategy || r.depth != base.depth) what = "strategy " + r.strategy + " vs " + base.strategy;
    else if (r.scenarios.size() != base.scenarios.size()) what = "a different scenario set";
    else if (r.version != base.version) what = "tangle " + r.version + " vs " + base.version;
    for (std::size_t k = 0; what.empty() && k < r.scenarios.size(); ++k) {
      const auto& a = r.scenarios[k];
      const auto& b = base.scenarios[k];
      if (a.name != b.name || a.params != b.params) what = "a different scenario set (" + a.name + " vs " + b.name + ")";
      else if (a.expected != b.expected)
        what = "different expectations for " + a.name + " (" + kinds_text(a.expected) + " vs " + kinds_text(b.expected) + ")";
    }
    if (what.empty() && r.fingerprint != base.fingerprint)
      what = "a different binary or options (fingerprint " + r.fingerprint + " vs " + base.fingerprint + ")";
    if (!what.empty()) throw MergeError(s.dir + " is a shard of a different run than " + first.dir + ": " + what);
    if (r.shard_index >= r.shard_count) throw MergeError(s.dir + ": shard " + shard_name(r) + " is out of range");
    auto [it, inserted] = by_index.try_emplace(r.shard_index, &s);
    if (!inserted)
      throw MergeError(s.dir + " and " + it->second->dir + " are both shard " + shard_name(r));
  }
  for (std::uint64_t i = 0; i < base.shard_count; ++i)
    if (!by_index.count(i)) {
      std::string missing;
      for (std::uint64_t j = i; j < base.shard_count; ++j)
        if (!by_index.count(j)) missing += (missing.empty() ? "" : ", ") + std::to_string(j) + "/" + std::to_string(base.shard_count);
      throw MergeError("shard " + missing + " missing: every shard of the run is needed");
    }

  report::RunReport out = base;
  out.run_id.clear();
  out.shard_index = out.shard_count = 0;
  out.duration_s = 0;
  out.interrupted.clear();
  out.cut_short.clear();
  out.scenarios.clear();
  for (const auto& [index, s] : by_index) {
    out.duration_s = std::max(out.duration_s, s->report.duration_s);
    // The merge itself was not interrupted: an interrupted shard is a run
    // cut short (its scenarios say incomplete).
    if (out.cut_short.empty() && !s->report.interrupted.empty())
      out.cut_short = "shard " + shard_name(s->report) + " was interrupted by " + s->report.interrupted;
    if (out.cut_short.empty()) out.cut_short = s->report.cut_short;
  }
  for (std::size_t k = 0; k < base.scenarios.size(); ++k) {
    std::vector<report::ScenarioResult> parts;
    for (const auto& [index, s] : by_index) parts.push_back(s->report.scenarios[k]);
    out.scenarios.push_back(merge_slices(std::move(parts)));
  }
  return out;
}

}  // namespace tangle::detail
