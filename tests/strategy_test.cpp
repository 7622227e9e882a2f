// Strategies: deterministic per seed, only ever pick a runnable thread, pass
// over a thread that yields, and PCT runs the highest-priority thread between
// change points.
#include <gtest/gtest.h>

#include <set>
#include <vector>

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
  auto s = make_replay_strategy({1, 0, 1});
  s->new_execution(0, 2);
  const std::uint64_t both = 0b11, only0 = 0b01;
  EXPECT_EQ(s->pick(both, -1, false), 1);
  EXPECT_EQ(s->pick(both, 1, false), 0);
  EXPECT_THROW(s->pick(only0, 0, false), ReplayDiverged);
  EXPECT_THROW(s->pick(both, 0, false), ReplayDiverged);  // schedule exhausted
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
