// Which events of a finding's trace a reader is shown: the events the
// finding names (Finding::trace entries with `highlight`: both accesses of a
// race, each thread's blocking operation of a deadlock, the failing check)
// with a few events of context on each side, not the tail of the execution.
// The console and the HTML timeline both draw what excerpt() picks, so they
// show the same part of the execution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tangle/report/model.hpp"

namespace tangle::report {

// A run of events consecutive in the execution: trace[begin, end).
// `skipped_before` counts the execution's events elided between the previous
// run (or the start of the execution) and this one; `skipped_after` on the
// last run counts those after it (up to Finding::trace_length).
struct ExcerptRun {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::uint64_t skipped_before = 0;
  std::uint64_t skipped_after = 0;
};

// Each highlighted event with up to `context` events of the execution on
// each side (only events present in `finding.trace`, which may itself be an
// excerpt), merged into runs where they touch. A finding with no highlighted
// event shows its last `tail` events instead. Empty for an empty trace.
// Cost: linear in the trace; no copy of the events.
std::vector<ExcerptRun> excerpt(const Finding& finding, std::size_t context, std::size_t tail);

// Every event of `finding.trace` as runs (split where the stored trace
// skips steps), for "the whole trace".
std::vector<ExcerptRun> whole_trace(const Finding& finding);

// Events shown by `runs`.
std::size_t shown_events(const std::vector<ExcerptRun>& runs);

}  // namespace tangle::report
