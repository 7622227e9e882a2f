// results.sarif: findings as SARIF 2.1.0, the format GitHub code scanning reads.
//
// Mapping of SARIF objects to model objects (cf. googletest's XML printer):
//
//   sarifLog.runs[0]                      RunReport (one run per report)
//     tool.driver                         tangle; version
//       rules[i]                          kAllFindingKinds[i] (every kind,
//                                         ruleIndex = its position there, id
//                                         = its contract string);
//                                         fullDescription = explain(kind)
//     automationDetails.id                "tangle/ENGINE/RUN_ID": GitHub reads
//                                         the part up to the last '/' as the
//                                         category (stable across runs, so
//                                         alerts are tracked) and the rest as
//                                         this run (RunReport::run_id)
//     invocations[0]                      the command line;
//                                         executionSuccessful = false when
//                                         the run was interrupted (and the
//                                         signal as exitSignalName); one
//                                         toolExecutionNotification per
//                                         scenario that failed without a
//                                         finding to attach (an expected bug
//                                         that was missed), one "warning"
//                                         when the run was cut short and one
//                                         per incomplete scenario
//     properties                          engine, strategy, depth, seed
//     results[]                           one per distinct Finding
//       ruleId / ruleIndex                Finding::kind
//       level                             "note" when the finding's kind is
//                                         one its scenario expects (a
//                                         deliberately buggy scenario), else
//                                         "error"
//       suppressions[0]                   expected findings only: kind
//                                         "inSource" (the scenario's source
//                                         declares it), status "accepted",
//                                         justification "expected by scenario
//                                         NAME ...", so code scanning shows
//                                         only the unexpected ones as alerts
//       message.text                      scenario name + Finding::message
//       locations[0]                      Finding::locations[0]
//       relatedLocations[]                Finding::locations[1..], cycle edges
//       codeFlows[0].threadFlows[t]       the events of thread t of
//                                         Finding::trace, in order, each
//                                         with executionOrder = TraceEvent::step
//       stacks[]                          Finding::stacks (TSan findings)
//       partialFingerprints               scenario + kind + locations, so the
//                                         same bug is the same alert across
//                                         runs with different seeds
//       properties                        scenario, replay token, trace_hash,
//                                         occurrences, expected
//
// "Distinct": findings of one scenario with the same kind and locations are
// one result (the engine usually merges them already; occurrences add up).
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "formats.hpp"
#include "tangle/report/trace_ops.hpp"
#include "tangle/report/writers.hpp"
#include "text.hpp"

namespace tangle::report {
namespace {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

class UriMapper {
 public:
  explicit UriMapper(const fs::path& root)
      : root_(root.empty() ? fs::path() : root.lexically_normal()) {}

  // A physicalLocation for `loc`, or null when it has no usable path:line.
  ordered_json physical(std::string_view loc) const {
    auto pos = detail::parse_location(loc);
    if (!pos) return nullptr;
    auto uri = relative_uri(pos->path);
    if (!uri) return nullptr;
    ordered_json region = {{"startLine", pos->line}};
    if (pos->column > 0) region["startColumn"] = pos->column;
    return {{"artifactLocation", {{"uri", *uri}, {"uriBaseId", "%SRCROOT%"}}},
            {"region", std::move(region)}};
  }

  const fs::path& root() const { return root_; }

  // RFC 3986: keep unreserved characters and '/', encode the rest.
  static std::string percent_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  }

 private:
  // Relative paths pass through; absolute ones only when under the root
  // (system headers and the like are not code-scanning locations).
  std::optional<std::string> relative_uri(const std::string& path) const {
    fs::path p(path);
    if (p.is_absolute()) {
      if (root_.empty()) return std::nullopt;
      auto rel = p.lexically_normal().lexically_relative(root_);
      if (rel.empty() || *rel.begin() == "..") return std::nullopt;
      p = rel;
    }
    auto text = p.lexically_normal().generic_string();
    if (text.empty() || text.rfind("../", 0) == 0) return std::nullopt;
    return percent_encode(text);
  }

  fs::path root_;
};

ordered_json message(std::string text) { return {{"text", std::move(text)}}; }

// The position of `kind` in tool.driver.rules (built from kAllFindingKinds).
int rule_index(FindingKind kind) {
  const auto* it = std::find(std::begin(kAllFindingKinds), std::end(kAllFindingKinds), kind);
  return static_cast<int>(it - std::begin(kAllFindingKinds));
}

ordered_json rule(FindingKind kind) {
  std::string id(to_string(kind));
  std::string title = id;
  std::replace(title.begin(), title.end(), '_', ' ');
  std::string explanation(explain(kind));
  // The first sentence is the short description.
  auto dot = explanation.find(". ");
  std::string short_text = dot == std::string::npos ? explanation : explanation.substr(0, dot + 1);
  bool severe = kind != FindingKind::tsan_report;
  return {
      {"id", id},
      {"name", id},
      {"shortDescription", message(short_text)},
      {"fullDescription", message(explanation)},
      {"help", {{"text", explanation + " Replay the failing interleaving with "
                                       "`tangle replay TOKEN` (token in the result's properties)."},
                {"markdown", "**" + title + "**: " + explanation +
                                 "\n\nReplay the failing interleaving with `tangle replay TOKEN` "
                                 "(the token is in the result's properties and in index.html)."}}},
      {"defaultConfiguration", {{"level", severe ? "error" : "warning"}}},
      {"properties",
       {{"tags", {"concurrency", "tangle"}},
        {"precision", "high"},
        {"problem.severity", severe ? "error" : "warning"}}},
  };
}

// SARIF threadFlowLocation.kinds (2.1.0 §3.38.8) per operation class
// (trace_ops.hpp). A wait takes something another thread must give (a
// permit, a notification, the barrier's last arrival), so it is an acquire
// like a lock; a signal gives it, so it is a release. SARIF has no kind for a
// thread's start, spawn or join: those get none (their threadFlow says which
// thread it is).
std::vector<std::string> thread_flow_kinds(const TraceEvent& e) {
  std::vector<std::string> kinds;
  switch (classify_op(e.op)) {  // no default: a new class must be mapped here
    case OpClass::acquire:
    case OpClass::wait: kinds = {"acquire", "lock"}; break;
    case OpClass::release:
    case OpClass::signal: kinds = {"release", "lock"}; break;
    case OpClass::read:
    case OpClass::write: kinds = {"memory"}; break;
    case OpClass::choice: kinds = {"value"}; break;
    case OpClass::failure: kinds = {"danger"}; break;
    case OpClass::thread:
    case OpClass::other: break;
  }
  if (e.highlight && std::find(kinds.begin(), kinds.end(), "danger") == kinds.end()) kinds.push_back("danger");
  return kinds;
}

ordered_json code_flow(const Finding& f, const UriMapper& uris) {
  std::map<int, ordered_json> flows;  // thread -> threadFlow.locations
  for (const auto& e : f.trace) {
    // Appends, not operator+ chains: GCC 12 warns falsely (-Wrestrict) on those.
    std::string text = "T";
    text += std::to_string(e.thread);
    text += ' ';
    text += e.op;
    if (!e.object.empty()) text += " " + e.object;
    if (!e.detail.empty()) text += " (" + e.detail + ")";
    ordered_json location = {{"message", message(text)}};
    if (auto phys = uris.physical(e.location); !phys.is_null())
      location["physicalLocation"] = std::move(phys);
    ordered_json tfl = {{"location", std::move(location)},
                        {"executionOrder", e.step},
                        {"importance", e.highlight ? "essential" : "important"}};
    if (auto kinds = thread_flow_kinds(e); !kinds.empty()) tfl["kinds"] = kinds;
    flows[e.thread].push_back(std::move(tfl));
  }
  ordered_json thread_flows = ordered_json::array();
  for (auto& [thread, locations] : flows)
    thread_flows.push_back({{"id", std::string("T").append(std::to_string(thread))},
                            {"message", message("thread " + std::to_string(thread))},
                            {"locations", std::move(locations)}});
  std::string text = "the interleaving";
  if (f.trace_length > f.trace.size())
    text += " (last " + std::to_string(f.trace.size()) + " of " +
            std::to_string(f.trace_length) + " events)";
  return {{"message", message(text)}, {"threadFlows", std::move(thread_flows)}};
}

ordered_json stacks(const Finding& f, const UriMapper& uris) {
  ordered_json out = ordered_json::array();
  int n = 0;
  for (const auto& stack : f.stacks) {
    ordered_json frames = ordered_json::array();
    for (const auto& frame : stack) {
      ordered_json location = {{"message", message(frame)}};
      if (auto phys = uris.physical(frame); !phys.is_null())
        location["physicalLocation"] = std::move(phys);
      frames.push_back({{"location", std::move(location)}});
    }
    out.push_back({{"message", message("stack " + std::to_string(++n))},
                   {"frames", std::move(frames)}});
  }
  return out;
}

ordered_json result(const ScenarioResult& s, const Finding& f, std::uint64_t occurrences,
                    const UriMapper& uris, const std::string& replay_command) {
  const bool expected = std::find(s.expected.begin(), s.expected.end(), f.kind) != s.expected.end();
  ordered_json r;
  r["ruleId"] = std::string(to_string(f.kind));
  r["ruleIndex"] = rule_index(f.kind);
  r["level"] = expected ? "note" : "error";
  std::string text = s.name + ": " + (f.message.empty() ? std::string(to_string(f.kind)) : f.message);
  if (expected) text += " (expected: this scenario is meant to have this bug)";
  if (expected)
    r["suppressions"] = ordered_json::array(
        {{{"kind", "inSource"},
          {"status", "accepted"},
          {"justification", "expected by scenario " + s.name + " (it declares ->expect(" +
                                detail::join_kinds(s.expected) + ")): a deliberate bug, not an alert"}}});
  if (!f.replay.empty()) text += ". Replay: tangle replay " + f.replay;
  r["message"] = message(text);

  // SARIF wants the primary location first; locations without a usable
  // path:line are kept as message-only related locations.
  ordered_json locations = ordered_json::array();
  ordered_json related = ordered_json::array();
  int related_id = 0;
  for (const auto& loc : f.locations) {
    auto phys = uris.physical(loc);
    if (locations.empty() && !phys.is_null()) {
      locations.push_back({{"physicalLocation", std::move(phys)}});
      continue;
    }
    ordered_json rl = {{"id", related_id++}, {"message", message(loc)}};
    if (!phys.is_null()) rl["physicalLocation"] = std::move(phys);
    related.push_back(std::move(rl));
  }
  // Fall back to the first located trace event, so GitHub can place the alert.
  if (locations.empty()) {
    for (const auto& e : f.trace) {
      if (!e.highlight) continue;
      if (auto phys = uris.physical(e.location); !phys.is_null()) {
        locations.push_back({{"physicalLocation", std::move(phys)}});
        break;
      }
    }
  }
  for (const auto& edge : f.cycle) {
    std::string text = "T";
    text += std::to_string(edge.thread);
    if (!edge.holds.empty()) text.append(" holds ").append(edge.holds).append(" and");
    text.append(" wants ").append(edge.wants);
    if (edge.other_thread >= 0) text += " (held by T" + std::to_string(edge.other_thread) + ")";
    ordered_json rl = {{"id", related_id++}, {"message", message(text)}};
    if (auto phys = uris.physical(edge.location); !phys.is_null())
      rl["physicalLocation"] = std::move(phys);
    related.push_back(std::move(rl));
  }
  r["locations"] = std::move(locations);
  if (!related.empty()) r["relatedLocations"] = std::move(related);
  if (!f.trace.empty()) r["codeFlows"] = ordered_json::array({code_flow(f, uris)});
  if (!f.stacks.empty()) r["stacks"] = stacks(f, uris);

  std::string identity = s.name + "|" + std::string(to_string(f.kind));
  for (const auto& loc : f.locations) identity += "|" + loc;
  r["partialFingerprints"] = {{"tangleFinding/v1", detail::short_hash(identity)}};
  ordered_json props = {{"scenario", s.name},
                        {"expected", expected},
                        {"source", f.source},
                        {"replay", f.replay},
                        {"replayCommand", f.replay.empty() ? "" : replay_command + " " + f.replay},
                        {"traceHash", f.trace_hash},
                        {"firstExecution", f.first_execution},
                        {"occurrences", occurrences}};
  if (!f.threads.empty()) props["threads"] = f.threads;
  r["properties"] = std::move(props);
  return r;
}

}  // namespace

void write_sarif(const RunReport& report, std::ostream& out, const fs::path& source_root) {
  UriMapper uris(source_root);
  ordered_json rules = ordered_json::array();
  for (FindingKind kind : kAllFindingKinds) rules.push_back(rule(kind));

  ordered_json results = ordered_json::array();
  ordered_json notifications = ordered_json::array();
  for (const auto& s : report.scenarios) {
    // Distinct findings: merge same kind + locations, adding occurrences.
    std::map<std::string, std::size_t> first_of;  // identity -> index in s.findings
    std::vector<std::uint64_t> occurrences(s.findings.size(), 0);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < s.findings.size(); ++i) {
      const auto& f = s.findings[i];
      std::string key(to_string(f.kind));
      for (const auto& loc : f.locations) key += '\n' + loc;
      auto [it, inserted] = first_of.emplace(key, i);
      if (inserted) order.push_back(i);
      occurrences[it->second] += std::max<std::uint64_t>(f.occurrences, 1);
    }
    for (auto i : order) results.push_back(result(s, s.findings[i], occurrences[i], uris, report.replay_command));
    if (s.verdict == Verdict::fail && s.findings.empty())
      notifications.push_back({{"level", "error"},
                               {"message", message(s.name + ": " + detail::failure_reason(s))},
                               {"properties", {{"scenario", s.name}}}});
  }

  if (!report.cut_short.empty())
    notifications.push_back({{"level", "warning"},
                             {"message", message("run cut short: " + report.cut_short)}});
  for (const auto& s : report.scenarios)
    if (!s.complete)
      notifications.push_back({{"level", "warning"},
                               {"message", message(s.name + ": incomplete: " + s.incomplete_reason)},
                               {"properties", {{"scenario", s.name}}}});

  ordered_json invocation = {{"executionSuccessful", report.interrupted.empty()}};
  if (!report.interrupted.empty()) invocation["exitSignalName"] = report.interrupted;
  if (!report.command.empty()) invocation["commandLine"] = report.command;
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);

  ordered_json run;
  run["tool"] = {{"driver",
                  {{"name", report.tool.empty() ? "tangle" : report.tool},
                   {"version", report.version.empty() ? "0" : report.version},
                   {"rules", std::move(rules)}}}};
  run["automationDetails"] = {{"id", "tangle/" + report.engine + "/" + report.run_id}};
  if (!uris.root().empty()) {
    auto root = uris.root().generic_string();
    if (root.empty() || root.back() != '/') root += '/';
    run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", "file://" + UriMapper::percent_encode(root)}}}};
  }
  run["invocations"] = ordered_json::array({std::move(invocation)});
  run["columnKind"] = "utf16CodeUnits";
  run["results"] = std::move(results);
  ordered_json props = {{"engine", report.engine}, {"strategy", report.strategy},
                        {"seed", report.seed}};
  if (report.depth > 0) props["depth"] = report.depth;
  run["properties"] = std::move(props);

  ordered_json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = ordered_json::array({std::move(run)});
  out << log.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

// The results.sarif reporter: results are de-duplicated across the run and
// the invocation says whether the run was interrupted, so it is written whole
// in finalize.
namespace {
class SarifReporter final : public Reporter {
 public:
  explicit SarifReporter(std::filesystem::path source_root) : source_root_(std::move(source_root)) {}
  void finalize(const RunReport& report) override { write_sarif(report, output(), source_root_); }

 private:
  std::filesystem::path source_root_;
};
}  // namespace

std::unique_ptr<Reporter> detail::make_sarif_reporter(const ReporterOptions& options) {
  return std::make_unique<SarifReporter>(options.source_root);
}

}  // namespace tangle::report
