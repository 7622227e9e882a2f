// The tangle binary as a user and CI see it: exit codes, one-line errors,
// results.json, gate and replay.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tangle/report/writers.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result tangle(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("tangle-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cmd = std::string(TANGLE_BINARY) + " " + args + " >" + (dir / "out").string() + " 2>" +
                          (dir / "err").string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("tangle-cli-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

TEST(Cli, ListShowsEveryBuiltinWithExpectations) {
  const Result r = tangle("list");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("deadlock/lock-order: deadlock,lock_order_inversion"), std::string::npos);
  EXPECT_NE(r.out.find("counter/locked: none"), std::string::npos);
  EXPECT_GE(lines(r.out), 13);
}

TEST(Cli, RunAllPassesAndWritesResultsJson) {
  const fs::path dir = scratch("all");
  const Result r = tangle("run --executions 500 --report-dir " + dir.string());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  std::ifstream in(dir / "results.json");
  const auto report = tangle::report::read_json(in);
  EXPECT_EQ(report.tool, "tangle");
  EXPECT_GE(report.scenarios.size(), 13u);
  const std::string all = std::to_string(report.scenarios.size());
  EXPECT_NE(r.out.find(all + " of " + all + " scenarios as expected"), std::string::npos) << r.out;
  for (const std::string name : {"counter/unprotected", "counter/locked", "rlock/plain-mutex", "rlock/recursive",
                                 "deadlock/lock-order", "deadlock/ordered", "semaphore/over-release",
                                 "semaphore/bounded", "event/racy-status", "event/gate", "prodcons/if-not-while",
                                 "prodcons/lost-wakeup", "prodcons/bounded-queue"})
    EXPECT_TRUE(std::any_of(report.scenarios.begin(), report.scenarios.end(),
                            [&](const auto& s) { return s.name == name; }))
        << name;
  for (const auto& s : report.scenarios) EXPECT_EQ(s.verdict, tangle::report::Verdict::pass) << s.name;
}

TEST(Cli, ReplayOfAPrintedTokenReproduces) {
  const fs::path dir = scratch("replay");
  ASSERT_EQ(tangle("run deadlock/lock-order --strategy random --executions 300 --report-dir " + dir.string()).code, 0);
  std::ifstream in(dir / "results.json");
  const auto report = tangle::report::read_json(in);
  ASSERT_FALSE(report.scenarios.at(0).findings.empty());
  for (const auto& f : report.scenarios[0].findings) {
    const Result r = tangle("replay " + f.replay);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("replay: reproduced " + std::string(to_string(f.kind)) + " with trace_hash " + f.trace_hash),
              std::string::npos)
        << r.out;
  }
}

TEST(Cli, GateExitsOneOnContradictingExpectations) {
  const fs::path dir = scratch("gate");
  const fs::path expect = scratch("expect.txt");
  std::ofstream(expect) << "# counter/locked must race? no: this file is wrong on purpose\n"
                           "counter/locked: data_race\n"
                           "counter/unprotected: none\n";
  Result r = tangle("gate 'counter/*' --executions 300 --report-dir " + dir.string() + " --expect " + expect.string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("gate: FAIL"), std::string::npos);
  EXPECT_NE(r.out.find("counter/locked: expected a bug, found nothing"), std::string::npos) << r.out;
  r = tangle("gate 'counter/*' --executions 300 --report-dir " + dir.string());
  EXPECT_EQ(r.code, 0) << r.out;
}

class BadInput : public ::testing::TestWithParam<const char*> {};

TEST_P(BadInput, ExitsTwoWithOneLineOnStderr) {
  const Result r = tangle(GetParam());
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("tangle: ", 0), 0u) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInput,
    ::testing::Values("run no/such-scenario", "run --no-such-flag", "run --executions abc",
                      "run --executions 0", "run --engine warp", "run --strategy dfs-of-doom",
                      "run --param threads=lots", "run --param nosuchparam=1", "run --granularity coarse",
                      "replay tgl1_AAAAAAAAAAAAAAAAAAAAAA", "replay tgl1_", "replay garbage",
                      "run --report-dir /proc/version/x", "gate --expect /no/such/file", "frobnicate", ""));

}  // namespace
