// The reporter interface (reporter.hpp): the registry, the begin / scenario /
// finalize order, every format driven through it into a swapped stream and
// parsed back, write_report_dir's files being exactly those reporters'
// output, and finding kinds appearing only as their contract strings.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sample_report.hpp"
#include "tangle/report/reporter.hpp"
#include "tangle/report/writers.hpp"
#include "xml_check.hpp"

namespace tangle::report {
namespace {

using nlohmann::json;
using testing::sample_report;

// A report with a run_id, as the CLI hands it over.
RunReport sample_with_id() {
  RunReport r = sample_report();
  r.run_id = "20260101T000000Z-1-00000000000000aa";
  return r;
}

// `format` rendered through the interface into a string.
std::string render(std::string_view format, const RunReport& report, const ReporterOptions& options = {}) {
  std::unique_ptr<Reporter> reporter = make_reporter(format, options);
  EXPECT_NE(reporter, nullptr) << format;
  if (!reporter) return "";
  std::ostringstream out;
  reporter->set_output(out);
  report_to(*reporter, report);
  return out.str();
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ReporterRegistry, KnowsEveryFormatAndItsFile) {
  std::vector<std::pair<std::string, std::string>> seen;
  for (const ReporterFormat& f : reporter_formats()) seen.emplace_back(f.name, f.file);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"console", ""}, {"json", "results.json"}, {"junit", "junit.xml"},
      {"sarif", "results.sarif"}, {"html", "index.html"}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(format_names(), "console, json, junit, sarif, html");
  ASSERT_NE(find_format("sarif"), nullptr);
  EXPECT_EQ(find_format("sarif")->file, "results.sarif");
  EXPECT_EQ(find_format("bogus"), nullptr);
  EXPECT_EQ(find_format("JSON"), nullptr);  // names are exact
  EXPECT_EQ(make_reporter("bogus"), nullptr);
}

TEST(ReporterRegistry, OutputIsStdoutUntilSwapped) {
  auto reporter = make_reporter("json");
  ASSERT_NE(reporter, nullptr);
  EXPECT_EQ(&reporter->output(), &std::cout);
  std::ostringstream out;
  reporter->set_output(out);
  EXPECT_EQ(&reporter->output(), &out);
}

// A reporter that records the calls it gets.
class Recorder final : public Reporter {
 public:
  std::vector<std::string> calls;
  RunInfo info;
  void begin(const RunInfo& run) override {
    calls.push_back("begin");
    info = run;
  }
  void scenario(const ScenarioResult& s) override { calls.push_back("scenario " + s.name); }
  void finalize(const RunReport& r) override {
    calls.push_back("finalize " + std::to_string(r.scenarios.size()));
    output() << "done";
  }
};

TEST(ReporterDriver, BeginThenEachScenarioInOrderThenFinalize) {
  const RunReport r = sample_with_id();
  Recorder recorder;
  std::ostringstream out;
  recorder.set_output(out);
  report_to(recorder, r);
  std::vector<std::string> want = {"begin"};
  for (const auto& s : r.scenarios) want.push_back("scenario " + s.name);
  want.push_back("finalize " + std::to_string(r.scenarios.size()));
  EXPECT_EQ(recorder.calls, want);
  EXPECT_EQ(out.str(), "done");
  // begin carries the run-level fields.
  EXPECT_EQ(recorder.info.tool, r.tool);
  EXPECT_EQ(recorder.info.version, r.version);
  EXPECT_EQ(recorder.info.engine, r.engine);
  EXPECT_EQ(recorder.info.strategy, r.strategy);
  EXPECT_EQ(recorder.info.depth, r.depth);
  EXPECT_EQ(recorder.info.granularity, r.granularity);
  EXPECT_EQ(recorder.info.seed, r.seed);
  EXPECT_EQ(recorder.info.run_id, r.run_id);
  EXPECT_EQ(recorder.info.command, r.command);
}

TEST(Reporters, JsonIsTheResultsDocument) {
  const RunReport r = sample_with_id();
  const std::string text = render("json", r);
  std::ostringstream direct;
  write_json(r, direct);
  EXPECT_EQ(text, direct.str());
  const json j = json::parse(text);
  EXPECT_EQ(j.at("tool"), "tangle");
  EXPECT_EQ(j.at("run_id"), r.run_id);
  ASSERT_EQ(j.at("scenarios").size(), r.scenarios.size());
  for (std::size_t i = 0; i < r.scenarios.size(); ++i) EXPECT_EQ(j["scenarios"][i].at("name"), r.scenarios[i].name);
}

TEST(Reporters, JunitIsWellFormedWithOneTestcasePerScenario) {
  const RunReport r = sample_with_id();
  const auto root = testing::parse_xml(render("junit", r));
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->name, "testsuites");
  std::size_t cases = 0;
  bool run_id = false;
  for (const testing::XmlElement* suite : root->all("testsuite")) {
    cases += suite->all("testcase").size();
    if (const testing::XmlElement* props = suite->first("properties"))
      for (const testing::XmlElement* p : props->all("property"))
        run_id |= p->attr("name") == "run_id" && p->attr("value") == r.run_id;
  }
  EXPECT_EQ(cases, r.scenarios.size());
  EXPECT_TRUE(run_id);
}

TEST(Reporters, SarifIsOneRunWithTheRunId) {
  const RunReport r = sample_with_id();
  const json j = json::parse(render("sarif", r));
  EXPECT_EQ(j.at("version"), "2.1.0");
  ASSERT_EQ(j.at("runs").size(), 1u);
  EXPECT_EQ(j["runs"][0]["automationDetails"]["id"], "tangle/" + r.engine + "/" + r.run_id);
  EXPECT_FALSE(j["runs"][0]["results"].empty());
}

TEST(Reporters, HtmlIsOnePageWithTheRunId) {
  const RunReport r = sample_with_id();
  const std::string html = render("html", r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 40);
  EXPECT_NE(html.find("<meta name=\"tangle-run-id\" content=\"" + r.run_id + "\">"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(Reporters, ConsoleHasTheTableAndTheVerdictAndHonoursDetails) {
  const RunReport r = sample_with_id();
  const std::string full = render("console", r);
  for (const auto& s : r.scenarios) EXPECT_NE(full.find(s.name), std::string::npos) << s.name;
  EXPECT_NE(full.find("\nverdict: "), std::string::npos);
  EXPECT_NE(full.find("Findings\n--------"), std::string::npos);
  ReporterOptions quiet;
  quiet.details = false;
  const std::string table = render("console", r, quiet);
  EXPECT_EQ(table.find("Findings\n--------"), std::string::npos);
  EXPECT_NE(table.find("\nverdict: "), std::string::npos);
}

TEST(Reporters, ReportDirFilesAreExactlyTheFileReporters) {
  const RunReport r = sample_with_id();
  const auto root = testing::make_source_root();
  const auto dir = testing::temp_dir("reporters-dir");
  write_report_dir(r, dir, root);
  ReporterOptions options;
  options.source_root = root;
  int files = 0;
  for (const ReporterFormat& f : reporter_formats()) {
    if (f.file.empty()) continue;
    ++files;
    EXPECT_EQ(slurp(dir / std::string(f.file)), render(f.name, r, options)) << f.file;
  }
  EXPECT_EQ(files, 4);
}

// Finding kinds leave tangle only as their DESIGN.md §3 strings: every "kind"
// and "expected" entry of results.json, every SARIF ruleId (and its
// ruleIndex points at the rule of that id, not at an enum value).
TEST(Reporters, KindsAreContractStringsEverywhere) {
  RunReport r = sample_with_id();
  // Every kind once, found and expected, so a kind written as an integer
  // anywhere would show.
  ScenarioResult all;
  all.name = "every/kind";
  for (FindingKind k : kAllFindingKinds) {
    all.expected.push_back(k);
    Finding f;
    f.kind = k;
    f.message = "a " + std::string(to_string(k));
    f.locations = {"scenarios/every/kind.cpp:" + std::to_string(10 + static_cast<int>(all.findings.size()))};
    all.findings.push_back(f);
  }
  r.scenarios.push_back(all);

  const json j = json::parse(render("json", r));
  std::set<std::string> kinds;
  for (const auto& s : j.at("scenarios")) {
    for (const auto& k : s.at("expected")) {
      ASSERT_TRUE(k.is_string()) << k;
      EXPECT_TRUE(parse_kind(k.get<std::string>())) << k;
    }
    for (const auto& f : s.at("findings")) {
      ASSERT_TRUE(f.at("kind").is_string()) << f.at("kind");
      EXPECT_TRUE(parse_kind(f["kind"].get<std::string>())) << f["kind"];
      kinds.insert(f["kind"].get<std::string>());
    }
  }
  EXPECT_EQ(kinds.size(), std::size(kAllFindingKinds));

  const json sarif = json::parse(render("sarif", r));
  const auto& rules = sarif["runs"][0]["tool"]["driver"]["rules"];
  std::set<std::string> rule_ids;
  for (const auto& rule : rules) rule_ids.insert(rule.at("id").get<std::string>());
  EXPECT_EQ(rule_ids.size(), std::size(kAllFindingKinds));
  std::set<std::string> result_ids;
  for (const auto& result : sarif["runs"][0]["results"]) {
    ASSERT_TRUE(result.at("ruleId").is_string());
    const std::string id = result["ruleId"].get<std::string>();
    EXPECT_TRUE(parse_kind(id)) << id;
    EXPECT_EQ(rules.at(result.at("ruleIndex").get<std::size_t>()).at("id"), id);
    result_ids.insert(id);
  }
  EXPECT_EQ(result_ids.size(), std::size(kAllFindingKinds));

  // JUnit and the console name kinds in text: each kind string appears.
  const std::string junit = render("junit", r);
  const std::string console = render("console", r);
  for (FindingKind k : kAllFindingKinds) {
    EXPECT_NE(junit.find(std::string(to_string(k))), std::string::npos) << to_string(k);
    EXPECT_NE(console.find("[every/kind] " + std::string(to_string(k))), std::string::npos) << to_string(k);
  }
}

}  // namespace
}  // namespace tangle::report
