// PCT: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).
//
// 1. At the start of an execution give the n threads distinct random
//    priorities d, d+1, …, d+n-1.
// 2. Pick d-1 change points uniformly among the k decision points expected in
//    an execution; at the i-th change point the thread about to run drops to
//    priority i (below every initial priority).
// 3. At every decision point run the highest-priority runnable thread.
// A bug of depth d is then found with probability >= 1/(n·k^(d-1)) per
// execution.
//
// k is given, not learned: learning it from earlier executions (the first
// version) made execution i depend on those before it, so a shard or a
// supervised child restarted mid-run could not reproduce it. The runner
// measures k once per run (calibrate_pct_k in runner.cpp), a function of the
// scenario, its parameters and the seed alone.
//
// Threads started at run time get a priority when a decision first sees them:
// a random rank among the initial priorities (ties go to the lower index),
// drawn from the execution's RNG, so it replays.
//
// A busy-waiting thread (yielded) drops below everybody, so a spin loop hands
// the processor to the thread it waits for instead of livelocking. Data
// choices are uniform.
// Cost per decision: O(runnable threads); per execution, O(d log d) to draw
// and sort the change points (the CLI caps d at kMaxPctDepth).
#include <algorithm>
#include <bit>
#include <climits>
#include <vector>

#include "rng.hpp"
#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(int depth, std::uint64_t k) : depth_(std::max(1, depth)), k_(std::max<std::uint64_t>(k, 1)) {
    change_points_.reserve(static_cast<std::size_t>(depth_ - 1));
  }

  bool new_execution(const ExecutionStart& start) override {
    rng_.reseed(start.seed);
    const int threads = start.threads;
    initial_ = threads;
    // Slots for whole words of the runnable set; `seen_` marks the threads
    // that have a priority (those started later get one on first sight).
    const std::size_t words = std::max<std::size_t>(1, (static_cast<std::size_t>(threads) + 63) / 64);
    if (priority_.size() < words * 64) priority_.resize(words * 64);
    if (seen_.size() != words) [[unlikely]] seen_.resize(words);
    for (std::size_t w = 0; w < words; ++w) {
      const int in_word = std::min(64, threads - static_cast<int>(w * 64));
      seen_[w] = in_word >= 64 ? ~0ULL : (1ULL << in_word) - 1;
    }
    seen_lo_ = seen_[0];
    for (int i = 0; i < threads; ++i) priority_[static_cast<std::size_t>(i)] = depth_ + i;
    // Fisher–Yates with our own RNG (std::shuffle is implementation-defined).
    for (int i = threads - 1; i > 0; --i)
      std::swap(priority_[static_cast<std::size_t>(i)],
                priority_[rng_.below(static_cast<std::uint32_t>(i + 1))]);
    // Change point i (1..d-1) at a decision drawn in [1, k], drawn in i order
    // (the replay-relevant RNG sequence), then sorted once by decision, ties
    // in i order, so pick() looks at the next one only: O(d log d) per
    // execution (an insertion per draw was O(d²): a minute at d = 10^6).
    change_points_.clear();
    const auto k = static_cast<std::uint32_t>(std::min<std::uint64_t>(k_, 0xffffffffu));
    for (int i = 1; i < depth_; ++i) change_points_.push_back({1 + rng_.below(k), i});
    std::sort(change_points_.begin(), change_points_.end(), [](const ChangePoint& a, const ChangePoint& b) {
      return a.decision != b.decision ? a.decision < b.decision : a.index < b.index;
    });
    next_ = 0;
    next_decision_ = change_points_.empty() ? kNever : change_points_[0].decision;
    decision_ = 0;
    lowest_ = -depth_;  // yields go below the change-point priorities
    return true;
  }

  int pick(const Decision& d) override {
    ++decision_;
    // Every runnable thread has a priority before the scans below, which
    // then index plainly (threads started at run time get theirs here, in
    // index order: deterministic).
    const bool one_word = d.runnable.words() == 1;
    if (one_word) [[likely]] {
      if ((d.runnable.word(0) & ~seen_lo_) != 0) [[unlikely]] see(d.runnable.word(0), 0);
    } else {
      see_all(d.runnable);
    }
    if (d.yielded && d.current >= 0) priority_of(d.current) = --lowest_;
    int best = one_word ? highest_low(d.runnable.word(0)) : highest(d.runnable);
    if (decision_ == next_decision_) [[unlikely]] best = change_priorities(d.runnable, best);
    return best;
  }

  std::uint64_t choose(std::uint64_t n) override {
    return n <= 0xffffffffu ? rng_.below(static_cast<std::uint32_t>(n)) : rng_.next() % n;
  }

 private:
  struct ChangePoint {
    std::uint64_t decision;
    int index;  // 1..d-1
  };
  static constexpr std::uint64_t kNever = ~std::uint64_t{0};
  // This decision is a change point (or several): the thread about to run
  // drops to change point i's priority, below every initial one.
  [[gnu::noinline]] int change_priorities(const ThreadSet& runnable, int best) {
    for (; next_ < change_points_.size() && change_points_[next_].decision == decision_; ++next_) {
      priority_of(best) = change_points_[next_].index - depth_;
      best = highest(runnable);
    }
    next_decision_ = next_ < change_points_.size() ? change_points_[next_].decision : kNever;
    return best;
  }
  [[gnu::noinline]] void see_all(const ThreadSet& runnable) {
    for (std::size_t i = 0, n = runnable.words(); i < n; ++i)
      if (i >= seen_.size() || (runnable.word(i) & ~seen_[i]) != 0) see(runnable.word(i), i);
  }
  // Threads of word i of a runnable set seen for the first time (started
  // at run time) get a priority: a random rank among the initial ones.
  [[gnu::noinline]] void see(std::uint64_t word, std::size_t i) {
    if (i >= seen_.size()) seen_.resize(i + 1, 0);
    if (priority_.size() < (i + 1) * 64) priority_.resize((i + 1) * 64);
    for (std::uint64_t w = word & ~seen_[i]; w != 0; w &= w - 1)
      priority_[i * 64 + static_cast<std::size_t>(std::countr_zero(w))] =
          depth_ + rng_.below(static_cast<std::uint32_t>(initial_ + 1));
    seen_[i] |= word;
    seen_lo_ = seen_[0];
  }
  std::int64_t& priority_of(int t) { return priority_[static_cast<std::size_t>(t)]; }
  // The highest-priority runnable thread (ties: the lower index).
  // Threads 0-63: one word in a register, as the engine's old mask was.
  int highest_low(std::uint64_t set) const {
    const std::int64_t* priority = priority_.data();
    int best = std::countr_zero(set);
    for (std::uint64_t m = set & (set - 1); m != 0; m &= m - 1) {
      const int t = std::countr_zero(m);
      if (priority[t] > priority[best]) best = t;
    }
    return best;
  }
  int highest(const ThreadSet& runnable) const {
    if (runnable.words() == 1) [[likely]] return highest_low(runnable.word(0));
    const std::int64_t* priority = priority_.data();
    int best = -1;
    std::int64_t best_priority = INT64_MIN;
    for (std::size_t i = 0, n = runnable.words(); i < n; ++i)
      for (std::uint64_t w = runnable.word(i); w != 0; w &= w - 1) {
        const int t = static_cast<int>(i * 64) + std::countr_zero(w);
        if (priority[t] > best_priority) {
          best = t;
          best_priority = priority[t];
        }
      }
    return best;
  }

  int depth_;
  std::uint64_t k_;
  Rng rng_;
  int initial_ = 0;
  std::vector<std::int64_t> priority_;      // per thread (slots for whole words)
  std::vector<std::uint64_t> seen_;         // bit t: thread t has a priority
  std::uint64_t seen_lo_ = 0;               // seen_[0], kept at hand for pick()
  std::vector<ChangePoint> change_points_;  // sorted by decision
  std::size_t next_ = 0;                    // the first change point not yet reached
  std::uint64_t next_decision_ = kNever;    // its decision, kept at hand for pick()
  std::uint64_t decision_ = 0;
  std::int64_t lowest_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(int depth, std::uint64_t k) {
  return std::make_unique<PctStrategy>(depth, k);
}

}  // namespace tangle::detail
