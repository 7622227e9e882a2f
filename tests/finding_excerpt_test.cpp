// What a finding carries into the reports, end to end on the controlled
// engine: one racing pair is one finding whichever access came first (its
// occurrences bounded by the executions), on every path (in process,
// supervised), and a race far from the end of a long trace keeps both of its
// accesses, with context, in the report — and the console and HTML show them.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "engine_helpers.hpp"
#include "runner.hpp"
#include "tangle/report/console.hpp"
#include "tangle/report/writers.hpp"
#include "tangle/tangle.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

// Thread 0 writes at one line, thread 1 at another: the schedule decides
// which one is "later", so before the fix one pair made two findings.
struct TwoLineRace : Scenario {
  explicit TwoLineRace(const Params&) {}
  Shared<int> x{0, "x"};
  Shared<int> y{0, "y"};
  Mutex m{"m"};
  void thread(int i) override {
    { LockGuard g(m); }  // a scheduling point first, so either thread may go first
    if (i == 0) x.write(1);
    else x.write(2);
    { LockGuard g(m); }
    if (i == 0) y.write(1);  // a second variable: a second pair
    else y.write(2);
  }
};

std::vector<const report::Finding*> races_of(const report::ScenarioResult& r) {
  std::vector<const report::Finding*> out;
  for (const auto& f : r.findings)
    if (f.kind == FindingKind::data_race) out.push_back(&f);
  return out;
}

void expect_one_finding_per_pair(const report::ScenarioResult& r) {
  const auto races = races_of(r);
  ASSERT_EQ(races.size(), 2u) << "one finding per (variable, unordered pair of lines)";
  for (const auto* f : races) {
    EXPECT_LE(f->occurrences, r.executions) << f->message;
    EXPECT_GE(f->occurrences, 1u);
  }
}

TEST(RaceFindings, OnePairIsOneFindingWhicheverAccessCameFirst) {
  RunOptions options;
  options.strategy = "random";
  options.executions = 600;
  const auto r = run_scenario(info_for<TwoLineRace>(2), Params{}, options);
  expect_one_finding_per_pair(r);
  // Both orders did happen (so the test is not vacuous): the stored message
  // names one order; the occurrences count executions of either.
  std::uint64_t total = 0;
  for (const auto* f : races_of(r)) total += f->occurrences;
  EXPECT_LE(total, 2 * r.executions);
}

TEST(RaceFindings, SupervisedRunCountsThePairTheSameWay) {
  RunOptions options;
  options.strategy = "random";
  options.executions = 300;
  options.isolate = true;
  expect_one_finding_per_pair(run_scenario(info_for<TwoLineRace>(2), Params{}, options));
}

TEST(RaceFindings, SignatureIgnoresTheOrderButNotTheVariable) {
  const Loc a = Loc::current();
  const Loc b = Loc::current();
  const std::vector<Loc> ab{a, b}, ba{b, a};
  EXPECT_EQ(finding_signature(FindingKind::data_race, ab, "m1", "x"),
            finding_signature(FindingKind::data_race, ba, "m2", "x"));
  EXPECT_NE(finding_signature(FindingKind::data_race, ab, "m", "x"),
            finding_signature(FindingKind::data_race, ab, "m", "y"));
  // Other kinds keep their order-sensitive key (most relevant line first).
  EXPECT_NE(finding_signature(FindingKind::lock_order_inversion, ab, "", ""),
            finding_signature(FindingKind::lock_order_inversion, ba, "", ""));
}

// The racing writes come first; then each thread makes kTail atomic
// operations, so the execution goes on for hundreds of events after the race.
constexpr int kTail = 300;
struct EarlyRaceLongTrace : Scenario {
  explicit EarlyRaceLongTrace(const Params&) {}
  Shared<int> status{0, "status"};
  Atomic<int> ticks{0, "ticks"};
  void thread(int i) override {
    status.write(i);
    for (int k = 0; k < kTail; ++k) ticks.fetch_add(1);
  }
};

TEST(TraceExcerpt, RaceFarFromTheEndKeepsBothAccessesInEveryReport) {
  RunOptions options;
  options.strategy = "random";
  options.executions = 50;
  options.trace_tail = 40;  // far shorter than the trace: the tail alone would miss the race
  const auto r = run_scenario(info_for<EarlyRaceLongTrace>(2), Params{}, options);
  const auto races = races_of(r);
  ASSERT_EQ(races.size(), 1u);
  const report::Finding& f = *races.front();
  std::vector<std::uint64_t> named;
  for (const auto& e : f.trace)
    if (e.highlight) named.push_back(e.step);
  ASSERT_EQ(named.size(), 2u) << "both accesses of the race are kept";
  ASSERT_GT(f.trace_length, named.back() + 200) << "the premise: the race is far from the end";
  // Context around each access: the neighbouring steps are there too.
  for (std::uint64_t step : named)
    for (std::uint64_t s : {step == 0 ? step : step - 1, step + 1})
      EXPECT_TRUE(std::any_of(f.trace.begin(), f.trace.end(), [s](const auto& e) { return e.step == s; }))
          << "step " << s << " around " << step;

  report::RunReport rep;
  rep.scenarios.push_back(r);
  std::ostringstream console, html;
  report::write_console(rep, console);
  report::write_html(rep, html);
  for (std::uint64_t step : named) {
    const std::string mark = "> #" + std::to_string(step) + " ";
    EXPECT_NE(console.str().find(mark), std::string::npos) << mark << " missing from:\n" << console.str();
    EXPECT_NE(html.str().find("<g class=\"ev op-write hl\"><title>step " + std::to_string(step) + " "),
              std::string::npos)
        << "HTML timeline lacks the access at step " << step;
  }
  EXPECT_NE(console.str().find("... "), std::string::npos) << "the elided stretch is marked";
}

}  // namespace
}  // namespace tangle::detail
