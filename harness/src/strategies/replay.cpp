// Replays a recorded schedule: the i-th decision picks the i-th recorded
// thread. The engine is deterministic given the picks, so the execution, its
// trace and its trace_hash repeat exactly.
#include <string>

#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<std::uint8_t> schedule)
      : schedule_(std::move(schedule)) {}

  void new_execution(std::uint64_t, int) override { next_ = 0; }

  int pick(std::uint64_t runnable, int, bool) override {
    if (next_ >= schedule_.size())
      throw ReplayDiverged("the schedule ended after " + std::to_string(next_) +
                           " decisions but the execution goes on");
    const int want = schedule_[next_++];
    if (want < 64 && ((runnable >> want) & 1)) return want;
    throw ReplayDiverged("decision " + std::to_string(next_) + " picks thread " +
                         std::to_string(want) + ", which cannot run there");
  }

 private:
  std::vector<std::uint8_t> schedule_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_replay_strategy(std::vector<std::uint8_t> schedule) {
  return std::make_unique<ReplayStrategy>(std::move(schedule));
}

}  // namespace tangle::detail
