// junit.xml: the run as JUnit XML, for CI systems that show test results.
//
// Mapping of XML elements to model objects (cf. googletest's XML printer):
//
//   <testsuites name="tangle" tests failures errors time>  RunReport
//     <testsuite name=FAMILY tests failures errors skipped time>
//                                      the scenarios of one family, in report
//                                      order ("counter" for "counter/locked")
//       <properties>                   RunReport settings: run_id, version,
//                                      engine, strategy, depth, seed, command;
//                                      interrupted / cut_short when set; one
//                                      "incomplete" property ("NAME: reason")
//                                      per scenario of the family that did not
//                                      run all its executions, and one
//                                      "NAME.executions" per scenario
//                                      (properties, not testcase attributes
//                                      or children: the JUnit schema Jenkins
//                                      validates against, junit-10.xsd of
//                                      the xunit plugin, allows none there;
//                                      tests/reports/schemas/)
//       <testcase name=NAME classname=FAMILY time>   ScenarioResult
//         <failure message=REASON type=KIND>         verdict == fail; the body
//                                      lists every Finding (summary, replay)
//         <system-out>                 verdict == pass with findings: the
//                                      expected findings, with their replay
//       </testcase>
//
// tests = scenarios, failures = scenarios whose verdict is fail, errors and
// skipped = 0 (the model has no such state), time = duration_s. These counts
// agree with results.json by construction: both are read from the same model.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "formats.hpp"
#include "tangle/report/writers.hpp"
#include "text.hpp"

namespace tangle::report {
namespace {

using detail::append_escaped;

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

void attr(std::string& out, const char* name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_escaped(out, value);
  out += '"';
}

void property(std::string& out, std::string_view name, std::string_view value) {
  out += "      <property";
  attr(out, "name", name);
  attr(out, "value", value);
  out += "/>\n";
}

// The text of a failure body or system-out: one block per finding.
std::string findings_text(const ScenarioResult& s) {
  std::string text;
  for (const auto& f : s.findings) {
    text += detail::finding_summary(f);
    text += '\n';
    if (f.occurrences > 1 || f.first_execution > 0)
      text += "  first found in execution " + std::to_string(f.first_execution) + ", " +
              std::to_string(f.occurrences) + " occurrence(s)\n";
    for (std::size_t i = 1; i < f.locations.size(); ++i) text += "  at " + f.locations[i] + "\n";
    if (!f.replay.empty()) text += "  replay: tangle replay " + f.replay + "\n";
  }
  return text;
}

// The failure's type: the first unexpected kind, else the kind of the miss.
std::string failure_type(const ScenarioResult& s) {
  for (const auto& f : s.findings) {
    bool expected = false;
    for (auto k : s.expected) expected |= (k == f.kind);
    if (!expected) return std::string(to_string(f.kind));
  }
  return s.findings.empty() ? "missed_expected_finding" : "unexpected_outcome";
}

}  // namespace

void write_junit(const RunReport& r, std::ostream& os) {
  // Families in order of first appearance, each with its scenarios.
  std::vector<std::string> families;
  std::map<std::string, std::vector<const ScenarioResult*>> by_family;
  for (const auto& s : r.scenarios) {
    auto family = detail::family_of(s.name);
    auto& list = by_family[family];
    if (list.empty()) families.push_back(family);
    list.push_back(&s);
  }
  std::size_t failures = 0;
  double total_time = 0;
  for (const auto& s : r.scenarios) {
    failures += s.verdict == Verdict::fail;
    total_time += s.duration_s;
  }

  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites";
  attr(out, "name", r.tool);
  attr(out, "tests", std::to_string(r.scenarios.size()));
  attr(out, "failures", std::to_string(failures));
  attr(out, "errors", "0");
  attr(out, "time", seconds(r.duration_s > 0 ? r.duration_s : total_time));
  out += ">\n";
  for (const auto& family : families) {
    const auto& list = by_family[family];
    std::size_t family_failures = 0;
    double family_time = 0;
    for (const auto* s : list) {
      family_failures += s->verdict == Verdict::fail;
      family_time += s->duration_s;
    }
    out += "  <testsuite";
    attr(out, "name", family);
    attr(out, "tests", std::to_string(list.size()));
    attr(out, "failures", std::to_string(family_failures));
    attr(out, "errors", "0");
    attr(out, "skipped", "0");
    attr(out, "time", seconds(family_time));
    out += ">\n    <properties>\n";
    property(out, "run_id", r.run_id);
    property(out, "version", r.version);
    property(out, "engine", r.engine);
    property(out, "strategy", r.strategy);
    if (r.depth > 0) property(out, "depth", std::to_string(r.depth));
    property(out, "seed", std::to_string(r.seed));
    if (!r.command.empty()) property(out, "command", r.command);
    if (!r.interrupted.empty()) property(out, "interrupted", r.interrupted);
    if (!r.cut_short.empty()) property(out, "cut_short", r.cut_short);
    for (const auto* s : list) {
      // Per-scenario facts: the schema allows <testcase> no attribute or
      // child for them, so they are the family's properties, named after
      // the scenario.
      property(out, s->name + ".executions", std::to_string(s->executions));
      if (!s->complete) property(out, "incomplete", s->name + ": " + s->incomplete_reason);
    }
    out += "    </properties>\n";
    for (const auto* s : list) {
      out += "    <testcase";
      attr(out, "name", s->name);
      attr(out, "classname", family);
      attr(out, "time", seconds(s->duration_s));
      std::string body = findings_text(*s);
      if (s->verdict == Verdict::fail) {
        out += ">\n      <failure";
        attr(out, "message", detail::failure_reason(*s));
        attr(out, "type", failure_type(*s));
        out += ">";
        std::string text = "expected: " + detail::join_kinds(s->expected) +
                           "\nfound: " + detail::join_kinds(detail::found_kinds(*s)) + "\n" +
                           body;
        append_escaped(out, text);
        out += "</failure>\n    </testcase>\n";
      } else if (!body.empty()) {
        out += ">\n      <system-out>";
        append_escaped(out, "expected findings (" + detail::join_kinds(s->expected) + "):\n" + body);
        out += "</system-out>\n    </testcase>\n";
      } else {
        out += "/>\n";
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  os << out;
}

// The junit.xml reporter: a <testsuite> per family carries its counts in
// attributes ahead of its test cases, so it is written whole in finalize.
namespace {
class JunitReporter final : public Reporter {
 public:
  void finalize(const RunReport& report) override { write_junit(report, output()); }
};
}  // namespace

std::unique_ptr<Reporter> detail::make_junit_reporter(const ReporterOptions&) {
  return std::make_unique<JunitReporter>();
}

}  // namespace tangle::report
