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

ThreadSet set_of(std::uint64_t mask) {
  ThreadSet s;
  for (int t = 0; t < 64; ++t)
    if ((mask >> t) & 1) s.insert(t);
  return s;
}

// One decision over the threads of `mask`, as the engine would ask it.
int pick(Strategy& s, std::uint64_t mask, int current, bool yielded) {
  static const std::vector<PendingOp> pending(64);
  const ThreadSet set = set_of(mask);
  return s.pick(Decision{set, current, yielded, pending, 0});
}
void start(Strategy& s, std::uint64_t seed, int threads) { s.new_execution(ExecutionStart{seed, 0, threads}); }

std::vector<int> picks(Strategy& s, std::uint64_t seed, int n, int count) {
  const std::uint64_t enabled = (1ULL << n) - 1;
  start(s, seed, n);
  std::vector<int> out;
  for (int i = 0; i < count; ++i) out.push_back(pick(s, enabled, out.empty() ? -1 : out.back(), false));
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
  start(*s, 7, 3);
  const std::uint64_t enabled = 0b111;
  for (int i = 0; i < 300; ++i) EXPECT_NE(pick(*s, enabled, 1, true), 1);
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
  start(*s, 3, 2);
  const std::uint64_t enabled = 0b11;
  const int first = pick(*s, enabled, -1, false);
  EXPECT_NE(pick(*s, enabled, first, true), first);
}

TEST(ReplayStrategy, FollowsScheduleAndDetectsDivergence) {
  ReplayStrategy s({1, 0, 1});
  start(s, 0, 2);
  const std::uint64_t both = 0b11, only0 = 0b01;
  EXPECT_EQ(pick(s, both, -1, false), 1);
  EXPECT_EQ(pick(s, both, 1, false), 0);
  EXPECT_FALSE(s.diverged());
  EXPECT_EQ(pick(s, only0, 0, false), 0);  // thread 1 cannot run: noted, the lowest runs
  EXPECT_TRUE(s.diverged());
  EXPECT_NE(s.divergence().find("decision 3 picks thread 1"), std::string::npos) << s.divergence();

  ReplayStrategy shorter({1});
  start(shorter, 0, 2);
  EXPECT_EQ(pick(shorter, both, -1, false), 1);
  EXPECT_EQ(pick(shorter, both, 1, false), 0);  // schedule exhausted
  EXPECT_NE(shorter.divergence().find("ended after 1 decisions"), std::string::npos) << shorter.divergence();
  start(shorter, 0, 2);
  EXPECT_FALSE(shorter.diverged());
}

TEST(ReplayStrategy, ReplaysDataChoicesInOrderWithPicks) {
  ReplayStrategy s({1, 2, 0});
  start(s, 0, 2);
  EXPECT_EQ(pick(s, 0b11, -1, false), 1);
  EXPECT_EQ(s.choose(3), 2u);
  EXPECT_EQ(pick(s, 0b11, 1, false), 0);
  EXPECT_FALSE(s.diverged());
  ReplayStrategy bad({5});
  start(bad, 0, 2);
  EXPECT_EQ(bad.choose(3), 0u);  // 5 is not one of 3 alternatives
  EXPECT_NE(bad.divergence().find("chooses 5 of only 3"), std::string::npos) << bad.divergence();
}

TEST(ReplayStrategy, LenientModeContinuesWithItsFallback) {
  // Past the recording the fallback answers, and that is no divergence.
  ReplayStrategy s({1}, make_random_strategy());
  start(s, 4, 3);
  EXPECT_EQ(pick(s, 0b111, -1, false), 1);
  std::set<int> later;
  for (int i = 0; i < 200; ++i) later.insert(pick(s, 0b111, -1, false));
  EXPECT_EQ(later.size(), 3u);
  EXPECT_LT(s.choose(5), 5u);
  EXPECT_FALSE(s.diverged());
  // A recorded pick that cannot run is still a divergence.
  ReplayStrategy misfit({2}, make_random_strategy());
  start(misfit, 4, 3);
  pick(misfit, 0b011, -1, false);
  EXPECT_TRUE(misfit.diverged());
}

TEST(RandomStrategy, DataChoicesAreUniformAndSeeded) {
  auto a = make_random_strategy(), b = make_random_strategy();
  start(*a, 3, 2);
  start(*b, 3, 2);
  int count[4] = {};
  for (int i = 0; i < 4000; ++i) {
    const std::uint64_t c = a->choose(4);
    ASSERT_LT(c, 4u);
    ASSERT_EQ(b->choose(4), c);
    ++count[c];
  }
  for (int c : count) EXPECT_GT(c, 850);
}

TEST(PctStrategy, ThreadsStartedLaterGetAPriorityAndRun) {
  // Threads 3 and 4 did not exist at the start: the strategy ranks them on
  // first sight, deterministically, and each wins some executions.
  std::set<int> winners;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    auto a = make_pct_strategy(2, 10), b = make_pct_strategy(2, 10);
    start(*a, seed, 3);
    start(*b, seed, 3);
    const int p = pick(*a, 0b11000, -1, false);
    EXPECT_EQ(p, pick(*b, 0b11000, -1, false));
    winners.insert(p);
    EXPECT_TRUE(p == 3 || p == 4);
  }
  EXPECT_EQ(winners.size(), 2u);
}

TEST(ThreadSet, HoldsThousandsOfThreads) {
  ThreadSet s;
  std::vector<int> members;
  for (int t = 0; t < 3000; t += 7) {
    s.insert(t);
    members.push_back(t);
  }
  s.insert(7);  // already in: no change
  EXPECT_EQ(s.count(), static_cast<int>(members.size()));
  for (std::size_t r = 0; r < members.size(); ++r) ASSERT_EQ(s.nth(static_cast<unsigned>(r)), members[r]);
  EXPECT_EQ(s.first(), 0);
  s.erase(0);
  EXPECT_EQ(s.first(), 7);
  EXPECT_TRUE(s.contains(2996));
  EXPECT_FALSE(s.contains(2997));
  EXPECT_FALSE(s.contains(100000));
  std::vector<int> seen;
  s.for_each([&](int t) { seen.push_back(t); });
  EXPECT_EQ(seen, std::vector<int>(members.begin() + 1, members.end()));
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.first(), -1);
}

// PCT as first written (Burckhardt et al.'s steps, change points checked
// one by one at every decision): the strategy, which keeps them sorted and
// looks at the next only, must pick the same threads, ties (two change points
// at one decision) included.
class ReferencePct {
 public:
  ReferencePct(int depth, std::uint64_t k) : depth_(depth), k_(k) {}
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
  std::uint64_t decision_ = 0, k_;
  int lowest_ = 0;
};

// Runs the strategy and the reference side by side for `seeds` executions of
// decisions(seed) decision points each, over random runnable sets with some
// yields: every pick must agree.
void expect_picks_as_reference(int depth, std::uint64_t k, int threads, std::uint64_t seeds,
                               const std::function<int(std::uint64_t seed)>& decisions, std::mt19937_64& masks) {
  auto s = make_pct_strategy(depth, k);
  ReferencePct ref(depth, k);
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    start(*s, seed, threads);
    ref.new_execution(seed, threads);
    const std::uint64_t all = threads == 64 ? ~0ULL : (1ULL << threads) - 1;
    const int count = decisions(seed);
    int current = -1;
    for (int d = 0; d < count; ++d) {
      std::uint64_t runnable = masks() & all;
      if (std::popcount(runnable) < 2) runnable = all;
      const bool yielded = current >= 0 && ((runnable >> current) & 1) && d % 7 == 3;
      const int want = ref.pick(runnable, current, yielded);
      ASSERT_EQ(pick(*s, runnable, current, yielded), want)
          << "depth " << depth << " threads " << threads << " seed " << seed << " decision " << d;
      current = want;
    }
  }
}

TEST(PctStrategy, PicksAsTheReferenceAlgorithm) {
  std::mt19937_64 masks(5);
  for (int depth : {1, 2, 3, 5, 12})
    for (int threads : {2, 3, 7, 64})
      expect_picks_as_reference(depth, 16, threads, 40, [](std::uint64_t seed) { return 5 + static_cast<int>(seed % 30); },
                                masks);
}

// The largest depth the CLI accepts: the change points, drawn then sorted
// once, must land where the reference's unsorted ones do, the many ties (far
// more change points than decisions) in index order, with change points
// spread over k = 1500 decisions.
TEST(PctStrategy, MaximumDepthPicksAsTheReferenceAlgorithm) {
  std::mt19937_64 masks(11);
  for (int threads : {2, 7, 64})
    expect_picks_as_reference(kMaxPctDepth, 1500, threads, 4,
                              [](std::uint64_t seed) { return seed == 0 ? 1500 : 40 + 300 * static_cast<int>(seed); },
                              masks);
}

TEST(NthThread, CountsSetBitsFromThreadZero) {
  EXPECT_EQ(nth_bit(0b1011, 0), 0);
  EXPECT_EQ(nth_bit(0b1011, 1), 1);
  EXPECT_EQ(nth_bit(0b1011, 2), 3);
  EXPECT_EQ(nth_bit(1ULL << 63, 0), 63);
}

TEST(RandomStrategy, PicksOnlyRunnableThreadsUniformly) {
  auto s = make_random_strategy();
  start(*s, 9, 6);
  const std::uint64_t runnable = 0b101010;  // threads 1, 3, 5
  int count[6] = {};
  for (int i = 0; i < 3000; ++i) ++count[pick(*s, runnable, -1, false)];
  EXPECT_EQ(count[0] + count[2] + count[4], 0);
  for (int t : {1, 3, 5}) EXPECT_GT(count[t], 850) << "thread " << t;
}

}  // namespace
}  // namespace tangle::detail
