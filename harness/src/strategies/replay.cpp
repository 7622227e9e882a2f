// Replays a recorded schedule: the i-th decision picks the i-th recorded
// thread. The engine is deterministic given the picks, so the execution, its
// trace and its trace_hash repeat exactly.
//
// A schedule that does not fit (recorded by another build, or edited) is not
// thrown through scenario code — an exception from a pick would unwind the
// scenario's thread and be taken for its crash. The first misfit is noted,
// the execution goes on with the lowest runnable thread at every later
// decision (so it ends, within the step bound), and the caller asks
// diverged() afterwards.
#include <bit>
#include <string>

#include "strategies/strategy.hpp"

namespace tangle::detail {

void ReplayStrategy::new_execution(std::uint64_t, int) {
  next_ = 0;
  divergence_.clear();
}

int ReplayStrategy::pick(std::uint64_t runnable, int, bool) {
  if (!divergence_.empty()) return std::countr_zero(runnable);
  if (next_ >= schedule_.size()) {
    divergence_ = "the schedule ended after " + std::to_string(next_) + " decisions but the execution goes on";
    return std::countr_zero(runnable);
  }
  const int want = schedule_[next_++];
  if (want < 64 && ((runnable >> want) & 1)) return want;
  divergence_ = "decision " + std::to_string(next_) + " picks thread " + std::to_string(want) +
                ", which cannot run there";
  return std::countr_zero(runnable);
}

std::unique_ptr<Strategy> make_replay_strategy(std::vector<std::uint8_t> schedule) {
  return std::make_unique<ReplayStrategy>(std::move(schedule));
}

}  // namespace tangle::detail
