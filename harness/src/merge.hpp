// Results of disjoint slices of one run, merged into the result of the whole
// run: the jobs of one `tangle run --jobs N` (isolation/parallel_runner.hpp)
// and the shard report directories of `tangle merge` (DESIGN.md §5).
//
// Executions are pure (runner.hpp): execution i is the same whichever worker
// runs it. So the merge of slices that together cover [0, n) reports what one
// worker running [0, n) would have: for each finding signature the earliest
// sight (smallest first_execution) with its trace, trace_hash and replay
// token; occurrences, executions and steps summed; findings in order of first
// execution (findings of one execution come from one slice, in its order);
// the first failure the smallest. Cost: linear in the findings.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "tangle/report/model.hpp"

namespace tangle::detail {

// The parts of one scenario (same name and parameters), in any order.
// duration_s is the longest part's (slices run side by side); incomplete
// when a part is (the first such part's reason); judged again.
report::ScenarioResult merge_slices(std::vector<report::ScenarioResult> parts);

// Why shard reports cannot be merged: one line naming the directory.
struct MergeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One shard's results.json as read, and where it came from (for messages).
struct ShardReport {
  std::string dir;
  report::RunReport report;
};

// Shards 0..N-1 of one run (`--shard I/N`), in any order, into one report:
// every shard present exactly once, all with the same fingerprint (binary,
// seed, options, scenario set) and expectations, else MergeError naming the
// offending directory. The result has no run_id (the writer makes one), no
// shard, the shards' fingerprint, and the longest shard's duration.
report::RunReport merge_shards(const std::vector<ShardReport>& shards);

}  // namespace tangle::detail
