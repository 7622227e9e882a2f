// Strategies: deterministic per seed, only ever pick a runnable thread, pass
// over a thread that yields, and PCT runs the highest-priority thread between
// change points.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <random>
#include <set>
#include <vector>

#include "rng.hpp"
#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

std::vector<int> picks(Strategy& s, std::uint64_t seed, int n, int count) {
  const std::uint64_t enabled = (1ULL << n) - 1;
  s.new_execution(seed, n);
  std::vector<int> out;
  for (int i = 0; i < count; ++i) out.push_back(s.pick(enabled, out.empty() ? -1 : out.back(), false));
  s.end_execution(static_cast<std::uint64_t>(count));
  return out;
}

TEST(RandomStrategy, SameSeedSamePicksAndEveryThreadChosen) {
  auto a = make_random_strategy(), b = make_random_strategy();
  const auto pa = picks(*a, 42, 4, 500), pb = picks(*b, 42, 4, 500);
  EXPECT_EQ(pa, pb);
  EXPECT_EQ(std::set<int>(pa.begin(), pa.end()).size(), 4u);
  EXPECT_NE(pa, picks(*a, 43, 4, 500));
}

TEST(RandomStrategy, YieldingThreadIsPassedOver) {
  auto s = make_random_strategy();
  s->new_execution(7, 3);
  const std::uint64_t enabled = 0b111;
  for (int i = 0; i < 300; ++i) EXPECT_NE(s->pick(enabled, 1, true), 1);
}

TEST(PctStrategy, Deterministic) {
  auto a = make_pct_strategy(3), b = make_pct_strategy(3);
  EXPECT_EQ(picks(*a, 5, 3, 50), picks(*b, 5, 3, 50));
}

TEST(PctStrategy, DepthOneRunsOneThreadUntilItStops) {
  // Depth 1: no change points, so the highest-priority thread always wins.
  auto s = make_pct_strategy(1);
  const auto p = picks(*s, 11, 3, 40);
  EXPECT_EQ(std::set<int>(p.begin(), p.end()).size(), 1u);
}

TEST(PctStrategy, ChangePointsSwitchThreads) {
  // Depth 2 over many executions: sometimes a switch happens mid-execution.
  auto s = make_pct_strategy(2);
  int with_switch = 0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto p = picks(*s, seed, 2, 20);
    with_switch += std::set<int>(p.begin(), p.end()).size() > 1;
  }
  EXPECT_GT(with_switch, 10);
}

TEST(PctStrategy, YieldingThreadDropsBelowOthers) {
  auto s = make_pct_strategy(3);
  s->new_execution(3, 2);
  const std::uint64_t enabled = 0b11;
  const int first = s->pick(enabled, -1, false);
  EXPECT_NE(s->pick(enabled, first, true), first);
}

TEST(ReplayStrategy, FollowsScheduleAndDetectsDivergence) {
  ReplayStrategy s({1, 0, 1});
  s.new_execution(0, 2);
  const std::uint64_t both = 0b11, only0 = 0b01;
  EXPECT_EQ(s.pick(both, -1, false), 1);
  EXPECT_EQ(s.pick(both, 1, false), 0);
  EXPECT_FALSE(s.diverged());
  EXPECT_EQ(s.pick(only0, 0, false), 0);  // thread 1 cannot run: noted, the lowest runs
  EXPECT_TRUE(s.diverged());
  EXPECT_NE(s.divergence().find("decision 3 picks thread 1"), std::string::npos) << s.divergence();

  ReplayStrategy shorter({1});
  shorter.new_execution(0, 2);
  EXPECT_EQ(shorter.pick(both, -1, false), 1);
  EXPECT_EQ(shorter.pick(both, 1, false), 0);  // schedule exhausted
  EXPECT_NE(shorter.divergence().find("ended after 1 decisions"), std::string::npos) << shorter.divergence();
  shorter.new_execution(0, 2);
  EXPECT_FALSE(shorter.diverged());
}

// PCT as first written (Burckhardt et al.'s steps, change points checked
// one by one at every decision): the strategy, which keeps them sorted and
// looks at the next only, must pick the same threads, ties (two change points
// at one decision) included.
class ReferencePct {
 public:
  explicit ReferencePct(int depth) : depth_(depth) {}
  void new_execution(std::uint64_t seed, int threads) {
    rng_.reseed(seed);
    priority_.assign(static_cast<std::size_t>(threads), 0);
    for (int i = 0; i < threads; ++i) priority_[i] = depth_ + i;
    for (int i = threads - 1; i > 0; --i)
      std::swap(priority_[i], priority_[rng_.below(static_cast<std::uint32_t>(i + 1))]);
    change_points_.clear();
    for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(static_cast<std::uint32_t>(k_)));
    decision_ = 0;
    lowest_ = -depth_;
  }
  int pick(std::uint64_t runnable, int current, bool yielded) {
    ++decision_;
    if (yielded && current >= 0) priority_[current] = --lowest_;
    int best = highest(runnable);
    for (std::size_t i = 0; i < change_points_.size(); ++i)
      if (change_points_[i] == decision_) {
        priority_[best] = static_cast<int>(i) + 1 - depth_;
        best = highest(runnable);
      }
    return best;
  }
  void end_execution(std::uint64_t decisions) { k_ = std::max<std::uint64_t>(k_, std::max<std::uint64_t>(decisions, 1)); }

 private:
  int highest(std::uint64_t runnable) const {
    int best = -1;
    for (int t = 0; t < 64; ++t)
      if (((runnable >> t) & 1) && (best < 0 || priority_[t] > priority_[best])) best = t;
    return best;
  }
  int depth_;
  Rng rng_;
  std::vector<int> priority_;
  std::vector<std::uint64_t> change_points_;
  std::uint64_t decision_ = 0, k_ = 16;
  int lowest_ = 0;
};

// Runs the strategy and the reference side by side for `seeds` executions of
// decisions(seed) decision points each, over random runnable sets with some
// yields: every pick must agree.
void expect_picks_as_reference(int depth, int threads, std::uint64_t seeds,
                               const std::function<int(std::uint64_t seed)>& decisions, std::mt19937_64& masks) {
  auto s = make_pct_strategy(depth);
  ReferencePct ref(depth);
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    s->new_execution(seed, threads);
    ref.new_execution(seed, threads);
    const std::uint64_t all = threads == 64 ? ~0ULL : (1ULL << threads) - 1;
    const int count = decisions(seed);
    int current = -1;
    for (int d = 0; d < count; ++d) {
      std::uint64_t runnable = masks() & all;
      if (std::popcount(runnable) < 2) runnable = all;
      const bool yielded = current >= 0 && ((runnable >> current) & 1) && d % 7 == 3;
      const int want = ref.pick(runnable, current, yielded);
      ASSERT_EQ(s->pick(runnable, current, yielded), want)
          << "depth " << depth << " threads " << threads << " seed " << seed << " decision " << d;
      current = want;
    }
    s->end_execution(static_cast<std::uint64_t>(count));
    ref.end_execution(static_cast<std::uint64_t>(count));
  }
}

TEST(PctStrategy, PicksAsTheReferenceAlgorithm) {
  std::mt19937_64 masks(5);
  for (int depth : {1, 2, 3, 5, 12})
    for (int threads : {2, 3, 7, 64})
      expect_picks_as_reference(depth, threads, 40, [](std::uint64_t seed) { return 5 + static_cast<int>(seed % 30); },
                                masks);
}

// The largest depth the CLI accepts: the change points, drawn then sorted
// once, must land where the reference's unsorted ones do, the many ties (far
// more change points than decisions) in index order. A long first execution
// raises k, so later ones spread their change points over ~1500 decisions.
TEST(PctStrategy, MaximumDepthPicksAsTheReferenceAlgorithm) {
  std::mt19937_64 masks(11);
  for (int threads : {2, 7, 64})
    expect_picks_as_reference(kMaxPctDepth, threads, 4,
                              [](std::uint64_t seed) { return seed == 0 ? 1500 : 40 + 300 * static_cast<int>(seed); },
                              masks);
}

TEST(NthThread, CountsSetBitsFromThreadZero) {
  EXPECT_EQ(nth_thread(0b1011, 0), 0);
  EXPECT_EQ(nth_thread(0b1011, 1), 1);
  EXPECT_EQ(nth_thread(0b1011, 2), 3);
  EXPECT_EQ(nth_thread(1ULL << 63, 0), 63);
}

TEST(RandomStrategy, PicksOnlyRunnableThreadsUniformly) {
  auto s = make_random_strategy();
  s->new_execution(9, 6);
  const std::uint64_t runnable = 0b101010;  // threads 1, 3, 5
  int count[6] = {};
  for (int i = 0; i < 3000; ++i) ++count[s->pick(runnable, -1, false)];
  EXPECT_EQ(count[0] + count[2] + count[4], 0);
  for (int t : {1, 3, 5}) EXPECT_GT(count[t], 850) << "thread " << t;
}

}  // namespace
}  // namespace tangle::detail
