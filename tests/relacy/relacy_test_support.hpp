// What the relacy tests share: run a tangle-relacy binary as a subprocess
// (Relacy's allocator never enters the test binary), a scratch directory,
// and the results.json it wrote.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tangle/report/writers.hpp"

namespace tangle_relacy_test {

namespace fs = std::filesystem;

struct Command {
  int exit_code = -1;
  std::string output;
};

// `binary args 2>&1`; exit code, or 128 + the signal that killed it.
inline Command run_binary(const std::string& binary, const std::string& args) {
  const std::string cmd = binary + " " + args + " 2>&1";
  Command c;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return c;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) c.output += buf.data();
  const int status = ::pclose(pipe);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return c;
}

inline fs::path temp_dir(const std::string& tag) {
  std::string safe = tag;
  std::replace(safe.begin(), safe.end(), '/', '_');
  const fs::path dir = fs::temp_directory_path() / ("tangle-relacy-test-" + std::to_string(::getpid()) + "-" + safe);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline tangle::report::RunReport read_report(const fs::path& dir) {
  std::ifstream in(dir / "results.json");
  return tangle::report::read_json(in);
}

}  // namespace tangle_relacy_test
