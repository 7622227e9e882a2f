#include "tangle/report/excerpt.hpp"

#include <algorithm>

namespace tangle::report {
namespace {

// Turns a selection (ascending indices into `trace`) into runs of events
// consecutive in the execution, with the elided counts between them.
std::vector<ExcerptRun> runs_of(const Finding& f, const std::vector<std::size_t>& picked) {
  std::vector<ExcerptRun> runs;
  const auto& trace = f.trace;
  std::uint64_t next_step = 0;  // the step just after the previous run
  for (std::size_t k = 0; k < picked.size(); ++k) {
    const std::size_t i = picked[k];
    const bool extends = !runs.empty() && runs.back().end == i && trace[i - 1].step + 1 == trace[i].step;
    if (extends) {
      ++runs.back().end;
    } else {
      ExcerptRun r;
      r.begin = i;
      r.end = i + 1;
      r.skipped_before = trace[i].step > next_step ? trace[i].step - next_step : 0;
      runs.push_back(r);
    }
    next_step = trace[i].step + 1;
  }
  if (!runs.empty()) {
    const std::uint64_t total = std::max<std::uint64_t>(f.trace_length, next_step);
    runs.back().skipped_after = total - next_step;
  }
  return runs;
}

}  // namespace

std::vector<ExcerptRun> excerpt(const Finding& f, std::size_t context, std::size_t tail) {
  const auto& trace = f.trace;
  std::vector<bool> keep(trace.size(), false);
  bool any = false;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (!trace[i].highlight) continue;
    any = true;
    keep[i] = true;
    // Neighbours by execution step, not by position: the stored trace may
    // skip steps, and a far event is no context.
    for (std::size_t j = i; j-- > 0 && trace[i].step - trace[j].step <= context;) keep[j] = true;
    for (std::size_t j = i + 1; j < trace.size() && trace[j].step - trace[i].step <= context; ++j) keep[j] = true;
  }
  if (!any)
    for (std::size_t i = trace.size() > tail ? trace.size() - tail : 0; i < trace.size(); ++i) keep[i] = true;
  // "... 1 event ..." takes the room of the event: a stretch of at most
  // kSmallGap stored events between two kept ones, or before the first or
  // after the last, is shown instead of elided.
  constexpr std::uint64_t kSmallGap = 2;
  std::size_t last_kept = trace.size();  // none yet
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (!keep[i]) continue;
    const std::size_t from = last_kept == trace.size() ? 0 : last_kept + 1;
    const std::uint64_t before = last_kept == trace.size() ? trace[i].step : trace[i].step - trace[last_kept].step - 1;
    if (before <= kSmallGap && i - from == before)  // every step in between is stored
      for (std::size_t j = from; j < i; ++j) keep[j] = true;
    last_kept = i;
  }
  if (last_kept != trace.size()) {
    const std::uint64_t after = std::max<std::uint64_t>(f.trace_length, trace.back().step + 1) - trace[last_kept].step - 1;
    if (after <= kSmallGap && trace.size() - 1 - last_kept == after)
      for (std::size_t j = last_kept + 1; j < trace.size(); ++j) keep[j] = true;
  }
  std::vector<std::size_t> picked;
  for (std::size_t i = 0; i < trace.size(); ++i)
    if (keep[i]) picked.push_back(i);
  return runs_of(f, picked);
}

std::vector<ExcerptRun> whole_trace(const Finding& f) {
  std::vector<std::size_t> all(f.trace.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return runs_of(f, all);
}

std::size_t shown_events(const std::vector<ExcerptRun>& runs) {
  std::size_t n = 0;
  for (const auto& r : runs) n += r.end - r.begin;
  return n;
}

}  // namespace tangle::report
