// Replay tokens: one printable string that re-executes one execution exactly.
//
// A token holds the scenario name, its effective parameters, the engine's step
// bound, the recorded schedule (the thread picked at every decision point) and
// the finding it was printed for (kind and trace_hash, so replay can say
// whether it reproduced), and whether Shared<T> accesses were scheduling
// points. Layout, before base64url: a magic byte and version,
// then varint-length fields, the schedule run-length encoded as (entry, run)
// pairs, and a CRC-32 of everything before it. Version 3 names the finding
// kind by its stable string (versions 1 and 2, still read, by its enum value
// of the time) and adds the execution's origin fields — a corrupt or truncated token
// is refused with a clear message, never half-decoded.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
#include <string_view>

#include "tangle/report/model.hpp"

namespace tangle::detail {

struct ReplayToken {
  std::string scenario;
  std::map<std::string, std::int64_t, std::less<>> params;
  std::uint64_t max_steps = 0;
  // Shared<T> accesses were scheduling points in that execution (see
  // Granularity in controlled/engine.hpp): replay must place the same points.
  bool data_points = true;
  // Condition-variable waits were data choices (EngineOptions::
  // spurious_wakeups): replay must make the same choices at the same waits.
  // Version 3 keeps it in the data_points field's second bit.
  bool spurious_wakeups = false;
  // Found on the threads substrate (EngineOptions::substrate): replay there
  // too, so code whose behaviour depends on thread_local state or errno
  // replays as it ran. The third bit of that field.
  bool threads_substrate = false;
  // One entry per pick (a thread index) or data choice (a value), in order.
  std::vector<std::uint32_t> schedule;
  report::FindingKind kind = report::FindingKind::crash;
  std::uint64_t trace_hash = 0;
  // Version 3: what the execution was, so a token says where it came from
  // (a replay needs only the schedule): the strategy and its parameters
  // (PCT's depth and k), the run's seed and the execution's index in the run.
  std::string strategy;
  std::uint64_t depth = 0;
  std::uint64_t pct_k = 0;
  std::uint64_t seed = 0;
  std::uint64_t execution = 0;
};

struct TokenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string encode_token(const ReplayToken& token);
ReplayToken decode_token(std::string_view text);  // throws TokenError

std::string hash_hex(std::uint64_t hash);

}  // namespace tangle::detail
