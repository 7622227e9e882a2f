// PCT: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).
//
// 1. At the start of an execution give the n threads distinct random
//    priorities d, d+1, …, d+n-1.
// 2. Pick d-1 change points uniformly among the k decision points expected in
//    an execution; at the i-th change point the thread about to run drops to
//    priority i (below every initial priority).
// 3. At every decision point run the highest-priority runnable thread.
// A bug of depth d is then found with probability >= 1/(n·k^(d-1)) per
// execution. k is learned: the largest number of decisions seen so far.
//
// A busy-waiting thread (yielded) drops below everybody, so a spin loop hands
// the processor to the thread it waits for instead of livelocking.
// Cost per decision: O(n) over the runnable threads; per execution, O(d log d)
// to draw and sort the change points (the CLI caps d at kMaxPctDepth).
#include <algorithm>
#include <bit>
#include <vector>

#include "rng.hpp"
#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

class PctStrategy final : public Strategy {
 public:
  explicit PctStrategy(int depth) : depth_(std::max(1, depth)) {
    change_points_.reserve(static_cast<std::size_t>(depth_ - 1));
  }

  void new_execution(std::uint64_t seed, int threads) override {
    rng_.reseed(seed);
    for (int i = 0; i < threads; ++i) priority_[i] = depth_ + i;
    // Fisher–Yates with our own RNG (std::shuffle is implementation-defined).
    for (int i = threads - 1; i > 0; --i)
      std::swap(priority_[i], priority_[rng_.below(static_cast<std::uint32_t>(i + 1))]);
    // Change point i (1..d-1) at a decision drawn in [1, k], drawn in i order
    // (the replay-relevant RNG sequence), then sorted once by decision, ties
    // in i order, so pick() looks at the next one only: O(d log d) per
    // execution (an insertion per draw was O(d²): a minute at d = 10^6).
    change_points_.clear();
    for (int i = 1; i < depth_; ++i) change_points_.push_back({1 + rng_.below(static_cast<std::uint32_t>(k_)), i});
    std::sort(change_points_.begin(), change_points_.end(), [](const ChangePoint& a, const ChangePoint& b) {
      return a.decision != b.decision ? a.decision < b.decision : a.index < b.index;
    });
    next_ = 0;
    decision_ = 0;
    lowest_ = -depth_;  // yields go below the change-point priorities
  }

  int pick(std::uint64_t runnable, int current, bool yielded) override {
    ++decision_;
    if (yielded && current >= 0) priority_[current] = --lowest_;
    int best = highest(runnable);
    for (; next_ < change_points_.size() && change_points_[next_].decision == decision_; ++next_) {
      // Change point i of d-1: priorities 1..d-1 sit below the initial ones.
      priority_[best] = change_points_[next_].index - depth_;
      best = highest(runnable);
    }
    return best;
  }

  void end_execution(std::uint64_t decisions) override {
    k_ = std::max<std::uint64_t>(k_, std::max<std::uint64_t>(decisions, 1));
  }

 private:
  struct ChangePoint {
    std::uint64_t decision;
    int index;  // 1..d-1
  };
  int highest(std::uint64_t runnable) const {
    int best = std::countr_zero(runnable);
    for (std::uint64_t m = runnable & (runnable - 1); m != 0; m &= m - 1) {
      const int t = std::countr_zero(m);
      if (priority_[t] > priority_[best]) best = t;
    }
    return best;
  }

  int depth_;
  Rng rng_;
  int priority_[64];                        // per thread (the engine allows 64)
  std::vector<ChangePoint> change_points_;  // sorted by decision
  std::size_t next_ = 0;                    // the first change point not yet reached
  std::uint64_t decision_ = 0;
  std::uint64_t k_ = 16;  // first guess; replaced by the largest seen
  int lowest_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(int depth) {
  return std::make_unique<PctStrategy>(depth);
}

}  // namespace tangle::detail
