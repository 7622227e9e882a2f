#include "cli/shards.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/cli_support.hpp"
#include "merge.hpp"
#include "tangle/report/writers.hpp"
#include "token.hpp"  // detail::hash_hex

namespace tangle::cli {
namespace {

// FNV-1a, 64 bits: stable across processes and machines (std::hash is not
// promised to be).
struct Fnv {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void bytes(const char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(p[i]);
      h *= 0x100000001b3ULL;
    }
  }
  // Length-prefixed, so ("ab","c") and ("a","bc") differ.
  void field(const std::string& s) {
    const std::uint64_t n = s.size();
    bytes(reinterpret_cast<const char*>(&n), sizeof n);
    bytes(s.data(), s.size());
  }
};

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

Shard parse_shard(const std::string& text, const std::string& what) {
  const auto slash = text.find('/');
  const std::string usage = what + ": '" + one_line(text) + "' is not I/N with 0 <= I < N (e.g. 0/4)";
  if (slash == std::string::npos) throw UsageError(usage);
  Shard s;
  s.count = parse_uint(text.substr(slash + 1), what + " N", 1, kMaxExecutions);
  s.index = parse_uint(text.substr(0, slash), what + " I", 0, s.count - 1);
  return s;
}

std::optional<Shard> resolve_shard(const std::string& flag_text) {
  const char* total = env("GTEST_TOTAL_SHARDS");
  const char* index = env("GTEST_SHARD_INDEX");
  if (const char* status = env("GTEST_SHARD_STATUS_FILE")) {
    std::ofstream touch(status, std::ios::app);
    if (!touch) throw UsageError("cannot write GTEST_SHARD_STATUS_FILE '" + one_line(status) + "'");
  }
  if (!flag_text.empty()) return parse_shard(flag_text);
  if (total == nullptr && index == nullptr) return std::nullopt;
  if (total == nullptr || index == nullptr)
    throw UsageError(std::string(total ? "GTEST_TOTAL_SHARDS" : "GTEST_SHARD_INDEX") + " is set but " +
                     (total ? "GTEST_SHARD_INDEX" : "GTEST_TOTAL_SHARDS") + " is not: both or neither");
  Shard s;
  s.count = parse_uint(total, "GTEST_TOTAL_SHARDS", 1, kMaxExecutions);
  s.index = parse_uint(index, "GTEST_SHARD_INDEX", 0, s.count - 1);
  return s;
}

std::string run_fingerprint(const report::RunReport& rep, const std::vector<std::string>& options) {
  Fnv f;
  {
    std::ifstream binary("/proc/self/exe", std::ios::binary);
    char buf[1 << 16];
    while (binary.read(buf, sizeof buf) || binary.gcount() > 0) f.bytes(buf, static_cast<std::size_t>(binary.gcount()));
  }
  for (const std::string& s : {rep.tool, rep.version, rep.engine, rep.strategy, std::to_string(rep.depth), rep.granularity,
                               std::to_string(rep.seed)})
    f.field(s);
  for (const auto& o : options) f.field(o);
  for (const auto& sc : rep.scenarios) {
    f.field(sc.name);
    for (const auto& [k, v] : sc.params) f.field(k + "=" + v);
    for (auto k : sc.expected) f.field(std::string(report::to_string(k)));
  }
  return detail::hash_hex(f.h);
}

int merge_command(const std::vector<std::string>& dirs, const ReportOutput& output, const std::string& command) {
  namespace fs = std::filesystem;
  check_format(output.format);
  std::vector<detail::ShardReport> shards;
  for (const std::string& dir : dirs) {
    const fs::path path = fs::path(dir) / "results.json";
    std::ifstream in(path);
    if (!in) throw UsageError("'" + one_line(dir) + "' holds no readable results.json (not a tangle report directory)");
    detail::ShardReport& s = shards.emplace_back();
    s.dir = dir;
    try {
      s.report = report::read_json(in);
    } catch (const std::exception& e) {
      throw UsageError(one_line(path.string()) + ": " + e.what());
    }
  }
  report::RunReport merged;
  try {
    merged = detail::merge_shards(shards);
  } catch (const detail::MergeError& e) {
    throw UsageError(e.what());
  }
  if (!output.dir.empty()) check_report_dir(output.dir);
  if (output.format != "console") divert_stdout();
  merged.command = command;
  return finish_run(merged, output, /*gate=*/false);
}

}  // namespace tangle::cli
