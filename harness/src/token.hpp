// Replay tokens: one printable string that re-executes one execution exactly.
//
// A token holds the scenario name, its effective parameters, the engine's step
// bound, the recorded schedule (the thread picked at every decision point) and
// the finding it was printed for (kind and trace_hash, so replay can say
// whether it reproduced), and whether Shared<T> accesses were scheduling
// points. Layout, before base64url: a magic byte and version,
// then varint-length fields, the schedule run-length encoded as (thread, run)
// pairs, and a CRC-32 of everything before it — a corrupt or truncated token
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
  std::vector<std::uint8_t> schedule;
  report::FindingKind kind = report::FindingKind::crash;
  std::uint64_t trace_hash = 0;
};

struct TokenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string encode_token(const ReplayToken& token);
ReplayToken decode_token(std::string_view text);  // throws TokenError

std::string hash_hex(std::uint64_t hash);

}  // namespace tangle::detail
