// Sharding a run over machines or CI jobs (DESIGN.md §5): `--shard I/N`, the
// GoogleTest/Bazel environment protocol, and the fingerprint that tells
// `tangle merge` which shard reports belong to one run.
//
// A shard runs slice {I, N} of the executions of *every* selected scenario
// (runner.hpp Slice), not a slice of the scenarios: each shard adds effort to
// each scenario, and the shards merged (merge.hpp) report exactly what one
// process running all the executions would.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tangle/report/model.hpp"

namespace tangle::cli {

struct Shard {
  std::uint64_t index = 0;  // 0-based, as GTEST_SHARD_INDEX
  std::uint64_t count = 1;
};

// "I/N" with 0 <= I < N; anything else is a UsageError naming `what`.
Shard parse_shard(const std::string& text, const std::string& what = "--shard");

// The shard this process runs: `--shard` when given (flag_text non-empty),
// else the GoogleTest/Bazel protocol — GTEST_TOTAL_SHARDS and
// GTEST_SHARD_INDEX, both or neither — else none. When GTEST_SHARD_STATUS_FILE
// is set the file is touched (created if missing), telling the test runner
// this program honours sharding. A bad value is a UsageError (exit 2).
std::optional<Shard> resolve_shard(const std::string& flag_text);

// A hex digest of what makes two shards parts of one run: this binary's
// bytes (its scenarios and engine), the report's engine, strategy, depth,
// granularity, seed and version, each scenario's name, parameters and
// expectations, and `options` (the remaining options that change results,
// as "name=value" strings: executions, time budget, step bound, …). Cost:
// one read of the binary (a few ms).
std::string run_fingerprint(const report::RunReport& rep, const std::vector<std::string>& options);

struct ReportOutput;
// `tangle merge DIR…`: reads each DIR/results.json (the source of truth),
// merges the shards (merge.hpp merge_shards; a missing, duplicate or foreign
// shard is a UsageError naming it) and ends as a run does (finish_run): the
// console summary, every format rewritten as one set with one run_id, the
// exit code of the merged verdicts.
int merge_command(const std::vector<std::string>& dirs, const ReportOutput& output, const std::string& command);

}  // namespace tangle::cli
