// results.json (DESIGN.md §6): the machine-readable form of the model.
// Every other format can be regenerated from it (`read_json`).
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

#include "formats.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::report {
namespace {

using nlohmann::ordered_json;

ordered_json to_json(const TraceEvent& e) {
  ordered_json j;
  j["step"] = e.step;
  j["thread"] = e.thread;
  j["op"] = e.op;
  j["object"] = e.object;
  j["location"] = e.location;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (e.highlight) j["highlight"] = true;
  return j;
}

ordered_json to_json(const Finding& f) {
  ordered_json j;
  j["kind"] = to_string(f.kind);
  j["message"] = f.message;
  j["threads"] = f.threads;
  j["locations"] = f.locations;
  j["replay"] = f.replay;
  if (!f.replay_note.empty()) j["replay_note"] = f.replay_note;
  j["trace_hash"] = f.trace_hash;
  j["source"] = f.source;
  j["first_execution"] = f.first_execution;
  j["occurrences"] = f.occurrences;
  j["trace_length"] = f.trace_length;
  if (!f.signature.empty()) j["signature"] = f.signature;
  if (!f.cycle.empty()) {
    auto& c = j["cycle"] = ordered_json::array();
    for (const auto& e : f.cycle)
      c.push_back({{"thread", e.thread}, {"holds", e.holds}, {"wants", e.wants},
                   {"other_thread", e.other_thread}, {"location", e.location}});
  }
  if (!f.stacks.empty()) j["stacks"] = f.stacks;
  auto& t = j["trace"] = ordered_json::array();
  for (const auto& e : f.trace) t.push_back(to_json(e));
  return j;
}

template <class T>
T get_or(const ordered_json& j, const char* key, T fallback) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

Finding finding_from_json(const ordered_json& j) {
  Finding f;
  auto kind = parse_kind(j.at("kind").get<std::string>());
  if (!kind) throw std::runtime_error("unknown finding kind " + j.at("kind").dump());
  f.kind = *kind;
  f.message = j.at("message").get<std::string>();
  f.threads = get_or<std::vector<int>>(j, "threads", {});
  f.locations = get_or<std::vector<std::string>>(j, "locations", {});
  f.replay = get_or<std::string>(j, "replay", "");
  f.replay_note = get_or<std::string>(j, "replay_note", "");
  f.trace_hash = get_or<std::string>(j, "trace_hash", "");
  f.source = get_or<std::string>(j, "source", "tangle");
  f.first_execution = get_or<std::uint64_t>(j, "first_execution", 0);
  f.occurrences = get_or<std::uint64_t>(j, "occurrences", 1);
  f.trace_length = get_or<std::uint64_t>(j, "trace_length", 0);
  f.signature = get_or<std::string>(j, "signature", "");
  f.stacks = get_or<std::vector<std::vector<std::string>>>(j, "stacks", {});
  if (auto it = j.find("cycle"); it != j.end())
    for (const auto& e : *it)
      f.cycle.push_back({e.at("thread").get<int>(), e.at("holds").get<std::string>(),
                         e.at("wants").get<std::string>(), e.at("other_thread").get<int>(),
                         e.at("location").get<std::string>()});
  if (auto it = j.find("trace"); it != j.end())
    for (const auto& e : *it)
      f.trace.push_back({e.at("step").get<std::uint64_t>(), e.at("thread").get<int>(),
                         e.at("op").get<std::string>(), e.at("object").get<std::string>(),
                         e.at("location").get<std::string>(), get_or<std::string>(e, "detail", ""),
                         get_or<bool>(e, "highlight", false)});
  return f;
}

// "" is written as null: "interrupted": null reads as "it was not".
ordered_json string_or_null(const std::string& text) {
  return text.empty() ? ordered_json() : ordered_json(text);
}

}  // namespace

void write_json(const RunReport& r, std::ostream& out) {
  ordered_json j;
  j["tool"] = r.tool;
  j["version"] = r.version;
  j["run_id"] = r.run_id;
  j["engine"] = r.engine;
  j["strategy"] = r.strategy;
  if (r.depth > 0) j["depth"] = r.depth;
  if (!r.granularity.empty()) j["granularity"] = r.granularity;
  j["seed"] = r.seed;
  j["command"] = r.command;
  j["duration_s"] = r.duration_s;
  j["interrupted"] = string_or_null(r.interrupted);
  j["cut_short"] = string_or_null(r.cut_short);
  if (!r.fingerprint.empty()) j["fingerprint"] = r.fingerprint;
  if (r.shard_count > 0) j["shard"] = {{"index", r.shard_index}, {"count", r.shard_count}};
  auto& scenarios = j["scenarios"] = ordered_json::array();
  for (const auto& s : r.scenarios) {
    ordered_json js;
    js["name"] = s.name;
    js["params"] = s.params;
    js["threads"] = s.threads;
    auto& expected = js["expected"] = ordered_json::array();
    for (auto k : s.expected) expected.push_back(to_string(k));
    js["verdict"] = to_string(s.verdict);
    if (!s.verdict_reason.empty()) js["verdict_reason"] = s.verdict_reason;
    js["executions"] = s.executions;
    js["first_failure_execution"] =
        s.first_failure_execution ? ordered_json(*s.first_failure_execution) : ordered_json();
    js["duration_s"] = s.duration_s;
    js["steps"] = s.steps;
    js["complete"] = s.complete;
    if (!s.complete) js["incomplete_reason"] = s.incomplete_reason;
    auto& findings = js["findings"] = ordered_json::array();
    for (const auto& f : s.findings) findings.push_back(to_json(f));
    scenarios.push_back(std::move(js));
  }
  // Scenario strings may hold any bytes: invalid UTF-8 becomes U+FFFD rather than an exception.
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

RunReport read_json(std::istream& in) {
  ordered_json j;
  try {
    j = ordered_json::parse(in);
    RunReport r;
    r.tool = j.at("tool").get<std::string>();
    r.version = get_or<std::string>(j, "version", "");
    r.run_id = get_or<std::string>(j, "run_id", "");
    r.engine = j.at("engine").get<std::string>();
    r.strategy = get_or<std::string>(j, "strategy", "");
    r.depth = get_or<int>(j, "depth", 0);
    r.granularity = get_or<std::string>(j, "granularity", "");
    r.seed = get_or<std::uint64_t>(j, "seed", 0);
    r.command = get_or<std::string>(j, "command", "");
    r.duration_s = get_or<double>(j, "duration_s", 0);
    r.interrupted = get_or<std::string>(j, "interrupted", "");
    r.cut_short = get_or<std::string>(j, "cut_short", "");
    r.fingerprint = get_or<std::string>(j, "fingerprint", "");
    if (auto it = j.find("shard"); it != j.end() && !it->is_null()) {
      r.shard_index = it->at("index").get<std::uint64_t>();
      r.shard_count = it->at("count").get<std::uint64_t>();
    }
    for (const auto& js : j.at("scenarios")) {
      ScenarioResult s;
      s.name = js.at("name").get<std::string>();
      s.params = get_or<std::map<std::string, std::string>>(js, "params", {});
      s.threads = get_or<int>(js, "threads", 0);
      for (const auto& k : js.at("expected")) {
        auto kind = parse_kind(k.get<std::string>());
        if (!kind) throw std::runtime_error("unknown finding kind " + k.dump());
        s.expected.push_back(*kind);
      }
      s.verdict = js.at("verdict").get<std::string>() == "pass" ? Verdict::pass : Verdict::fail;
      s.verdict_reason = get_or<std::string>(js, "verdict_reason", "");
      s.executions = js.at("executions").get<std::uint64_t>();
      if (auto it = js.find("first_failure_execution"); it != js.end() && !it->is_null())
        s.first_failure_execution = it->get<std::uint64_t>();
      s.duration_s = get_or<double>(js, "duration_s", 0);
      s.steps = get_or<std::uint64_t>(js, "steps", 0);
      s.complete = get_or<bool>(js, "complete", true);
      s.incomplete_reason = get_or<std::string>(js, "incomplete_reason", "");
      for (const auto& f : js.at("findings")) s.findings.push_back(finding_from_json(f));
      r.scenarios.push_back(std::move(s));
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed results.json: ") + e.what());
  }
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path.parent_path().string());
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error("cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot write " + path.string() + ": " + ec.message());
  }
}

// The results.json reporter: the document needs the run-level fields ahead
// of "scenarios" and the end-of-run ones (duration_s, interrupted), so it is
// written whole in finalize.
namespace {
class JsonReporter final : public Reporter {
 public:
  void finalize(const RunReport& report) override { write_json(report, output()); }
};
}  // namespace

std::unique_ptr<Reporter> detail::make_json_reporter(const ReporterOptions&) {
  return std::make_unique<JsonReporter>();
}

}  // namespace tangle::report
