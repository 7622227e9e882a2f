#include "cli/cli_support.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "runner.hpp"  // detail::judge

namespace tangle::cli {

namespace fs = std::filesystem;

std::int64_t parse_int(const std::string& text, const std::string& what) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used, 10);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(what + ": '" + text + "' is not an integer");
}

std::vector<const ScenarioInfo*> select(const std::vector<std::string>& patterns,
                                        const std::string& list_command) {
  const auto all = registered_scenarios();
  if (patterns.empty()) return all;
  std::vector<const ScenarioInfo*> out;
  for (const auto& p : patterns) {
    bool any = false;
    for (const ScenarioInfo* s : all)
      if (::fnmatch(p.c_str(), s->name.c_str(), 0) == 0) {
        any = true;
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
      }
    if (!any) throw UsageError("no scenario matches '" + p + "' (see: " + list_command + ")");
  }
  std::sort(out.begin(), out.end(),
            [](const ScenarioInfo* a, const ScenarioInfo* b) { return a->name < b->name; });
  return out;
}

Params::Map parse_params(const std::vector<std::string>& items,
                                                 const std::vector<const ScenarioInfo*>& selected) {
  Params::Map out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--param expects NAME=VALUE, got '" + item + "'");
    const std::string name = item.substr(0, eq);
    bool declared = false;
    for (const ScenarioInfo* s : selected) declared |= s->defaults.count(name) > 0;
    if (!declared) throw UsageError("--param " + name + ": no selected scenario has that parameter");
    out[name] = parse_int(item.substr(eq + 1), "--param " + name);
  }
  return out;
}

// --expect FILE: lines "name: kind[,kind]" or "name: none"; '#' starts a comment.
Expectations read_expect_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read --expect file '" + path + "'");
  Expectations out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    line = trim(line);
    if (line.empty()) continue;
    const auto colon = line.rfind(':');
    const std::string where = path + ":" + std::to_string(number);
    if (colon == std::string::npos) throw UsageError(where + ": expected 'name: kind[,kind]' or 'name: none'");
    const std::string name = trim(line.substr(0, colon));
    if (!find_scenario(name)) throw UsageError(where + ": unknown scenario '" + name + "'");
    std::vector<report::FindingKind> kinds;
    std::stringstream list(line.substr(colon + 1));
    for (std::string k; std::getline(list, k, ',');) {
      k = trim(k);
      if (k == "none" || k.empty()) continue;
      auto kind = report::parse_kind(k);
      if (!kind) throw UsageError(where + ": unknown finding kind '" + k + "'");
      kinds.push_back(*kind);
    }
    out[name] = kinds;
  }
  return out;
}

void apply_expectations(const Expectations& expectations, const std::string& scenario,
                        report::ScenarioResult& result) {
  if (auto it = expectations.find(scenario); it != expectations.end()) {
    result.expected = it->second;
    result.verdict = detail::judge(result.expected, result.findings, &result.verdict_reason);
  }
}

int finish_gate(const report::RunReport& rep, bool gate, std::ostream& out) {
  bool all_pass = true;
  for (const auto& s : rep.scenarios) all_pass &= s.verdict == report::Verdict::pass;
  if (gate) {
    if (all_pass) {
      out << "gate: PASS — every scenario behaved as expected\n";
    } else {
      out << "gate: FAIL — unexpected outcomes:\n";
      for (const auto& s : rep.scenarios)
        if (s.verdict == report::Verdict::fail) out << "  " << s.name << ": " << s.verdict_reason << "\n";
    }
  }
  return all_pass ? 0 : 1;
}

void check_report_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path probe = fs::path(dir) / ".tangle-write-probe";
  std::ofstream out(probe);
  if (ec || !out) throw UsageError("cannot write report directory '" + dir + "'");
  out.close();
  fs::remove(probe, ec);
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

}  // namespace tangle::cli
