// results.json round trip, junit.xml structure and counts, results.sarif shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sample_report.hpp"
#include "tangle/report/writers.hpp"
#include "xml_check.hpp"

namespace tangle::report {
namespace {

using nlohmann::json;
using testing::sample_report;

// Field-by-field equality (the model has no operator==).
void expect_same(const Finding& a, const Finding& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.threads, b.threads);
  EXPECT_EQ(a.locations, b.locations);
  EXPECT_EQ(a.replay, b.replay);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.trace_length, b.trace_length);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.stacks, b.stacks);
  EXPECT_EQ(a.first_execution, b.first_execution);
  EXPECT_EQ(a.occurrences, b.occurrences);
  ASSERT_EQ(a.trace.size(), b.trace.size());
  for (std::size_t i = 0; i < a.trace.size(); ++i) {
    const auto &x = a.trace[i], &y = b.trace[i];
    EXPECT_EQ(x.step, y.step);
    EXPECT_EQ(x.thread, y.thread);
    EXPECT_EQ(x.op, y.op);
    EXPECT_EQ(x.object, y.object);
    EXPECT_EQ(x.location, y.location);
    EXPECT_EQ(x.detail, y.detail);
    EXPECT_EQ(x.highlight, y.highlight);
  }
  ASSERT_EQ(a.cycle.size(), b.cycle.size());
  for (std::size_t i = 0; i < a.cycle.size(); ++i) {
    EXPECT_EQ(a.cycle[i].thread, b.cycle[i].thread);
    EXPECT_EQ(a.cycle[i].holds, b.cycle[i].holds);
    EXPECT_EQ(a.cycle[i].wants, b.cycle[i].wants);
    EXPECT_EQ(a.cycle[i].other_thread, b.cycle[i].other_thread);
    EXPECT_EQ(a.cycle[i].location, b.cycle[i].location);
  }
}

void expect_same(const RunReport& a, const RunReport& b) {
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.tool, b.tool);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.engine, b.engine);
  EXPECT_EQ(a.strategy, b.strategy);
  EXPECT_EQ(a.depth, b.depth);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.command, b.command);
  EXPECT_DOUBLE_EQ(a.duration_s, b.duration_s);
  EXPECT_EQ(a.interrupted, b.interrupted);
  EXPECT_EQ(a.cut_short, b.cut_short);
  ASSERT_EQ(a.scenarios.size(), b.scenarios.size());
  for (std::size_t i = 0; i < a.scenarios.size(); ++i) {
    const auto &x = a.scenarios[i], &y = b.scenarios[i];
    SCOPED_TRACE(x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.params, y.params);
    EXPECT_EQ(x.threads, y.threads);
    EXPECT_EQ(x.expected, y.expected);
    EXPECT_EQ(x.verdict, y.verdict);
    EXPECT_EQ(x.verdict_reason, y.verdict_reason);
    EXPECT_EQ(x.executions, y.executions);
    EXPECT_EQ(x.first_failure_execution, y.first_failure_execution);
    EXPECT_DOUBLE_EQ(x.duration_s, y.duration_s);
    EXPECT_EQ(x.steps, y.steps);
    EXPECT_EQ(x.complete, y.complete);
    EXPECT_EQ(x.incomplete_reason, y.incomplete_reason);
    ASSERT_EQ(x.findings.size(), y.findings.size());
    for (std::size_t j = 0; j < x.findings.size(); ++j) expect_same(x.findings[j], y.findings[j]);
  }
}

// The sample without the invalid UTF-8 bytes (see JsonReplacesInvalidUtf8).
RunReport valid_utf8_sample() {
  auto r = sample_report();
  for (auto& s : r.scenarios) s.params.erase("bytes");
  return r;
}

std::string junit_of(const RunReport& r) {
  std::ostringstream out;
  write_junit(r, out);
  return out.str();
}

json sarif_of(const RunReport& r, const std::filesystem::path& root = {}) {
  std::ostringstream out;
  write_sarif(r, out, root);
  return json::parse(out.str());  // throws on malformed output
}

// ---------------------------------------------------------------- JSON

TEST(JsonReport, RoundTripKeepsEveryField) {
  auto original = valid_utf8_sample();
  original.run_id = "run-1";
  std::stringstream text;
  write_json(original, text);
  auto back = read_json(text);
  expect_same(original, back);
  std::ostringstream again;
  write_json(back, again);
  EXPECT_EQ(text.str(), again.str()) << "write_json(read_json(x)) must reproduce x";
}

TEST(JsonReport, ContractFieldsPresent) {
  std::ostringstream text;
  write_json(valid_utf8_sample(), text);
  auto j = json::parse(text.str());
  for (const char* key : {"tool", "version", "engine", "strategy", "seed", "scenarios"})
    EXPECT_TRUE(j.contains(key)) << key;
  const auto& s = j["scenarios"][0];
  for (const char* key : {"name", "expected", "verdict", "executions", "first_failure_execution",
                          "duration_s", "findings"})
    EXPECT_TRUE(s.contains(key)) << key;
  const auto& f = s["findings"][0];
  for (const char* key : {"kind", "message", "threads", "locations", "replay", "trace_hash", "trace"})
    EXPECT_TRUE(f.contains(key)) << key;
  EXPECT_EQ(f["kind"], "data_race");
}

// Scenario code can print any bytes; a report must still be written.
// (Needs json_writer.cpp to dump with error_handler_t::replace.)
TEST(JsonReport, InvalidUtf8DoesNotThrow) {
  std::ostringstream text;
  EXPECT_NO_THROW(write_json(sample_report(), text));
}

TEST(JsonReport, ReadRejectsMalformedInputWithOneLine) {
  std::istringstream bad("{\"tool\": \"tangle\", \"scenarios\": [");
  try {
    read_json(bad);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

// ---------------------------------------------------------------- JUnit

TEST(JunitReport, IsWellFormedAndCountsAgreeWithJson) {
  auto report = sample_report();
  std::string xml = junit_of(report);
  auto root = testing::parse_xml(xml);
  ASSERT_EQ(root->name, "testsuites");

  std::ostringstream js;
  write_json(valid_utf8_sample(), js);
  auto j = json::parse(js.str());
  std::size_t json_fail = 0;
  for (const auto& s : j["scenarios"]) json_fail += s["verdict"] == "fail";

  EXPECT_EQ(root->attr("tests"), std::to_string(j["scenarios"].size()));
  EXPECT_EQ(root->attr("failures"), std::to_string(json_fail));
  EXPECT_EQ(root->attr("errors"), "0");

  std::size_t tests = 0, failures = 0, failure_elements = 0;
  std::vector<std::string> names;
  for (const auto* suite : root->all("testsuite")) {
    auto cases = suite->all("testcase");
    std::size_t suite_failures = 0;
    for (const auto* tc : cases) {
      EXPECT_EQ(tc->attr("classname"), suite->attr("name"));
      EXPECT_EQ(tc->attr("name").rfind(suite->attr("name"), 0), 0u) << tc->attr("name");
      names.push_back(tc->attr("name"));
      if (const auto* failure = tc->first("failure")) {
        ++suite_failures;
        EXPECT_FALSE(failure->attr("message").empty());
        EXPECT_FALSE(failure->attr("type").empty());
      }
    }
    EXPECT_EQ(suite->attr("tests"), std::to_string(cases.size()));
    EXPECT_EQ(suite->attr("failures"), std::to_string(suite_failures));
    ASSERT_NE(suite->first("properties"), nullptr);
    tests += cases.size();
    failures += std::stoul(suite->attr("failures"));
    failure_elements += suite_failures;
  }
  EXPECT_EQ(tests, report.scenarios.size());
  EXPECT_EQ(failures, json_fail);
  EXPECT_EQ(failure_elements, json_fail);
  ASSERT_EQ(names.size(), report.scenarios.size());
  // Scenarios in report order within each family; every name present once.
  std::multiset<std::string> expected_names, got(names.begin(), names.end());
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    auto n = report.scenarios[i].name;
    if (n.find('\xFF') == std::string::npos) expected_names.insert(n);
  }
  for (const auto& n : expected_names) EXPECT_EQ(got.count(n), 1u) << n;
}

TEST(JunitReport, FailureNamesTheFindingAndReplay) {
  auto root = testing::parse_xml(junit_of(sample_report()));
  const testing::XmlElement* gate = nullptr;
  for (const auto* suite : root->all("testsuite"))
    for (const auto* tc : suite->all("testcase"))
      if (tc->attr("name") == "event/gate") gate = tc;
  ASSERT_NE(gate, nullptr);
  const auto* failure = gate->first("failure");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->attr("type"), "data_race");
  EXPECT_NE(failure->text.find("data_race: WARNING: ThreadSanitizer: data race"), std::string::npos);
  EXPECT_NE(failure->text.find("tangle replay s1.stress.9.T1"), std::string::npos);
}

TEST(JunitReport, HostileNameSurvivesAsText) {
  std::string xml = junit_of(sample_report());
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  auto root = testing::parse_xml(xml);
  bool found = false;
  for (const auto* suite : root->all("testsuite"))
    for (const auto* tc : suite->all("testcase"))
      found |= tc->attr("name") == testing::kHostileName;
  EXPECT_TRUE(found) << "the hostile name must round-trip through attribute escaping";
}

TEST(JunitReport, ValidatesWithXmllintWhenInstalled) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "xmllint not installed (Debian: libxml2-utils)";
  auto dir = testing::temp_dir("junit");
  auto path = dir / "junit.xml";
  std::ofstream(path) << junit_of(sample_report());
  std::string cmd = "xmllint --noout '" + path.string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "xmllint rejected " << path;
  std::filesystem::remove_all(dir);
}

// The schema Jenkins validates junit.xml against (the xunit plugin's
// junit-10.xsd, kept in tests/reports/schemas/): the sample holds every part
// the writer emits (failures, system-out, properties, hostile strings).
TEST(JunitReport, ValidatesAgainstTheJenkinsJunitSchema) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "xmllint not installed (Debian: libxml2-utils, ci/setup.sh)";
  auto dir = testing::temp_dir("junit-xsd");
  RunReport empty;
  int n = 0;
  for (const RunReport& r : {sample_report(), empty}) {
    auto path = dir / ("junit" + std::to_string(n++) + ".xml");
    std::ofstream(path) << junit_of(r);
    std::string cmd = "xmllint --noout --schema '" TANGLE_SCHEMA_DIR "/junit-10.xsd' '" + path.string() + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << "junit-10.xsd rejects " << path;
  }
  // The check can fail: an attribute the schema does not allow is rejected.
  auto bad = dir / "bad.xml";
  std::ofstream(bad) << "<testsuites><testsuite name=\"f\" tests=\"1\" failures=\"0\" errors=\"0\">"
                        "<testcase name=\"x\" executions=\"3\"/></testsuite></testsuites>\n";
  std::string cmd = "xmllint --noout --schema '" TANGLE_SCHEMA_DIR "/junit-10.xsd' '" + bad.string() + "' 2>/dev/null";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::filesystem::remove_all(dir);
}

TEST(JunitReport, ExecutionsArePropertiesOfTheFamily) {
  auto root = testing::parse_xml(junit_of(sample_report()));
  bool found = false;
  for (const auto* suite : root->all("testsuite"))
    for (const auto* props : suite->all("properties"))
      for (const auto* p : props->all("property"))
        found |= p->attr("name") == "counter/unprotected.executions" && p->attr("value") == "412";
  EXPECT_TRUE(found);
}

TEST(JunitReport, EmptyRunIsValid) {
  RunReport empty;
  auto root = testing::parse_xml(junit_of(empty));
  EXPECT_EQ(root->attr("tests"), "0");
  EXPECT_TRUE(root->children.empty());
}

// ---------------------------------------------------------------- SARIF

TEST(SarifReport, HasVersionSchemaAndEveryRule) {
  auto s = sarif_of(sample_report());
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_NE(s["$schema"].get<std::string>().find("sarif-2.1.0"), std::string::npos);
  ASSERT_EQ(s["runs"].size(), 1u);
  const auto& driver = s["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "tangle");
  ASSERT_EQ(driver["rules"].size(), static_cast<std::size_t>(kFindingKindCount));
  for (int i = 0; i < kFindingKindCount; ++i) {
    auto kind = static_cast<FindingKind>(i);
    const auto& rule = driver["rules"][i];
    EXPECT_EQ(rule["id"], std::string(to_string(kind)));
    EXPECT_EQ(rule["fullDescription"]["text"], std::string(explain(kind)));
    EXPECT_FALSE(rule["shortDescription"]["text"].get<std::string>().empty());
  }
}

TEST(SarifReport, OneResultPerDistinctFindingWithRuleAndLevel) {
  auto report = sample_report();
  auto s = sarif_of(report);
  const auto& run = s["runs"][0];
  std::size_t findings = 0;
  for (const auto& sc : report.scenarios) findings += sc.findings.size();
  ASSERT_EQ(run["results"].size(), findings);  // the sample has no duplicates
  for (const auto& r : run["results"]) {
    int index = r["ruleIndex"];
    EXPECT_EQ(run["tool"]["driver"]["rules"][index]["id"], r["ruleId"]);
    EXPECT_FALSE(r["message"]["text"].get<std::string>().empty());
    std::string scenario = r["properties"]["scenario"];
    // "note" exactly for a kind the scenario expects (suppressed below).
    const ScenarioResult* sc = nullptr;
    for (const auto& x : report.scenarios)
      if (x.name == scenario) sc = &x;
    ASSERT_NE(sc, nullptr);
    const bool expected = std::find(sc->expected.begin(), sc->expected.end(),
                                    *parse_kind(r["ruleId"].get<std::string>())) != sc->expected.end();
    EXPECT_EQ(r["level"], expected ? "note" : "error") << scenario;
    EXPECT_TRUE(r["partialFingerprints"].contains("tangleFinding/v1"));
  }
  // The missed expected bug has no finding: it is a notification.
  const auto& notes = run["invocations"][0]["toolExecutionNotifications"];
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0]["message"]["text"].get<std::string>().find("prodcons/lost-wakeup"),
            std::string::npos);
}

// Code scanning shows only what is not suppressed: a deliberate bug of a
// tutorial scenario is suppressed (inSource, accepted, with why), a finding
// no scenario expects is not — also in a scenario that expects other kinds.
TEST(SarifReport, ExpectedFindingsAreSuppressedUnexpectedOnesAreNot) {
  RunReport report;
  ScenarioResult s;
  s.name = "counter/unprotected";
  s.expected = {FindingKind::data_race};
  s.verdict = Verdict::fail;
  Finding expected, unexpected;
  expected.kind = FindingKind::data_race;
  expected.locations = {"scenarios/counter/unprotected.cpp:17"};
  unexpected.kind = FindingKind::crash;
  unexpected.message = "thread 1 threw int";
  s.findings = {expected, unexpected};
  ScenarioResult clean;
  clean.name = "counter/locked";
  clean.verdict = Verdict::fail;
  clean.findings = {expected};
  report.scenarios = {s, clean};
  const auto results = sarif_of(report)["runs"][0]["results"];
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    const bool suppressed = r.contains("suppressions");
    const bool should = r["properties"]["scenario"] == "counter/unprotected" && r["ruleId"] == "data_race";
    EXPECT_EQ(suppressed, should) << r.dump();
    if (!suppressed) {
      EXPECT_EQ(r["level"], "error");
      continue;
    }
    ASSERT_EQ(r["suppressions"].size(), 1u);
    EXPECT_EQ(r["suppressions"][0]["kind"], "inSource");
    EXPECT_EQ(r["suppressions"][0]["status"], "accepted");
    EXPECT_EQ(r["suppressions"][0]["justification"].get<std::string>().rfind("expected by scenario counter/unprotected", 0), 0u);
  }
}

// The SARIF 2.1.0 JSON schema (tests/reports/schemas/), checked by Debian's
// python3-jsonschema (ci/setup.sh) run by Debian's interpreter: /usr/bin/python3,
// not whatever python3 comes first in PATH.
constexpr const char* kJsonSchemaCheck =
    "import json, sys, jsonschema\n"
    "schema = json.load(open(sys.argv[1]))\n"
    "jsonschema.Draft7Validator.check_schema(schema)\n"
    "errors = list(jsonschema.Draft7Validator(schema).iter_errors(json.load(open(sys.argv[2]))))\n"
    "for e in errors[:20]: print('/'.join(map(str, e.absolute_path)), e.message[:300])\n"
    "sys.exit(1 if errors else 0)\n";

int sarif_schema_check(const std::filesystem::path& document, std::string* output) {
  const auto script = document.parent_path() / "check.py";
  std::ofstream(script) << kJsonSchemaCheck;
  const auto log = document.parent_path() / "check.log";
  const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" TANGLE_SCHEMA_DIR "/sarif-schema-2.1.0.json' '" +
                          document.string() + "' > '" + log.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(log);
  *output = std::string(std::istreambuf_iterator<char>(in), {});
  return status;
}

TEST(SarifReport, ValidatesAgainstTheSarif210Schema) {
  if (std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "Debian's python3-jsonschema not installed (ci/setup.sh)";
  auto dir = testing::temp_dir("sarif-schema");
  std::string output;
  // The sample has every part the writer emits: thread flows, cycles, TSan
  // stacks, notifications, suppressions, hostile strings; with and without
  // a source root; and an empty run.
  RunReport empty;
  int n = 0;
  for (const auto& [report, root] : std::vector<std::pair<RunReport, std::filesystem::path>>{
           {sample_report(), {}}, {sample_report(), testing::make_source_root()}, {empty, {}}}) {
    const auto path = dir / ("results" + std::to_string(n++) + ".sarif");
    std::ofstream(path) << sarif_of(report, root).dump();
    EXPECT_EQ(sarif_schema_check(path, &output), 0) << path << " does not validate:\n" << output;
  }
  // The check can fail: a result without its message, a level SARIF does not know.
  auto broken = sarif_of(sample_report());
  broken["runs"][0]["results"][0].erase("message");
  broken["runs"][0]["results"][1]["level"] = "fatal";
  const auto bad = dir / "broken.sarif";
  std::ofstream(bad) << broken.dump();
  EXPECT_NE(sarif_schema_check(bad, &output), 0);
  EXPECT_NE(output.find("'message' is a required property"), std::string::npos) << output;
  EXPECT_NE(output.find("'fatal' is not one of"), std::string::npos) << output;
  std::filesystem::remove_all(dir);
}

TEST(SarifReport, LocationsAreRelativeToSrcRoot) {
  auto s = sarif_of(sample_report());
  const auto& race = s["runs"][0]["results"][0];
  ASSERT_EQ(race["ruleId"], "data_race");
  const auto& phys = race["locations"][0]["physicalLocation"];
  EXPECT_EQ(phys["artifactLocation"]["uri"], "scenarios/counter/unprotected.cpp");
  EXPECT_EQ(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(phys["region"]["startLine"], 31);
  // No URI escapes the source root, none is absolute.
  std::string text = s.dump();
  EXPECT_EQ(text.find("\"uri\":\"../"), std::string::npos);
  EXPECT_EQ(text.find("\"uri\":\"/"), std::string::npos);
  EXPECT_EQ(text.find("etc/passwd\",\"uriBaseId"), std::string::npos);
}

TEST(SarifReport, AbsolutePathsUnderTheRootBecomeRelative) {
  RunReport r;
  ScenarioResult sc;
  sc.name = "x/y";
  sc.verdict = Verdict::fail;
  Finding f;
  f.kind = FindingKind::crash;
  f.locations = {"/src/tree/scenarios/x/y.cpp:12:7"};
  sc.findings = {f, f};  // a duplicate: merged into one result
  r.scenarios = {sc};
  auto s = sarif_of(r, "/src/tree");
  ASSERT_EQ(s["runs"][0]["results"].size(), 1u);
  const auto& res = s["runs"][0]["results"][0];
  EXPECT_EQ(res["properties"]["occurrences"], 2);
  const auto& phys = res["locations"][0]["physicalLocation"];
  EXPECT_EQ(phys["artifactLocation"]["uri"], "scenarios/x/y.cpp");
  EXPECT_EQ(phys["region"]["startLine"], 12);
  EXPECT_EQ(phys["region"]["startColumn"], 7);
  EXPECT_EQ(s["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///src/tree/");
}

TEST(SarifReport, InterleavingIsAThreadFlowPerThreadInOrder) {
  auto report = sample_report();
  auto s = sarif_of(report);
  const auto& race = s["runs"][0]["results"][0];
  ASSERT_EQ(race["codeFlows"].size(), 1u);
  const auto& flows = race["codeFlows"][0]["threadFlows"];
  ASSERT_EQ(flows.size(), 2u);  // T0 and T1
  std::size_t total = 0;
  std::set<std::uint64_t> orders;
  for (const auto& flow : flows) {
    std::int64_t last = -1;
    for (const auto& loc : flow["locations"]) {
      std::int64_t order = loc["executionOrder"];
      EXPECT_GT(order, last) << "executionOrder must increase within a thread";
      last = order;
      orders.insert(static_cast<std::uint64_t>(order));
      ++total;
    }
  }
  const auto& trace = report.scenarios[0].findings[0].trace;
  EXPECT_EQ(total, trace.size());
  EXPECT_EQ(orders.size(), trace.size()) << "execution orders are global and distinct";
  // The racing write is essential and carries its source line.
  bool essential = false;
  for (const auto& flow : flows)
    for (const auto& loc : flow["locations"])
      if (loc["importance"] == "essential") {
        essential = true;
        EXPECT_EQ(loc["location"]["physicalLocation"]["region"]["startLine"], 31);
      }
  EXPECT_TRUE(essential);
}

TEST(SarifReport, DeadlockCycleAndTsanStacks) {
  auto s = sarif_of(sample_report());
  bool deadlock = false, tsan = false;
  for (const auto& r : s["runs"][0]["results"]) {
    if (r["ruleId"] == "deadlock") {
      deadlock = true;
      std::string related = r["relatedLocations"].dump();
      EXPECT_NE(related.find("T0 holds mutex A and wants mutex B (held by T1)"), std::string::npos);
    }
    if (r["properties"]["source"] == "tsan") {
      tsan = true;
      ASSERT_EQ(r["stacks"].size(), 2u);
      const auto& frame = r["stacks"][0]["frames"][0]["location"];
      EXPECT_EQ(frame["physicalLocation"]["artifactLocation"]["uri"], "scenarios/event/gate.cpp");
      EXPECT_EQ(frame["physicalLocation"]["region"]["startLine"], 14);
    }
  }
  EXPECT_TRUE(deadlock);
  EXPECT_TRUE(tsan);
}

// ---------------------------------------------------------------- directory

TEST(ReportDir, WritesEveryFormatWithoutLeftovers) {
  auto dir = testing::temp_dir("dir") / "nested" / "tangle-report";
  auto root = testing::make_source_root();
  auto report = valid_utf8_sample();
  report.run_id = "run-dir";
  write_report_dir(report, dir, root);
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files.insert(entry.path().filename().string());
  // .tangle/ holds the sets the four names point into (report_dir.cpp).
  EXPECT_EQ(files, (std::set<std::string>{".tangle", "results.json", "junit.xml", "results.sarif",
                                          "index.html"}));
  std::ifstream in(dir / "results.json");
  expect_same(report, read_json(in));
  std::filesystem::remove_all(dir.parent_path().parent_path());
  std::filesystem::remove_all(root);
}

TEST(ReportDir, UnwritableDirectoryThrowsOneLine) {
  auto dir = testing::temp_dir("ro");
  auto file = dir / "a-file";
  std::ofstream(file) << "x";
  try {
    write_report_dir(valid_utf8_sample(), file / "sub");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tangle::report
