// The report directory as one set (writers.hpp, write_report_dir): the same
// run_id in all four files, the new model fields in every format and through
// a JSON round trip, and the faults a hostile tester found — SIGKILL while
// writing, two writers on one directory, a full disk (a 64 KiB tmpfs mounted
// at the directory). No assertion depends on timing: delays only pick the
// moment of a kill.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstddef>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sample_report.hpp"
#include "tangle/report/console.hpp"
#include "tangle/report/writers.hpp"
#include "xml_check.hpp"

namespace tangle::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSetFiles[] = {"results.json", "junit.xml", "results.sarif", "index.html"};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A small report: one scenario of family "counter", with `run_id`.
RunReport small_report(const std::string& run_id) {
  RunReport r;
  r.run_id = run_id;
  r.version = "0.1.0";
  r.seed = 7;
  ScenarioResult s;
  s.name = "counter/locked";
  s.executions = 10;
  r.scenarios = {s};
  return r;
}

// A report large enough that writing it takes a few milliseconds (about 1 MB
// in four files; rendering it takes about as long as writing and fsyncing it).
RunReport big_report(const std::string& run_id) {
  RunReport r = testing::large_report(2, 12, 60);
  r.run_id = run_id;
  return r;
}

// The run_ids the four files carry, read the way CI tools read them.
struct SetIds {
  std::string json, junit, sarif, html;
};

SetIds read_ids(const fs::path& dir) {
  SetIds ids;
  {
    std::ifstream in(dir / "results.json");
    ids.json = read_json(in).run_id;  // throws on a partial file
  }
  auto xml = testing::parse_xml(slurp(dir / "junit.xml"));
  std::set<std::string> junit;
  for (const auto* suite : xml->all("testsuite"))
    for (const auto* props : suite->all("properties"))
      for (const auto* p : props->all("property"))
        if (p->attr("name") == "run_id") junit.insert(p->attr("value"));
  if (junit.size() == 1) ids.junit = *junit.begin();
  std::string id = json::parse(slurp(dir / "results.sarif"))["runs"][0]["automationDetails"]["id"];
  ids.sarif = id.substr(id.rfind('/') + 1);  // "tangle/ENGINE/RUN_ID"
  std::string html = slurp(dir / "index.html");
  const std::string meta = "<meta name=\"tangle-run-id\" content=\"";
  if (auto at = html.find(meta); at != std::string::npos && html.size() > 8 &&
                                  html.compare(html.size() - 8, 8, "</html>\n") == 0) {
    at += meta.size();
    ids.html = html.substr(at, html.find('"', at) - at);
  }
  return ids;
}

// The one run_id of a complete set at `dir`; "" (and a test failure) else.
std::string set_run_id(const fs::path& dir) {
  SetIds ids;
  try {
    ids = read_ids(dir);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the set at " << dir << " is not complete: " << e.what();
    return "";
  }
  EXPECT_FALSE(ids.json.empty());
  EXPECT_EQ(ids.junit, ids.json) << "junit.xml belongs to another set";
  EXPECT_EQ(ids.sarif, ids.json) << "results.sarif belongs to another set";
  EXPECT_EQ(ids.html, ids.json) << "index.html belongs to another set (or is cut off)";
  bool same = ids.junit == ids.json && ids.sarif == ids.json && ids.html == ids.json;
  return same ? ids.json : "";
}

// Every name under `dir` containing ".tmp" (symlinks not followed).
std::vector<std::string> tmp_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) names.push_back(e.path());
  return names;
}

std::size_t entries(const fs::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++n;
  return n;
}

// After a successful write: the published set and nothing else.
void expect_only_the_published_set(const fs::path& dir) {
  EXPECT_EQ(entries(dir / ".tangle/sets"), 1u) << "a stale or partial set was left in " << dir;
  EXPECT_EQ(entries(dir / ".tangle/staging"), 0u);
  EXPECT_EQ(tmp_names(dir), std::vector<std::string>{});
}

// ---------------------------------------------------------------- one set

TEST(ReportDirSet, RunIdIsTheSameInAllFourFiles) {
  auto dir = testing::temp_dir("runid");
  write_report_dir(small_report("run-42"), dir);
  EXPECT_EQ(set_run_id(dir), "run-42");
  for (const char* name : kSetFiles) EXPECT_TRUE(fs::is_symlink(dir / name)) << name;

  // Without a run_id, write_report_dir makes one, different per write.
  write_report_dir(small_report(""), dir);
  std::string first = set_run_id(dir);
  write_report_dir(small_report(""), dir);
  std::string second = set_run_id(dir);
  EXPECT_FALSE(first.empty());
  EXPECT_NE(first, second);
  expect_only_the_published_set(dir);
  fs::remove_all(dir);
}

TEST(ReportDirSet, MakeRunIdIsUniquePrintableWithoutSpacesOrSlashes) {
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(make_run_id());
  EXPECT_EQ(ids.size(), 2000u);
  // Across processes: a forked child's ids differ from the parent's.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += make_run_id() + "\n";
    ssize_t n = ::write(pipe_fds[1], text.data(), text.size());
    ::_exit(n == static_cast<ssize_t>(text.size()) ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::istringstream lines(text);
  std::size_t child_ids = 0;
  for (std::string id; std::getline(lines, id); ++child_ids) ids.insert(id);
  EXPECT_EQ(child_ids, 200u);
  EXPECT_EQ(ids.size(), 2200u);
  for (const auto& id : ids)
    for (char c : id) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-') << id;
}

TEST(ReportDirSet, JsonRoundTripKeepsRunIdInterruptionAndIncompleteScenarios) {
  RunReport r = small_report("run-7");
  r.interrupted = "SIGINT";
  r.cut_short = "the time budget of 10 s was spent";
  ScenarioResult cut = r.scenarios[0];
  cut.name = "counter/unprotected";
  cut.complete = false;
  cut.incomplete_reason = "interrupted after 3 of 1000 executions";
  r.scenarios.push_back(cut);

  std::stringstream text;
  write_json(r, text);
  auto j = json::parse(text.str());
  EXPECT_EQ(j["run_id"], "run-7");
  EXPECT_EQ(j["interrupted"], "SIGINT");
  EXPECT_EQ(j["scenarios"][0]["complete"], true);
  EXPECT_FALSE(j["scenarios"][0].contains("incomplete_reason"));
  EXPECT_EQ(j["scenarios"][1]["complete"], false);
  auto back = read_json(text);
  EXPECT_EQ(back.run_id, "run-7");
  EXPECT_EQ(back.interrupted, "SIGINT");
  EXPECT_EQ(back.cut_short, r.cut_short);
  ASSERT_EQ(back.scenarios.size(), 2u);
  EXPECT_TRUE(back.scenarios[0].complete);
  EXPECT_EQ(back.scenarios[0].incomplete_reason, "");
  EXPECT_FALSE(back.scenarios[1].complete);
  EXPECT_EQ(back.scenarios[1].incomplete_reason, cut.incomplete_reason);
  std::ostringstream again;
  write_json(back, again);
  EXPECT_EQ(again.str(), text.str());

  // A run that ran to its end: null, and read back as "".
  std::stringstream plain;
  write_json(small_report("run-8"), plain);
  j = json::parse(plain.str());
  EXPECT_TRUE(j["interrupted"].is_null());
  EXPECT_TRUE(j["cut_short"].is_null());
  back = read_json(plain);
  EXPECT_EQ(back.interrupted, "");
  EXPECT_EQ(back.cut_short, "");
}

TEST(ReportDirSet, InterruptedAndIncompleteShowInEveryFormat) {
  RunReport r = small_report("run-9");
  r.interrupted = "SIGTERM";
  r.cut_short = "the time budget of 10 s was spent";
  r.scenarios[0].complete = false;
  r.scenarios[0].incomplete_reason = "the time budget was spent after 10 executions";

  std::ostringstream console;
  write_console(r, console);
  EXPECT_NE(console.str().find("INTERRUPTED by SIGTERM"), std::string::npos) << console.str();
  EXPECT_NE(console.str().find("CUT SHORT: the time budget of 10 s was spent"), std::string::npos);
  EXPECT_NE(console.str().find("[INCOMPLETE: the time budget was spent after 10 executions]"),
            std::string::npos);

  std::ostringstream html;
  write_html(r, html);
  EXPECT_NE(html.str().find("<div class=\"banner\" role=\"alert\">Interrupted by SIGTERM"),
            std::string::npos);
  EXPECT_NE(html.str().find(">incomplete</span>"), std::string::npos);

  std::ostringstream junit;
  write_junit(r, junit);
  auto xml = testing::parse_xml(junit.str());
  std::map<std::string, std::string> props;
  for (const auto* p : xml->first("testsuite")->first("properties")->all("property"))
    props[p->attr("name")] = p->attr("value");
  EXPECT_EQ(props["run_id"], "run-9");
  EXPECT_EQ(props["interrupted"], "SIGTERM");
  EXPECT_EQ(props["cut_short"], r.cut_short);
  EXPECT_EQ(props["incomplete"], "counter/locked: " + r.scenarios[0].incomplete_reason);

  std::ostringstream sarif;
  write_sarif(r, sarif);
  auto run = json::parse(sarif.str())["runs"][0];
  EXPECT_EQ(run["automationDetails"]["id"], "tangle/controlled/run-9");
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], false);
  EXPECT_EQ(run["invocations"][0]["exitSignalName"], "SIGTERM");
  std::string notes = run["invocations"][0]["toolExecutionNotifications"].dump();
  EXPECT_NE(notes.find("run cut short: the time budget of 10 s was spent"), std::string::npos);
  EXPECT_NE(notes.find("counter/locked: incomplete"), std::string::npos);

  // A run that ran to its end says none of it.
  std::ostringstream quiet;
  write_console(small_report("run-10"), quiet);
  EXPECT_EQ(quiet.str().find("INTERRUPTED"), std::string::npos);
  EXPECT_EQ(quiet.str().find("INCOMPLETE"), std::string::npos);
}

TEST(ReportDirSet, AdoptsTheFilesOfAnOlderVersion) {
  // An older tangle wrote regular files, one at a time, and left a temporary.
  auto dir = testing::temp_dir("older");
  for (const char* name : kSetFiles) std::ofstream(dir / name) << "old " << name;
  std::ofstream(dir / "results.json.tmp.12345") << "{";
  write_report_dir(small_report("run-new"), dir);
  EXPECT_EQ(set_run_id(dir), "run-new");
  for (const char* name : kSetFiles) EXPECT_TRUE(fs::is_symlink(dir / name)) << name;
  expect_only_the_published_set(dir);
  fs::remove_all(dir);
}

// From now on in this process, system call `nr` fails with `err` when its
// third argument has a bit of `mask` set (a seccomp filter; x86-64 only).
// How the tests below make a kernel without O_TMPFILE, or without linkat.
bool make_syscall_fail(unsigned nr, unsigned mask, int err) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 2),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[2])),  // low half
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

// Where O_TMPFILE or linkat do not work, the same complete set is written.
TEST(ReportDirSet, WritesTheSameSetWithoutOTmpfileOrLinkat) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the seccomp filter of this test is for x86-64";
#endif
  struct Case {
    const char* what;
    unsigned nr, mask;
    int err;
  };
  constexpr unsigned kTmpfileBit = O_TMPFILE & ~O_DIRECTORY;  // O_TMPFILE includes O_DIRECTORY
  const Case cases[] = {
      {"filesystem without O_TMPFILE", SYS_openat, kTmpfileBit, EOPNOTSUPP},
      {"kernel older than O_TMPFILE", SYS_openat, kTmpfileBit, EISDIR},
      {"no /proc and no CAP_DAC_READ_SEARCH for linkat", SYS_linkat, ~0u, ENOENT},  // newdirfd != 0
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto dir = testing::temp_dir("fallback");
    write_report_dir(small_report("before"), dir);
    const std::string id = "fallback-" + std::to_string(n++);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (!make_syscall_fail(c.nr, c.mask, c.err)) ::_exit(2);
      // The filter works: the call that would have succeeded fails.
      const std::string probe = (dir / "probe").string();
      errno = 0;
      if (c.nr == SYS_openat ? ::openat(AT_FDCWD, dir.c_str(), O_TMPFILE | O_WRONLY, 0600) >= 0
                             : ::linkat(AT_FDCWD, (dir / "results.json").c_str(), AT_FDCWD,
                                        probe.c_str(), AT_SYMLINK_FOLLOW) == 0 ||
                                   errno != c.err)
        ::_exit(4);
      try {
        write_report_dir(big_report(id), dir);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        ::_exit(1);
      }
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    if (WEXITSTATUS(status) == 2) GTEST_SKIP() << "seccomp filters are refused here";
    ASSERT_NE(WEXITSTATUS(status), 4) << "the seccomp filter did not make the call fail";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "write_report_dir threw";
    EXPECT_EQ(set_run_id(dir), id);
    expect_only_the_published_set(dir);
    fs::remove_all(dir);
  }
}

// ---------------------------------------------------------------- faults

// Waits for `pid`; true when it was killed by SIGKILL or exited with 0.
bool reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
         (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ReportDirFaults, SigkillAtRandomMomentsLeavesOneCompleteSet) {
  auto dir = testing::temp_dir("kill");
  const RunReport big = big_report("");  // a fresh run_id per write
  write_report_dir(small_report("before-the-kills"), dir);
  // The kill delays span one and a half writes (render, then the locked
  // write, fsyncs and flip), so kills land in every phase.
  auto start = std::chrono::steady_clock::now();
  write_report_dir(big, dir);
  const auto one_write = std::chrono::steady_clock::now() - start;
  const auto max_delay_us = std::max<long>(
      1000, 3 * std::chrono::duration_cast<std::chrono::microseconds>(one_write).count() / 2);
  std::mt19937_64 rng(20261201);

  for (int attempt = 0; attempt < 100; ++attempt) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (;;) {
        try {
          write_report_dir(big, dir);
        } catch (...) {
          ::_exit(3);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<long>(0, max_delay_us)(rng)));
    ::kill(pid, SIGKILL);
    ASSERT_TRUE(reap(pid)) << "the writer failed instead of being killed";

    // Right after the kill: one complete set, and no *.tmp* name anywhere.
    ASSERT_FALSE(set_run_id(dir).empty());
    EXPECT_EQ(tmp_names(dir), std::vector<std::string>{});
    // The next write removes whatever partial sets the killed writers left
    // (every fourth attempt, so that several may pile up first).
    if (attempt % 4 != 3) continue;
    const std::string id = "after-kill-" + std::to_string(attempt);
    write_report_dir(small_report(id), dir);
    EXPECT_EQ(set_run_id(dir), id);
    expect_only_the_published_set(dir);
  }
  fs::remove_all(dir);
}

TEST(ReportDirFaults, TwoConcurrentWritersLeaveOneCompleteSet) {
  auto dir = testing::temp_dir("two");
  write_report_dir(small_report("seed"), dir);
  constexpr int kWrites = 25;
  std::vector<pid_t> writers;
  for (const char* who : {"a", "b"}) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        for (int i = 0; i < kWrites; ++i)
          write_report_dir(i % 4 ? small_report(std::string(who) + std::to_string(i))
                                 : big_report(std::string(who) + std::to_string(i)),
                           dir);
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    writers.push_back(pid);
  }
  // Meanwhile, every results.json read is a whole file of some set. (ENOENT
  // is allowed: a set can be removed between resolving the name and opening.)
  std::size_t reads = 0;
  std::vector<int> statuses(writers.size(), -1);
  for (bool running = true; running;) {
    running = false;
    for (std::size_t i = 0; i < writers.size(); ++i)
      if (statuses[i] == -1 && ::waitpid(writers[i], &statuses[i], WNOHANG) == 0) {
        statuses[i] = -1;
        running = true;
      }
    std::ifstream in(dir / "results.json");
    if (in) {
      EXPECT_NO_THROW(read_json(in));
      ++reads;
    }
  }
  for (int status : statuses) EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_GT(reads, 0u);
  const std::string id = set_run_id(dir);
  EXPECT_TRUE(id == "a" + std::to_string(kWrites - 1) || id == "b" + std::to_string(kWrites - 1))
      << "the last write of one writer must win, not " << id;
  expect_only_the_published_set(dir);
  fs::remove_all(dir);
}

// Unmounts (lazily, so an open file cannot block it) and removes the mount
// point, on every exit from the test.
struct Unmount {
  fs::path dir;
  ~Unmount() {
    ::umount2(dir.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

TEST(ReportDirFaults, FullDiskKeepsThePreviousSetAndSaysWhichFile) {
  auto dir = testing::temp_dir("tmpfs");
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") != 0) {
    const int err = errno;
    fs::remove_all(dir);
    GTEST_SKIP() << "cannot mount a tmpfs at " << dir << ": " << std::strerror(err) << " (needs root)";
  }
  Unmount unmount{dir};

  ASSERT_NO_THROW(write_report_dir(small_report("small"), dir));  // DIR is a mount point
  ASSERT_EQ(set_run_id(dir), "small");
  std::vector<std::string> before;
  for (const char* name : kSetFiles) before.push_back(slurp(dir / name));

  try {
    write_report_dir(big_report("too-big"), dir);
    FAIL() << "a report larger than the disk was written";
  } catch (const ReportWriteError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos);
    EXPECT_EQ(what.rfind("cannot write report file " + dir.string() + "/", 0), 0u) << what;
    bool names_a_file = false;
    for (const char* name : kSetFiles) names_a_file |= what.find("/" + std::string(name) + ":") != std::string::npos;
    EXPECT_TRUE(names_a_file) << what;
    EXPECT_NE(what.find(std::strerror(ENOSPC)), std::string::npos) << what;
  }

  EXPECT_EQ(set_run_id(dir), "small");
  for (std::size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(slurp(dir / kSetFiles[i]), before[i]) << kSetFiles[i] << " changed";
  expect_only_the_published_set(dir);
}

}  // namespace
}  // namespace tangle::report
