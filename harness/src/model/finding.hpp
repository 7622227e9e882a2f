// A finding as an engine makes it: plain data, cheap to build, converted to
// the report model only when it is new (runner.cpp, stress_runner.cpp). Every
// engine makes these and deduplicates them by one key (finding_signature).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tangle/detail/runtime.hpp"
#include "tangle/report/model.hpp"

namespace tangle::detail {

struct RawFinding {
  report::FindingKind kind;
  std::string message;                 // model/misuse.hpp and the detectors word it
  std::vector<int> threads;
  std::vector<Loc> locs;               // most relevant first
  std::vector<std::uint64_t> events;   // trace indices to highlight (controlled engine)
  std::vector<report::CycleEdge> cycle;
  std::uint64_t signature = 0;         // finding_signature: the dedup key
  std::string object{};                // data_race: the variable (part of the key)
};

// Thrown through scenario code to unwind an execution that must stop (a
// deadlock, a misuse, the step bound), on every engine: each unfinished
// thread unwinds from its pending operation; operations called by
// destructors during that unwinding are no-ops.
struct AbortExecution {};

// The dedup key of a finding, on every engine: kind and source lines (file
// names, not their addresses: one header's name may sit at different
// addresses in different translation units), or the message when there is no
// line (a crash). A data race is one racing pair: its variable (`object`) and
// its two lines as an unordered pair — which access came first is the
// schedule's doing, not a different bug — so one pair is one finding, seen
// at most once per execution.
std::uint64_t finding_signature(report::FindingKind kind, std::span<const Loc> locs, std::string_view message,
                                std::string_view object = {});

}  // namespace tangle::detail
