// Replays a recorded schedule: the j-th pick or data choice answers with the
// j-th recorded entry. The engine is deterministic given those answers, so
// the execution, its trace and its trace_hash repeat exactly.
//
// A schedule that does not fit (recorded by another build, or edited) is not
// thrown through scenario code — an exception from a pick would unwind the
// scenario's thread and be taken for its crash. Strict (no fallback): the
// first misfit is noted, the execution goes on with the lowest runnable
// thread (choice 0) at every later decision (so it ends, within the step
// bound), and the caller asks diverged() afterwards. Lenient (a fallback):
// past the end of the recording the fallback strategy answers; a recorded
// pick that cannot run is still a divergence.
#include <string>

#include "strategies/strategy.hpp"

namespace tangle::detail {

bool ReplayStrategy::new_execution(const ExecutionStart& start) {
  next_ = 0;
  divergence_.clear();
  if (fallback_) fallback_->new_execution(start);
  return true;
}

int ReplayStrategy::pick(const Decision& d) {
  if (!divergence_.empty()) return d.runnable.first();
  if (next_ >= schedule_.size()) {
    if (fallback_) return fallback_->pick(d);
    divergence_ = "the schedule ended after " + std::to_string(next_) + " decisions but the execution goes on";
    return d.runnable.first();
  }
  const auto want = static_cast<int>(schedule_[next_++]);
  if (d.runnable.contains(want)) return want;
  divergence_ = "decision " + std::to_string(next_) + " picks thread " + std::to_string(want) +
                ", which cannot run there";
  return d.runnable.first();
}

std::uint64_t ReplayStrategy::choose(std::uint64_t n) {
  if (!divergence_.empty()) return 0;
  if (next_ >= schedule_.size()) {
    if (fallback_) return fallback_->choose(n);
    divergence_ = "the schedule ended after " + std::to_string(next_) + " decisions but the execution goes on";
    return 0;
  }
  const std::uint64_t want = schedule_[next_++];
  if (want < n) return want;
  divergence_ = "decision " + std::to_string(next_) + " chooses " + std::to_string(want) + " of only " +
                std::to_string(n) + " alternatives";
  return 0;
}

std::unique_ptr<ReplayStrategy> make_replay_strategy(std::vector<std::uint32_t> schedule) {
  return std::make_unique<ReplayStrategy>(std::move(schedule));
}

}  // namespace tangle::detail
