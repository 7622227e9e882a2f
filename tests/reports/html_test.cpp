// index.html: escaping, self-containment, source excerpts, timeline, cycle
// graph, trace cap, and a size/time measurement for 3,000 findings.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "sample_report.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::report {
namespace {

std::string html_of(const RunReport& r, const std::filesystem::path& root = {}) {
  std::ostringstream out;
  HtmlOptions options;
  options.source_root = root;
  write_html(r, out, options);
  return out.str();
}

std::string detail_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

class HtmlReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::filesystem::path(testing::make_source_root());
    html_ = new std::string(html_of(testing::sample_report(), *root_));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*root_);
    delete root_;
    delete html_;
  }
  static std::filesystem::path* root_;
  static std::string* html_;
};
std::filesystem::path* HtmlReport::root_ = nullptr;
std::string* HtmlReport::html_ = nullptr;

TEST_F(HtmlReport, EscapesEveryScenarioString) {
  const auto& h = *html_;
  // Exactly one script element: ours. Nothing from the model became markup.
  EXPECT_EQ(count(h, "<script"), 1u);
  EXPECT_EQ(count(h, "</script>"), 1u);
  EXPECT_EQ(h.find("<img"), std::string::npos);
  EXPECT_EQ(h.find("<b>k</b>"), std::string::npos);
  EXPECT_EQ(h.find("<mutex"), std::string::npos);
  EXPECT_EQ(h.find("<frame>"), std::string::npos);
  EXPECT_EQ(h.find("<hash>"), std::string::npos);
  EXPECT_EQ(h.find("<loc>"), std::string::npos);
  EXPECT_EQ(h.find("<lock\""), std::string::npos);
  EXPECT_EQ(h.find("</title><script>"), std::string::npos);
  EXPECT_EQ(h.find("</text><script>"), std::string::npos);
  // ...and it is all there as text.
  EXPECT_NE(h.find("evil/&lt;script&gt;alert(1)&lt;/script&gt;&quot;quoted&#39;"), std::string::npos);
  EXPECT_NE(h.find("&lt;script&gt;alert(&#39;msg&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
  EXPECT_NE(h.find("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_NE(h.find("data-copy=\"tangle replay tok&quot;en&lt;script&gt;\""), std::string::npos);
  EXPECT_NE(h.find("&lt;/title&gt;&lt;script&gt;alert(3)"), std::string::npos);
  EXPECT_NE(h.find("&lt;/text&gt;&lt;script&gt;alert(4)"), std::string::npos);
  // Invalid UTF-8 and control characters are replaced, never passed through.
  EXPECT_EQ(h.find('\xFF'), std::string::npos);
  EXPECT_EQ(h.find('\x01'), std::string::npos);
  EXPECT_EQ(h.find('\x7f'), std::string::npos);
  EXPECT_NE(h.find("bad\xEF\xBF\xBD\xEF\xBF\xBDutf8"), std::string::npos);
}

TEST_F(HtmlReport, IsSelfContained) {
  const auto& h = *html_;
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_EQ(h.find("@import"), std::string::npos);
  EXPECT_EQ(h.find("src=\"http"), std::string::npos);
  EXPECT_EQ(h.find("url(http"), std::string::npos);
  // The only URL is the SVG namespace name (never fetched).
  std::regex url("https?://[^\"' <)]+");
  for (auto it = std::sregex_iterator(h.begin(), h.end(), url); it != std::sregex_iterator(); ++it)
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg");
  EXPECT_NE(h.find("Content-Security-Policy"), std::string::npos);
}

TEST_F(HtmlReport, SummaryTableHasEveryScenarioAndColumn) {
  const auto& h = *html_;
  for (const char* column : {"Engine", "Strategy", "Seed", "Expected", "Found", "Verdict",
                             "Executions", "First failing", "Time"})
    EXPECT_NE(h.find(std::string(">") + column + "<"), std::string::npos) << column;
  EXPECT_EQ(count(h, "<tr data-verdict="), 6u);
  EXPECT_EQ(count(h, "<tr data-verdict=\"fail\""), 3u);
  EXPECT_NE(h.find("id=\"f-verdict\""), std::string::npos);
  EXPECT_NE(h.find("id=\"f-kind\""), std::string::npos);
  EXPECT_NE(h.find("<option value=\"deadlock\">deadlock (1)</option>"), std::string::npos);
}

TEST_F(HtmlReport, FindingShowsExplanationSourceTimelineAndReplay) {
  const auto& h = *html_;
  EXPECT_EQ(count(h, "<details class=\"finding\""), 7u);
  EXPECT_NE(h.find(detail_escape(explain(FindingKind::data_race))), std::string::npos);
  // Conflicting accesses with a few lines of source around them.
  EXPECT_NE(h.find("Conflicting accesses"), std::string::npos);
  EXPECT_NE(h.find("<tr class=\"hit\"><td class=\"ln\">31</td><td>    counter.store(seen + 1);"),
            std::string::npos);
  EXPECT_NE(h.find("<td class=\"ln\">28</td>"), std::string::npos);  // context line
  // Source text is escaped too.
  EXPECT_NE(h.find("&lt;b&gt;not escaped?&lt;/b&gt;"), std::string::npos);
  // Swimlane timeline: lanes, marks with tooltips, highlighted marks.
  EXPECT_NE(h.find("<div class=\"timeline\"><svg"), std::string::npos);
  EXPECT_NE(h.find(">T1</text>"), std::string::npos);
  EXPECT_NE(h.find("<g class=\"ev op-write hl\"><title>step 4 \xC2\xB7 T0 write counter\n"
                   "scenarios/counter/unprotected.cpp:31\nvalue=1</title>"),
            std::string::npos);
  // Replay with a copy button.
  EXPECT_NE(h.find("<code>tangle replay c1.random.7.AbCdEf</code><button type=\"button\" "
                   "class=\"copy\" data-copy=\"tangle replay c1.random.7.AbCdEf\">Copy</button>"),
            std::string::npos);
  // TSan findings: shown the same way, plus their stacks.
  EXPECT_NE(h.find("ThreadSanitizer stacks"), std::string::npos);
  EXPECT_NE(h.find("#0 Gate::open() scenarios/event/gate.cpp:14:5 (tangle+0x1234)"), std::string::npos);
  // A missed expected bug explains itself.
  EXPECT_NE(h.find("expected deadlock, but found nothing in 1000 executions"), std::string::npos);
}

TEST_F(HtmlReport, DeadlockHasACycleGraph) {
  const auto& h = *html_;
  EXPECT_NE(h.find("<h4>Wait-for cycle</h4>"), std::string::npos);
  EXPECT_NE(h.find("<h4>Lock-order cycle</h4>"), std::string::npos);
  EXPECT_NE(h.find("<div class=\"graph\"><svg"), std::string::npos);
  EXPECT_NE(h.find("<title>T0 wants mutex B</title>"), std::string::npos);
  EXPECT_NE(h.find("<title>mutex A is held by T0</title>"), std::string::npos);
  EXPECT_NE(h.find("<title>T1 then takes mutex A</title>"), std::string::npos);
}

TEST(HtmlSources, NeverReadsOutsideTheSourceRoot) {
  auto root = testing::make_source_root();
  auto secret = root.parent_path() / (root.filename().string() + "-secret.cpp");
  std::ofstream(secret) << "TOP SECRET LINE\n";
  RunReport r;
  ScenarioResult s;
  s.name = "x/y";
  s.verdict = Verdict::fail;
  Finding f;
  f.kind = FindingKind::crash;
  f.locations = {"../" + secret.filename().string() + ":1", secret.string() + ":1",
                 "scenarios/counter/unprotected.cpp:31"};
  s.findings = {f};
  r.scenarios = {s};
  auto h = html_of(r, root);
  EXPECT_EQ(h.find("TOP SECRET"), std::string::npos);
  EXPECT_NE(h.find("counter.store(seen + 1);"), std::string::npos);
  // Without a source root there are no excerpts at all.
  EXPECT_EQ(html_of(r).find("counter.store"), std::string::npos);
  std::filesystem::remove_all(root);
  std::filesystem::remove(secret);
}

TEST(HtmlTimeline, DrawsTheNamedEventsInContextAndTheWholeTraceOnDemand) {
  // 1000 stored events of 3000, the finding's event the last stored one.
  auto r = testing::large_report(1, 1, 1000);
  auto h = html_of(r);
  const auto whole = h.find("<details class=\"fulltrace\">");
  ASSERT_NE(whole, std::string::npos);
  const std::string excerpt = h.substr(0, whole), rest = h.substr(whole);
  EXPECT_EQ(count(excerpt, "<g class=\"ev "), 7u);  // step 999 and 6 before it
  EXPECT_NE(excerpt.find("<title>step 999 "), std::string::npos);
  EXPECT_NE(excerpt.find("<title>step 993 "), std::string::npos);
  EXPECT_EQ(excerpt.find("<title>step 992 "), std::string::npos);
  EXPECT_NE(excerpt.find("7 of 3000 events"), std::string::npos);
  EXPECT_NE(excerpt.find("\xE2\x80\xA6" "993\xE2\x80\xA6"), std::string::npos) << "the elided start is marked";
  EXPECT_NE(excerpt.find("\xE2\x80\xA6" "2000\xE2\x80\xA6"), std::string::npos) << "the elided end is marked";
  // On demand (a closed <details>): every stored event.
  EXPECT_NE(rest.find("Show the whole trace (1000 stored of 3000 events)"), std::string::npos);
  EXPECT_EQ(count(rest, "<g class=\"ev "), 1000u);
}

// Not a timed assertion: shows the cost in the test log and checks the page
// stays bounded (findings collapsed, drawn events capped page-wide).
TEST(HtmlScale, ThreeThousandFindings) {
  auto report = testing::large_report(30, 100, 60);
  auto start = std::chrono::steady_clock::now();
  std::ostringstream out;
  write_html(report, out);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string h = out.str();
  std::printf("[ html     ] 3000 findings x 60 events: %.1f MB in %.3f s\n",
              static_cast<double>(h.size()) / 1e6, seconds);
  ::testing::Test::RecordProperty("html_bytes", std::to_string(h.size()));
  ::testing::Test::RecordProperty("html_seconds", std::to_string(seconds));
  EXPECT_EQ(count(h, "<details class=\"finding\""), 3000u);
  EXPECT_LE(count(h, "<details class=\"finding\" id=\"s0-f0\" data-kind=\"deadlock\" open>"), 1u);
  EXPECT_LE(count(h, "<g class=\"ev "), 60000u);
  EXPECT_NE(h.find("Timeline omitted to keep this page small"), std::string::npos);
  EXPECT_LT(h.size(), 60u * 1000 * 1000);
  // Also the other formats at this size.
  start = std::chrono::steady_clock::now();
  std::ostringstream junit, sarif;
  write_junit(report, junit);
  write_sarif(report, sarif);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ junit+sarif ] %.1f MB + %.1f MB in %.3f s\n",
              static_cast<double>(junit.str().size()) / 1e6,
              static_cast<double>(sarif.str().size()) / 1e6, seconds);
}

}  // namespace
}  // namespace tangle::report
