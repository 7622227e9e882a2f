// Scale-out (DESIGN.md §5): --jobs N, --shard I/N with the GoogleTest/Bazel
// protocol, and `tangle merge`. Executions are pure, so however a run's
// executions are split — over worker processes or over shards merged later —
// its report is the one process's: the same findings (kind, trace_hash,
// first execution, occurrences), first failures and executions.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "merge.hpp"
#include "run_binary.hpp"
#include "runner.hpp"
#include "tangle/run.hpp"

namespace {

namespace fs = std::filesystem;
using tangle::test_support::Outcome;
using tangle::test_support::lines;

#if defined(__SANITIZE_THREAD__)
#define TANGLE_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TANGLE_TEST_TSAN 1
#endif
#endif
#ifdef TANGLE_TEST_TSAN
// ThreadSanitizer runs the engine ~20x slower; the split is what is tested.
constexpr int kExecutions = 1000;
#else
constexpr int kExecutions = 4000;
#endif

Outcome tangle(const std::string& args) { return tangle::test_support::run_binary(TANGLE_BINARY, args, 300); }

fs::path scratch(const std::string& tag) { return tangle::test_support::scratch_dir("tangle-shards", tag); }

tangle::report::RunReport results(const fs::path& dir) { return tangle::test_support::read_results(dir); }

// What must not depend on how the executions were split.
struct Observed {
  std::uint64_t executions;
  std::optional<std::uint64_t> first_failure;
  std::vector<std::tuple<std::string, std::string, std::uint64_t, std::uint64_t>> findings;  // kind, hash, first, count
  std::string verdict;
  bool operator==(const Observed&) const = default;
};

std::string describe(const Observed& o) {
  std::string s = std::to_string(o.executions) + " executions, first failure " +
                  (o.first_failure ? std::to_string(*o.first_failure) : "-") + ", " + o.verdict + ":";
  for (const auto& [kind, hash, first, count] : o.findings)
    s += " " + kind + "/" + hash + "@" + std::to_string(first) + "x" + std::to_string(count);
  return s;
}

std::map<std::string, Observed> observed(const tangle::report::RunReport& r) {
  std::map<std::string, Observed> out;
  for (const auto& s : r.scenarios) {
    Observed& o = out[s.name];
    o.executions = s.executions;
    o.first_failure = s.first_failure_execution;
    o.verdict = std::string(tangle::report::to_string(s.verdict));
    for (const auto& f : s.findings)
      o.findings.emplace_back(std::string(tangle::report::to_string(f.kind)), f.trace_hash, f.first_execution,
                              f.occurrences);
  }
  return out;
}

void expect_same(const tangle::report::RunReport& want, const tangle::report::RunReport& got, const std::string& what) {
  const auto a = observed(want), b = observed(got);
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [name, o] : a) {
    ASSERT_TRUE(b.count(name)) << what << ": " << name << " missing";
    EXPECT_EQ(o, b.at(name)) << what << ": " << name << "\n  one process: " << describe(o)
                             << "\n  " << what << ": " << describe(b.at(name));
  }
}

TEST(Slice, MembersAdvanceAndCompose) {
  using tangle::detail::Slice;
  const Slice s{2, 4};
  EXPECT_EQ(s.first_from(0), 2u);
  EXPECT_EQ(s.first_from(2), 2u);
  EXPECT_EQ(s.first_from(3), 6u);
  EXPECT_EQ(s.members(0, 10), 2u);   // 2, 6
  EXPECT_EQ(s.members(0, 11), 3u);   // 2, 6, 10
  EXPECT_EQ(s.members(7, 7), 0u);
  EXPECT_EQ(s.advance(3, 2), 14u);  // 6, 10, 14
  // Job 1 of 2 within shard 2 of 4: indices 6, 14, …
  const Slice job = s.within({1, 2});
  EXPECT_EQ(job.index, 6u);
  EXPECT_EQ(job.count, 8u);
  // The jobs of every shard cover [0, n) exactly once.
  std::vector<int> seen(100, 0);
  for (std::uint64_t shard = 0; shard < 4; ++shard)
    for (std::uint64_t j = 0; j < 3; ++j) {
      const Slice part = Slice{shard, 4}.within({j, 3});
      for (std::uint64_t i = part.first_from(0); i < 100; i += part.count) ++seen[i];
    }
  for (int n : seen) EXPECT_EQ(n, 1);
}

// The issue's acceptance test: every built-in, --executions N in one process
// = 4 shards merged = --jobs 2.
TEST(Shards, OneProcessEqualsFourShardsMergedAndTwoJobs) {
  const std::string n = " --executions " + std::to_string(kExecutions) + " -q";
  const fs::path one = scratch("one"), two = scratch("two"), merged = scratch("merged");
  Outcome r = tangle("run --jobs 1" + n + " --report-dir " + one.string());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = tangle("run --jobs 2" + n + " --report-dir " + two.string());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::string dirs;
  std::vector<fs::path> shards;
  for (int i = 0; i < 4; ++i) {
    const fs::path shard = shards.emplace_back(scratch("shard" + std::to_string(i)));
    // Shards 0 and 1 also split into jobs: slices compose.
    r = tangle("run --shard " + std::to_string(i) + "/4 --jobs " + (i < 2 ? "2" : "1") + n + " --report-dir " +
               shard.string());
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const auto part = results(shard);
    EXPECT_EQ(part.shard_index, static_cast<std::uint64_t>(i));
    EXPECT_EQ(part.shard_count, 4u);
    for (const auto& s : part.scenarios) EXPECT_EQ(s.executions, static_cast<std::uint64_t>(kExecutions / 4)) << s.name;
    dirs += " " + shard.string();
  }
  r = tangle("merge" + dirs + " -q --report-dir " + merged.string());
  ASSERT_EQ(r.code, 0) << r.out << r.err;

  const auto whole = results(one);
  ASSERT_GE(whole.scenarios.size(), 13u);
  for (const auto& s : whole.scenarios) EXPECT_EQ(s.executions, static_cast<std::uint64_t>(kExecutions)) << s.name;
  expect_same(whole, results(two), "--jobs 2");
  const auto m = results(merged);
  expect_same(whole, m, "4 shards merged");
  EXPECT_EQ(m.shard_count, 0u);
  EXPECT_EQ(m.fingerprint, results(shards[0]).fingerprint);
  // Every file of the merged set is rewritten with the merged run's id.
  for (const char* file : {"junit.xml", "results.sarif", "index.html"})
    EXPECT_NE(tangle::test_support::slurp(merged / file).find(m.run_id), std::string::npos) << file;
}

// With a time budget the workers run their interleaved slices until it ends:
// together they cover the low indices first, so the merged first failure is
// the one process's (the smallest index), whatever each worker reached.
TEST(Shards, TimeBudgetedJobsReportTheSmallestFirstFailure) {
  const std::string scenarios = "counter/unprotected locks/broken-check-then-set prodcons/if-not-while -q";
  const fs::path whole = scratch("budget-whole"), budget = scratch("budget-jobs");
  ASSERT_EQ(tangle("run " + scenarios + " --jobs 1 --executions 2000 --report-dir " + whole.string()).code, 0);
  const Outcome r = tangle("run " + scenarios + " --jobs 2 --executions 100000000 --time-budget 1.5 --report-dir " +
                           budget.string());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto want = results(whole), got = results(budget);
  ASSERT_EQ(want.scenarios.size(), got.scenarios.size());
  for (std::size_t k = 0; k < want.scenarios.size(); ++k) {
    EXPECT_FALSE(got.scenarios[k].complete) << got.scenarios[k].name;
    EXPECT_EQ(want.scenarios[k].first_failure_execution, got.scenarios[k].first_failure_execution)
        << want.scenarios[k].name;
  }
}

// One line on stderr, exit code 2, naming what is wrong.
void expect_refused(const Outcome& r, const std::string& says) {
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
}

TEST(Shards, MergeRefusesShardsOfDifferentRunsDuplicatesAndGaps) {
  const auto shard = [](const std::string& tag, const std::string& spec, const std::string& more = " --executions 40") {
    const fs::path dir = scratch(tag);
    const Outcome r = tangle("run 'counter/*' -q --shard " + spec + more + " --report-dir " + dir.string());
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return dir.string();
  };
  const std::string a0 = shard("a0", "0/2"), a1 = shard("a1", "1/2");
  const std::string seed2 = shard("seed2", "1/2", " --executions 40 --seed 2");
  const std::string more = shard("more", "1/2", " --executions 80");
  const std::string other = [] {
    const fs::path dir = scratch("other-set");
    EXPECT_EQ(tangle("run 'rlock/*' --executions 40 -q --shard 1/2 --report-dir " + dir.string()).code, 0);
    return dir.string();
  }();
  const std::string b0 = shard("b0", "0/3"), b1 = shard("b1", "1/3");
  const fs::path plain = scratch("plain");
  ASSERT_EQ(tangle("run 'counter/*' --executions 40 -q --report-dir " + plain.string()).code, 0);
  const fs::path out_dir = scratch("out");
  const std::string out = " --report-dir " + out_dir.string();

  expect_refused(tangle("merge " + a0 + " " + seed2 + out), "seed 2 vs 1");
  expect_refused(tangle("merge " + a0 + " " + more + out), "different binary or options");
  expect_refused(tangle("merge " + a0 + " " + other + out), "different scenario set");
  expect_refused(tangle("merge " + a0 + " " + a0 + out), "are both shard 0/2");
  expect_refused(tangle("merge " + b0 + " " + b1 + out), "shard 2/3 missing");
  expect_refused(tangle("merge " + a0 + " " + b1 + out), "shards of different runs");
  expect_refused(tangle("merge " + a0 + " " + plain.string() + out), "is not a shard report");
  expect_refused(tangle("merge " + a0 + " " + scratch("empty").string() + out), "no readable results.json");
  EXPECT_FALSE(fs::exists(out_dir / "results.json"));
  // The matching pair merges.
  const Outcome ok = tangle("merge " + a1 + " " + a0 + out);
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
}

TEST(Shards, GoogleTestEnvironmentProtocol) {
  const fs::path dir = scratch("gtest-env");
  const fs::path status = dir / "status";
  const std::string env = "GTEST_TOTAL_SHARDS=4 GTEST_SHARD_INDEX=3 GTEST_SHARD_STATUS_FILE=" + status.string() + " ";
  const Outcome r = tangle::test_support::run_binary(
      "env " + env + TANGLE_BINARY, "run counter/unprotected --executions 42 -q --report-dir " + (dir / "r").string(), 120);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(status)) << "the status file tells the test runner that sharding is honoured";
  const auto rep = results(dir / "r");
  EXPECT_EQ(rep.shard_index, 3u);
  EXPECT_EQ(rep.shard_count, 4u);
  ASSERT_EQ(rep.scenarios.size(), 1u);
  EXPECT_EQ(rep.scenarios[0].executions, 10u);  // 3, 7, …, 39
  // --shard wins over the environment.
  const Outcome flag = tangle::test_support::run_binary(
      "env " + env + TANGLE_BINARY, "run counter/unprotected --executions 42 -q --shard 0/2 --report-dir " + (dir / "f").string(), 120);
  ASSERT_EQ(flag.code, 0) << flag.err;
  EXPECT_EQ(results(dir / "f").scenarios[0].executions, 21u);
}

// EXPECT_TANGLE_PASS under gtest sharding: gtest runs each TEST in exactly
// one shard, so that shard runs all of the scenario's executions.
TEST(Shards, LibraryRunIsNotSlicedUnderGtestSharding) {
  ::setenv("GTEST_TOTAL_SHARDS", "4", 1);
  ::setenv("GTEST_SHARD_INDEX", "3", 1);
  tangle::RunSpec spec;
  spec.executions = 100;
  const tangle::RunOutcome out = tangle::run("counter/unprotected", spec);
  ::unsetenv("GTEST_TOTAL_SHARDS");
  ::unsetenv("GTEST_SHARD_INDEX");
  EXPECT_TRUE(out.passed) << out.summary;
  EXPECT_EQ(out.result.executions, 100u);
}

TEST(Shards, BadShardValuesExitTwoWithOneLine) {
  const std::string run = "run counter/locked --executions 8 -q --report-dir " + scratch("bad").string();
  for (const std::string spec : {"4/4", "1", "a/b", "-1/2", "0/0", "1/2/3", "/2"})
    expect_refused(tangle(run + " --shard " + spec), "--shard");
  const auto with_env = [&](const std::string& env) {
    return tangle::test_support::run_binary("env " + env + " " + TANGLE_BINARY, run, 60);
  };
  expect_refused(with_env("GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=2"), "GTEST_SHARD_INDEX");
  expect_refused(with_env("GTEST_TOTAL_SHARDS=x GTEST_SHARD_INDEX=0"), "GTEST_TOTAL_SHARDS");
  expect_refused(with_env("GTEST_TOTAL_SHARDS=2"), "both or neither");
  expect_refused(with_env("GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=0 GTEST_SHARD_STATUS_FILE=/nonexistent/dir/s"),
                 "GTEST_SHARD_STATUS_FILE");
  expect_refused(tangle(run + " --jobs 2 --no-isolate"), "--no-isolate");
}

// merge_slices directly: the earliest sight of a signature describes it,
// occurrences add up, findings in order of first execution.
TEST(MergeSlices, EarliestSightWinsAndOrderIsByFirstExecution) {
  using tangle::report::Finding;
  using tangle::report::FindingKind;
  const auto finding = [](FindingKind kind, std::string sig, std::uint64_t first, std::uint64_t count) {
    Finding f;
    f.kind = kind;
    f.signature = std::move(sig);
    f.trace_hash = "h" + std::to_string(first);
    f.first_execution = first;
    f.occurrences = count;
    return f;
  };
  tangle::report::ScenarioResult a, b;
  a.name = b.name = "x";
  a.expected = b.expected = {FindingKind::data_race, FindingKind::deadlock};
  a.executions = 5;
  b.executions = 4;
  a.first_failure_execution = 3;
  b.first_failure_execution = 2;
  a.findings = {finding(FindingKind::data_race, "r", 3, 2), finding(FindingKind::deadlock, "d", 5, 1)};
  b.findings = {finding(FindingKind::data_race, "r", 2, 1), finding(FindingKind::data_race, "r2", 4, 3)};
  const auto m = tangle::detail::merge_slices({a, b});
  EXPECT_EQ(m.executions, 9u);
  EXPECT_EQ(m.first_failure_execution, 2u);
  ASSERT_EQ(m.findings.size(), 3u);
  EXPECT_EQ(m.findings[0].signature, "r");
  EXPECT_EQ(m.findings[0].trace_hash, "h2");
  EXPECT_EQ(m.findings[0].occurrences, 3u);
  EXPECT_EQ(m.findings[1].signature, "r2");
  EXPECT_EQ(m.findings[2].signature, "d");
  EXPECT_EQ(m.verdict, tangle::report::Verdict::pass);
}

}  // namespace
