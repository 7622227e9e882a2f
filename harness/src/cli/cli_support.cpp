#include "cli/cli_support.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <iostream>
#include <nlohmann/json.hpp>

#include "isolation/isolation.hpp"  // detail::interrupt_signal
#include "runner.hpp"  // detail::judge
#include "source_path.hpp"
#include "tangle/report/console.hpp"
#include "tangle/report/reporter.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::cli {

namespace fs = std::filesystem;

namespace {

// Digits only, after at most one leading '-'.
bool is_decimal(const std::string& text) {
  const std::size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
  return text.size() > sign &&
         std::all_of(text.begin() + static_cast<std::ptrdiff_t>(sign), text.end(),
                     [](unsigned char c) { return c >= '0' && c <= '9'; });
}

// One parser for both integer types: std::from_chars neither skips spaces nor
// takes '+', and reports a value beyond T (or a '-' for an unsigned T) as an
// error instead of wrapping.
template <class T>
T parse_integer(const std::string& text, const std::string& what, T min, T max) {
  if (!is_decimal(text)) throw UsageError(what + ": '" + one_line(text) + "' is not an integer");
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value < min || value > max)
    throw UsageError(what + ": " + one_line(text) + " is out of range " + range_text(min, max));
  return value;
}

}  // namespace

std::string range_text(std::int64_t min, std::int64_t max) { return std::to_string(min) + ".." + std::to_string(max); }
std::string range_text(std::uint64_t min, std::uint64_t max) { return std::to_string(min) + ".." + std::to_string(max); }

std::int64_t parse_int(const std::string& text, const std::string& what, std::int64_t min, std::int64_t max) {
  return parse_integer(text, what, min, max);
}

std::uint64_t parse_uint(const std::string& text, const std::string& what, std::uint64_t min, std::uint64_t max) {
  return parse_integer(text, what, min, max);
}

double parse_seconds(const std::string& text, const std::string& what, double max) {
  double value = 0;
  const char* end = text.data() + text.size();
  // The general format: no leading '+' or spaces, no hex; "nan" and "inf"
  // parse and fail the finiteness test.
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value) || value <= 0 || value > max) {
    std::ostringstream limit;
    limit << std::setprecision(10) << max;
    throw UsageError(what + ": '" + one_line(text) + "' is not a number of seconds in (0, " + limit.str() + "]");
  }
  return value;
}

std::string one_line(const std::string& text, std::size_t limit) {
  std::string out = text.substr(0, limit);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (text.size() > limit) out += "…";
  return out;
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

Params::Map parse_params(const std::vector<std::string>& items, const std::vector<const ScenarioInfo*>& selected) {
  Params::Map out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--param expects NAME=VALUE, got '" + one_line(item) + "'");
    const std::string name = item.substr(0, eq);
    bool declared = false;
    for (const ScenarioInfo* s : selected) declared |= s->defaults.count(name) > 0;
    if (!declared)
      throw UsageError("--param " + one_line(name) + ": no selected scenario has that parameter");
    out[name] = parse_int(item.substr(eq + 1), "--param " + name);
  }
  for (const ScenarioInfo* s : selected) check_params(*s, out, "--param");
  return out;
}

void check_params(const ScenarioInfo& info, const Params::Map& overrides, const std::string& source) {
  for (const auto& [name, value] : overrides) {
    const auto range = info.ranges.find(name);
    if (range == info.ranges.end()) continue;  // not this scenario's parameter
    const auto [min, max] = range->second;
    if (value < min || value > max)
      throw UsageError(source + " " + name + "=" + std::to_string(value) + ": " + info.name + " takes " + name +
                       " in " + range_text(min, max));
  }
  const Params params = detail::effective_params(info, overrides);
  const int threads = info.thread_count(params);
  if (threads < 1 || threads > kMaxScenarioThreads) {
    std::string values;
    for (const auto& [name, value] : params.values()) values += " " + name + "=" + std::to_string(value);
    throw UsageError(info.name + ": parameters" + values + " make " + std::to_string(threads) +
                     " threads; the engines run " + range_text(std::int64_t{1}, std::int64_t{kMaxScenarioThreads}));
  }
}

// --expect FILE: lines "name: kind[,kind]" or "name: none"; '#' starts a comment.
Expectations read_expect_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw UsageError("--expect '" + one_line(path) + "': " +
                     (fs::exists(path, ec) ? "not a regular file" : "no such file"));
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read --expect file '" + one_line(path) + "'");
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
  if (in.bad()) throw UsageError("cannot read --expect file '" + one_line(path) + "'");
  return out;
}

void apply_expectations(const Expectations& expectations, const std::string& scenario,
                        report::ScenarioResult& result, bool strict) {
  const auto it = expectations.find(scenario);
  if (it != expectations.end()) result.expected = it->second;
  if (it != expectations.end() || strict) detail::judge_result(result, strict);
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

void check_format(const std::string& format) {
  if (!report::find_format(format))
    throw UsageError("unknown --format '" + one_line(format) + "' (use: " + report::format_names() + ")");
}

namespace {
int saved_stdout = -1;  // the original fd 1 while divert_stdout is in effect
}  // namespace

void divert_stdout() {
  if (saved_stdout >= 0) return;
  std::cout.flush();
  std::fflush(stdout);
  const int saved = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (saved < 0) return;  // no spare descriptor: stdout stays as it is
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    ::close(saved);
    return;
  }
  saved_stdout = saved;
}

void restore_stdout() {
  if (saved_stdout < 0) return;
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved_stdout, STDOUT_FILENO);
  ::close(saved_stdout);
  saved_stdout = -1;
}

std::ostream& human_stream(const ReportOutput& output) {
  return output.format == "console" ? std::cout : std::cerr;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string replay_program() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const std::string name = self.filename().string();
  if (ec || name == "tangle" || name == "tangle-relacy") return "tangle replay";
  return shell_quote(self.string()) + " replay";
}

int finish_report(const report::RunReport& given, const ReportOutput& output, const std::string& last_line) {
  // One run_id for the stdout document and the files (write_report_dir
  // would otherwise make its own).
  report::RunReport with_id;
  const report::RunReport* rep = &given;
  const std::string replay = replay_program();
  if (given.run_id.empty() || given.replay_command != replay) {
    with_id = given;
    if (with_id.run_id.empty()) with_id.run_id = report::make_run_id();
    with_id.replay_command = replay;
    rep = &with_id;
  }
  report::ReporterOptions options;
  options.source_root = output.source_root;
  options.details = output.details;
  std::ostream& human = human_stream(output);
  options.color = report::color_wanted(&human == &std::cout ? STDOUT_FILENO : STDERR_FILENO);
  const auto console = report::make_reporter("console", options);
  options.color = false;  // documents and files never
  console->set_output(human);
  report::report_to(*console, *rep);
  if (!last_line.empty()) human << last_line << "\n";
  if (output.format != "console") {
    check_format(output.format);
    const auto document = report::make_reporter(output.format, options);
    human.flush();
    restore_stdout();
    document->set_output(std::cout);
    report::report_to(*document, *rep);
    std::cout.flush();
  }
  if (output.dir.empty()) return 0;
  try {
    report::write_report_dir(*rep, output.dir, output.source_root);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << output.tool << ": " << one_line(e.what(), std::string::npos) << "\n";
    return 3;
  }
  human << "report: " << fs::absolute(fs::path(output.dir) / "index.html").string() << "\n";
  return 0;
}

int finish_run(const report::RunReport& rep, const ReportOutput& output, bool gate) {
  const int written = finish_report(rep, output);
  std::ostream& human = human_stream(output);
  if (!rep.interrupted.empty()) {
    human << "run interrupted by " << rep.interrupted << ": the report holds what finished\n";
    return 128 + detail::interrupt_signal();
  }
  const int gate_code = finish_gate(rep, gate, human);
  return written != 0 ? written : gate_code;
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
  for (int i = 0; i < argc; ++i) {
    if (i > 0) s += ' ';
    s += argv[i];  // appended, not `" " + std::string(...)`: GCC 12 warns -Wrestrict on that
  }
  return s;
}

void write_scenario_list(const std::vector<const ScenarioInfo*>& scenarios, const std::string& format,
                         std::ostream& out) {
  auto kinds_of = [](const ScenarioInfo& s) {
    std::vector<std::string> kinds;
    for (auto k : s.expected) kinds.emplace_back(report::to_string(k));
    return kinds;
  };
  // Threads at the declared defaults.
  auto threads_of = [](const ScenarioInfo& s) { return s.thread_count ? s.thread_count(Params(s.defaults)) : 0; };
  if (format == "json") {
    nlohmann::ordered_json doc = {{"scenarios", nlohmann::ordered_json::array()}};
    for (const ScenarioInfo* s : scenarios) {
      nlohmann::ordered_json params = nlohmann::ordered_json::object();
      for (const auto& [k, v] : s->defaults) {
        params[k] = {{"default", v}};
        if (auto r = s->ranges.find(k); r != s->ranges.end()) {
          params[k]["min"] = r->second.min;
          params[k]["max"] = r->second.max;
        }
      }
      doc["scenarios"].push_back({{"name", s->name},
                                  {"description", s->description},
                                  {"expected", kinds_of(*s)},
                                  {"threads", threads_of(*s)},
                                  {"params", std::move(params)},
                                  {"file", detail::relative_source_path(s->file.c_str())},
                                  {"spawns_threads", s->spawns_threads}});
    }
    out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  if (format != "console") throw UsageError("tangle list --format takes console or json, not '" + one_line(format) + "'");
  std::vector<std::vector<std::string>> rows{{"SCENARIO", "EXPECTED", "THREADS", "PARAMETERS", "DESCRIPTION"}};
  for (const ScenarioInfo* s : scenarios) {
    std::string kinds, params;
    for (const auto& k : kinds_of(*s)) kinds += (kinds.empty() ? "" : ",") + k;
    for (const auto& [k, v] : s->defaults) params += (params.empty() ? "" : " ") + k + "=" + std::to_string(v);
    rows.push_back({report::terminal_text(s->name), kinds.empty() ? "none" : kinds,
                    s->spawns_threads ? "main" : std::to_string(threads_of(*s)), report::terminal_text(params),
                    report::terminal_text(s->description)});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], report::text_width(row[c]));
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] + 2 - report::text_width(row[c]), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace tangle::cli
