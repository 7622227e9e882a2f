// Running tangle's binaries as a user does, for the CLI tests of tangle
// (cli_test.cpp) and tangle-relacy (relacy/relacy_engine_test.cpp,
// relacy/relacy_isolation_test.cpp): the command, a scratch directory for its
// reports, and the results.json it wrote. Header-only: each test binary
// includes it once.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tangle/report/writers.hpp"

extern char** environ;

namespace tangle::test_support {

struct Outcome {
  int code = -1;  // the exit code; -1 when killed by a signal
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// `binary args` through /bin/sh (args are shell words), stdin from /dev/null.
// With `timeout_s`, killed after that many seconds (exit code 124 or 137), so
// a regression that hangs fails the test instead of blocking ctest.
inline Outcome run_binary(const std::string& binary, const std::string& args, int timeout_s = 0) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tangle-run-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string limit = timeout_s > 0 ? "timeout -k 5 " + std::to_string(timeout_s) + " " : "";
  const std::string cmd = limit + binary + " " + args + " >" + (dir / "out").string() + " 2>" +
                          (dir / "err").string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
}

// A fresh, empty directory <tmp>/<prefix>-<pid>-<tag> ('/' in tag as '_').
inline std::filesystem::path scratch_dir(const std::string& prefix, const std::string& tag) {
  namespace fs = std::filesystem;
  std::string safe = tag;
  std::replace(safe.begin(), safe.end(), '/', '_');
  const fs::path dir = fs::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + safe);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The results.json a run wrote into `dir`.
inline tangle::report::RunReport read_results(const std::filesystem::path& dir) {
  std::ifstream in(dir / "results.json");
  return tangle::report::read_json(in);
}

// The exit code of child `pid` (128+N when signal N killed it), waiting at
// most `timeout_s` seconds; after that it is killed (SIGKILL), reaped, and the
// answer is -2.
inline int exit_code_within(pid_t pid, int timeout_s) {
  int status = 0;
  pid_t r = 0;
  for (int tenths = 0; (r = ::waitpid(pid, &status, WNOHANG)) == 0 && tenths < 10 * timeout_s; ++tenths)
    ::usleep(100'000);
  if (r == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -2;
  }
  if (r < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The exit status of `binary args` writing to a pipe whose read end is closed
// before it starts, so its first write to stdout fails (EPIPE) — or kills it
// with SIGPIPE, status 128+13, unless it ignores the signal. Killed after 20 s.
inline int exit_code_into_closed_pipe(const std::string& binary, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  ::close(fds[0]);
  std::vector<std::string> words{"timeout", "-k", "5", "20", binary};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  // The child starts with SIGPIPE's default action whatever this process does.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, "timeout", &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (spawned != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace tangle::test_support
