// The tangle binary as a user and CI see it: exit codes, one-line errors,
// results.json, gate and replay, --format documents on stdout.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"
#include "run_binary.hpp"
#include "tangle/report/writers.hpp"
#include "token.hpp"

namespace {

namespace fs = std::filesystem;

using Result = tangle::test_support::Outcome;
using tangle::test_support::lines;

Result tangle(const std::string& args, int timeout_s = 0) {
  return tangle::test_support::run_binary(TANGLE_BINARY, args, timeout_s);
}

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("tangle-cli-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

TEST(Cli, ListShowsEveryBuiltinWithExpectationsAndDescriptionsInColumns) {
  const Result r = tangle("list");
  EXPECT_EQ(r.code, 0);
  EXPECT_GE(lines(r.out), 14);
  std::istringstream in(r.out);
  std::string header;
  std::getline(in, header);
  const auto desc_col = header.find("DESCRIPTION");
  ASSERT_NE(desc_col, std::string::npos) << header;
  for (std::string line; std::getline(in, line);) {
    // Every built-in has a description, starting in the DESCRIPTION column.
    ASSERT_GT(line.size(), desc_col) << line;
    EXPECT_NE(line[desc_col], ' ') << line;
    EXPECT_EQ(line[desc_col - 1], ' ') << line;
  }
  EXPECT_NE(r.out.find("deadlock,lock_order_inversion"), std::string::npos);
}

TEST(Cli, ListTakesPatternsAndJson) {
  const Result r = tangle("list 'deadlock/*' --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["scenarios"].size(), 2u);
  EXPECT_EQ(doc["scenarios"][0]["name"], "deadlock/lock-order");
  EXPECT_EQ(doc["scenarios"][0]["expected"], nlohmann::json::array({"deadlock", "lock_order_inversion"}));
  EXPECT_FALSE(doc["scenarios"][0]["description"].get<std::string>().empty());
  EXPECT_EQ(doc["scenarios"][0]["threads"], 2);
  EXPECT_EQ(tangle("list 'nothing/*'").code, 2);
  EXPECT_EQ(tangle("list --format xml").code, 2);
}

// prodcons/if-not-while expects invariant_violation and data_race; with a
// couple of executions it finds one of them at most, which passes by the
// default rule and fails under --strict-expect naming the missing kind.
TEST(Cli, StrictExpectRequiresEveryExpectedKind) {
  const fs::path dir = scratch("strict");
  const Result loose = tangle("run counter/unprotected --executions 1 --report-dir " + dir.string());
  EXPECT_EQ(loose.code, 0) << loose.out;
  const Result strict = tangle("run counter/unprotected --executions 1 --strict-expect --report-dir " + dir.string());
  EXPECT_EQ(strict.code, 1) << strict.out;
  EXPECT_NE(strict.out.find("expected invariant_violation was not found (--strict-expect)"), std::string::npos)
      << strict.out;
  const Result enough = tangle("run counter/unprotected --executions 2000 --strict-expect --report-dir " + dir.string());
  EXPECT_EQ(enough.code, 0) << enough.out;
  const Result help = tangle("run --help");
  EXPECT_NE(help.out.find("every finding's kind being expected"), std::string::npos) << help.out;
}

// --time-budget alone on the stress engine runs until it is spent, not the
// default 200 executions.
TEST(Cli, StressTimeBudgetAloneRunsUntilItIsSpent) {
  const fs::path dir = scratch("stress-budget");
  const Result r = tangle("run counter/locked --engine stress --jobs 1 --time-budget 1.5 --report-dir " + dir.string());
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  std::ifstream in(dir / "results.json");
  const auto report = tangle::report::read_json(in);
  ASSERT_EQ(report.scenarios.size(), 1u);
  EXPECT_GT(report.scenarios[0].executions, 200u);
  EXPECT_GE(report.duration_s, 1.0);
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

// Every bad input: exit code 2, one line on stderr, nothing run. The process
// is killed after 20 s, so an input that wraps into a run forever fails.
class BadInput : public ::testing::TestWithParam<const char*> {};

TEST_P(BadInput, ExitsTwoWithOneLineOnStderr) {
  const Result r = tangle(GetParam(), 20);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("tangle: ", 0), 0u) << r.err;
  EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadInput,
    ::testing::Values("run no/such-scenario", "run --no-such-flag", "run --executions abc",
                      "run --executions 0", "run --engine warp", "run --strategy dfs-of-doom",
                      "run --param threads=lots", "run --param nosuchparam=1", "run --granularity coarse",
                      "replay tgl1_AAAAAAAAAAAAAAAAAAAAAA", "replay tgl1_", "replay garbage",
                      "run --report-dir /proc/version/x", "gate --expect /no/such/file", "frobnicate", "",
                      "run --format bogus", "gate --format JSON", "run counter/locked --format",
                      "replay tgl1_AAAAAAAAAAAAAAAAAAAAAA --format bogus", "run --engine relacy --format json"));

// The hostile tester's inputs (issue 10): each used to wrap, clamp, run for a
// minute or die with "internal error"; `says` is part of the one line.
struct Hostile {
  const char* args;
  const char* says;
};

void PrintTo(const Hostile& h, std::ostream* os) {
  for (const char* c = h.args; *c; ++c) *os << (*c == '\n' ? std::string("\\n") : std::string(1, *c));
}

class HostileInput : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileInput, ExitsTwoWithOneLineNamingTheLimit) {
  const Result r = tangle(std::string("run counter/locked --report-dir /tmp/tangle-never-written ") + GetParam().args, 20);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("tangle: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(GetParam().says), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    Cli, HostileInput,
    ::testing::Values(
        Hostile{"--executions -1", "--executions: -1 is out of range 1..9223372036854775807"},
        Hostile{"--executions 99999999999999999999", "out of range 1..9223372036854775807"},
        Hostile{"--executions +5", "'+5' is not an integer"},
        Hostile{"--executions ' 5'", "' 5' is not an integer"},
        Hostile{"--executions 5x", "'5x' is not an integer"},
        Hostile{"--depth 1000000", "--depth: 1000000 is out of range 1..10000"},
        Hostile{"--depth 2147483647", "out of range 1..10000"},
        Hostile{"--depth 0", "out of range 1..10000"},
        Hostile{"--seed -1", "--seed: -1 is out of range 0..18446744073709551615"},
        Hostile{"--seed 18446744073709551616", "out of range 0..18446744073709551615"},
        Hostile{"--max-steps 0", "--max-steps: 0 is out of range 1..1000000000"},
        Hostile{"--max-steps 1000000001", "out of range 1..1000000000"},
        Hostile{"--jobs 0", "--jobs: 0 is out of range 1..1024"},
        Hostile{"--jobs 1025 --engine stress", "out of range 1..1024"},
        Hostile{"--time-budget nan", "--time-budget: 'nan' is not a number of seconds"},
        Hostile{"--time-budget inf", "'inf' is not a number of seconds"},
        Hostile{"--time-budget 0", "'0' is not a number of seconds in (0, 1000000]"},
        Hostile{"--time-budget -1", "'-1' is not a number of seconds"},
        Hostile{"--watchdog 0", "--watchdog: '0' is not a number of seconds in (0, 3600]"},
        Hostile{"--watchdog 3601", "in (0, 3600]"},
        Hostile{"--watchdog 1e-400", "is not a number of seconds"},
        Hostile{"--param threads=4294967298", "--param threads=4294967298: counter/locked takes threads in 1..4096"},
        Hostile{"--param threads=4097", "counter/locked takes threads in 1..4096"},
        Hostile{"--param threads=0", "counter/locked takes threads in 1..4096"},
        Hostile{"--param threads=-1", "counter/locked takes threads in 1..4096"},
        Hostile{"--param iterations=99999999999999999999", "--param iterations: 99999999999999999999 is out of range"},
        Hostile{"--param iterations=0x10", "'0x10' is not an integer"},
        Hostile{"--param iterations=0", "counter/locked takes iterations in 1..10000000"},
        // A newline inside an argument must not make a second line.
        Hostile{"--depth '1\n2'", "--depth: '1?2' is not an integer"}),
    [](const ::testing::TestParamInfo<Hostile>& info) {  // "3_executions__5": index, then the flag
      std::string name = std::to_string(info.index) + "_";
      for (const char* c = info.param.args; *c; ++c) name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
      return name;
    });

// Two parameters each within range whose sum is not: the thread count is
// checked from the effective parameters, before anything runs.
TEST(Cli, ThreadCountFromParametersOutOfRangeExitsTwo) {
  const Result r = tangle("run prodcons/bounded-queue --param producers=2050 --param consumers=2050", 20);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("prodcons/bounded-queue: parameters"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("make 4100 threads; the engines run 1..4096"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// A replay token carries parameters too: out of range is exit 2 before the
// engine sees them (65 threads, beyond the engine's limit of the time, used to
// be "internal error", exit 3).
TEST(Cli, ReplayTokenWithOutOfRangeParameterExitsTwo) {
  tangle::detail::ReplayToken token;
  token.scenario = "counter/locked";
  token.params = {{"threads", 4097}, {"iterations", 2}};
  token.max_steps = 1000;
  token.schedule = {0, 1};
  token.kind = tangle::report::FindingKind::data_race;
  const Result r = tangle("replay " + tangle::detail::encode_token(token), 20);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("replay token parameter threads=4097: counter/locked takes threads in 1..4096"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Cli, ExpectMustBeAReadableRegularFile) {
  const fs::path dir = scratch("expect-dir");
  fs::create_directories(dir);
  for (const auto& [path, says] : {std::pair{dir.string(), "not a regular file"},
                                   std::pair{(dir / "missing").string(), "no such file"},
                                   // open succeeds, reading fails (EIO), even as root
                                   std::pair{std::string("/proc/self/mem"), "cannot read --expect file"}}) {
    const Result r = tangle("gate counter/locked --report-dir " + (dir / "out").string() + " --expect " + path, 20);
    EXPECT_EQ(r.code, 2) << path << ": " << r.out << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(Cli, ExpectFileWithoutReadPermissionExitsTwo) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a file whatever its mode";
  const fs::path file = scratch("unreadable.txt");
  std::ofstream(file) << "counter/locked: none\n";
  fs::permissions(file, fs::perms::none);
  const Result r = tangle("gate counter/locked --report-dir " + scratch("unreadable").string() + " --expect " + file.string(), 20);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
}

// --watchdog is in seconds (DESIGN.md §5): fractions are accepted.
TEST(Cli, WatchdogTakesSeconds) {
  const Result r = tangle("run counter/locked --engine stress --executions 2 --no-isolate --watchdog 0.5 --report-dir " +
                              scratch("watchdog").string(),
                          60);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

// Output into a pipe nobody reads (`tangle list | head -1`) just stops; the
// exit code follows the normal rules instead of 141 (SIGPIPE).
TEST(Cli, ClosedStdoutPipeIsNotACrash) {
  using tangle::test_support::exit_code_into_closed_pipe;
  EXPECT_EQ(exit_code_into_closed_pipe(TANGLE_BINARY, {"list"}), 0);
  EXPECT_EQ(exit_code_into_closed_pipe(TANGLE_BINARY, {"run", "counter/locked", "--executions", "20", "--report-dir",
                                                       scratch("pipe").string()}),
            0);
  const fs::path expect = scratch("pipe-expect.txt");
  std::ofstream(expect) << "counter/unprotected: none\n";
  EXPECT_EQ(exit_code_into_closed_pipe(TANGLE_BINARY, {"gate", "counter/unprotected", "--executions", "200",
                                                       "--report-dir", scratch("pipe-gate").string(), "--expect",
                                                       expect.string()}),
            1);
}

}  // namespace

namespace {

// A full disk: the console verdict is printed all the same, one line on
// stderr names the file that could not be written, exit 3, and the previous
// report set stays whole (a 64 KiB tmpfs mounted at --report-dir; root only).
TEST(Cli, FullDiskPrintsTheVerdictKeepsThePreviousSetAndExitsThree) {
  const fs::path dir = scratch("tmpfs");
  fs::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") != 0) GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
  struct Unmount {
    fs::path dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount{dir};

  const Result small = tangle("run counter/locked --executions 10 -q --report-dir " + dir.string());
  ASSERT_EQ(small.code, 0) << small.out << small.err;
  const std::string before = tangle::test_support::slurp(dir / "results.json");
  ASSERT_FALSE(before.empty());

  // Every built-in, with traces: far more than what is left of 64 KiB.
  const Result big = tangle("run --executions 200 -q --report-dir " + dir.string());
  EXPECT_EQ(big.code, 3) << big.out << big.err;
  EXPECT_EQ(lines(big.err), 1) << big.err;
  EXPECT_NE(big.err.find("cannot write report file"), std::string::npos) << big.err;
  EXPECT_NE(big.out.find("verdict: 24 of 24 scenarios as expected"), std::string::npos) << big.out;
  EXPECT_EQ(tangle::test_support::slurp(dir / "results.json"), before);
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

// --format F: stdout is exactly F's document, the same one the report
// directory holds (one run_id), and the human text moves to stderr.
TEST(CliFormat, JsonOnStdoutIsResultsJson) {
  const fs::path dir = scratch("format-json");
  const Result r = tangle("run 'counter/*' --executions 300 --format json --report-dir " + dir.string(), 120);
  EXPECT_EQ(r.code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);  // throws (fails) on anything but one JSON document
  const auto file = nlohmann::json::parse(tangle::test_support::slurp(dir / "results.json"));
  EXPECT_EQ(doc, file);
  EXPECT_EQ(r.out, tangle::test_support::slurp(dir / "results.json"));
  EXPECT_FALSE(doc.at("run_id").get<std::string>().empty());
  EXPECT_EQ(doc.at("scenarios").size(), 2u);
  // The console went to stderr, verdict and report line included.
  EXPECT_NE(r.err.find("counter/unprotected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("verdict: 2 of 2 scenarios as expected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("report: "), std::string::npos) << r.err;
}

TEST(CliFormat, SarifAndJunitOnStdoutCarryTheSetsRunId) {
  const fs::path dir = scratch("format-sarif");
  Result r = tangle("run counter/unprotected --executions 200 --format sarif --report-dir " + dir.string(), 120);
  EXPECT_EQ(r.code, 0) << r.err;
  const auto sarif = nlohmann::json::parse(r.out);
  const std::string run_id = nlohmann::json::parse(tangle::test_support::slurp(dir / "results.json")).at("run_id");
  EXPECT_EQ(sarif.at("version"), "2.1.0");
  EXPECT_EQ(sarif["runs"][0]["automationDetails"]["id"], "tangle/controlled/" + run_id);
  EXPECT_EQ(r.out, tangle::test_support::slurp(dir / "results.sarif"));

  r = tangle("run counter/locked --executions 100 --format junit --report-dir " + dir.string(), 120);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u) << r.out.substr(0, 200);
  EXPECT_EQ(r.out, tangle::test_support::slurp(dir / "junit.xml"));
}

TEST(CliFormat, GateAndReplayLinesGoToStderr) {
  const fs::path dir = scratch("format-gate");
  Result r = tangle("gate deadlock/lock-order --strategy random --executions 300 --format json --report-dir " +
                        dir.string(),
                    120);
  EXPECT_EQ(r.code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_NE(r.err.find("gate: PASS"), std::string::npos) << r.err;
  const auto& findings = doc.at("scenarios").at(0).at("findings");
  ASSERT_FALSE(findings.empty());
  const std::string token = findings[0].at("replay");
  r = tangle("replay " + token + " --format json", 120);
  EXPECT_EQ(r.code, 0) << r.err;
  const auto replayed = nlohmann::json::parse(r.out);
  EXPECT_EQ(replayed.at("strategy"), "replay");
  EXPECT_EQ(replayed.at("scenarios").at(0).at("name"), "deadlock/lock-order");
  EXPECT_NE(r.err.find("replay: reproduced"), std::string::npos) << r.err;
}

TEST(CliFormat, ConsoleIsTheDefault) {
  const fs::path dir = scratch("format-console");
  const Result a = tangle("run counter/locked --executions 50 --report-dir " + dir.string(), 120);
  const Result b = tangle("run counter/locked --executions 50 --format console --report-dir " + dir.string(), 120);
  EXPECT_EQ(a.code, 0);
  EXPECT_EQ(b.code, 0);
  EXPECT_NE(a.out.find("verdict: 1 of 1 scenarios as expected"), std::string::npos) << a.out;
  EXPECT_NE(b.out.find("verdict: 1 of 1 scenarios as expected"), std::string::npos) << b.out;
  EXPECT_EQ(a.err, "");
  EXPECT_EQ(b.err, "");
}

TEST(CliFormat, UnknownFormatNamesTheKnownOnes) {
  const Result r = tangle("run counter/locked --format bogus", 20);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "tangle: unknown --format 'bogus' (use: console, json, junit, sarif, html)\n");
  EXPECT_EQ(r.out, "");
}

// While a document waits for stdout, whatever the run prints (here: printf
// and a child process that inherits fd 1) lands on stderr, and the document
// alone on stdout after restore_stdout.
TEST(CliFormat, DivertedStdoutSendsEverythingElseToStderr) {
  const fs::path dir = scratch("divert");
  fs::create_directories(dir);
  const fs::path out = dir / "out", err = dir / "err";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(10);
    tangle::cli::divert_stdout();
    tangle::cli::divert_stdout();  // idempotent
    std::printf("noise;");
    std::fflush(stdout);
    if (std::system("echo child") != 0) ::_exit(11);
    tangle::cli::restore_stdout();
    tangle::cli::restore_stdout();
    std::printf("document");
    std::fflush(stdout);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(tangle::test_support::slurp(out), "document");
  EXPECT_EQ(tangle::test_support::slurp(err), "noise;child\n");
}

}  // namespace
