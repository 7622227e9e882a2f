// RaceDetector against a naive happens-before model: the model keeps every
// access with a snapshot of its thread's full vector clock and calls a race
// when an earlier conflicting access (another thread, at least one write) is
// not ordered before the new one. FastTrack-style detection is exact up to
// the first race on each variable, so each variable is compared up to there.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "detectors/race_detector.hpp"

namespace tangle::detail {
namespace {

// Sites are plain numbers here: the event index, as the controlled engine uses.
using RaceDetector = BasicRaceDetector<std::uint32_t>;

TEST(RaceDetector, UnorderedWritesRace) {
  RaceDetector d;
  d.reset(2);
  const int x = d.add_variable();
  EXPECT_FALSE(d.write(0, x, 1));
  ASSERT_TRUE(d.write(1, x, 2));
  const auto& race = d.last_race();
  EXPECT_EQ(race.earlier.thread, 0);
  EXPECT_EQ(race.later.thread, 1);
  EXPECT_EQ(race.earlier.site, 1u);
}

TEST(RaceDetector, ReleaseAcquireOrders) {
  RaceDetector d;
  d.reset(2);
  const int x = d.add_variable(), m = d.add_sync();
  EXPECT_FALSE(d.write(0, x, 0));
  d.release(0, m);
  d.acquire(1, m);
  EXPECT_FALSE(d.read(1, x, 1));
  EXPECT_FALSE(d.write(1, x, 2));
}

TEST(RaceDetector, ReadsByManyThreadsThenUnorderedWriteRaces) {
  RaceDetector d;
  d.reset(3);
  const int x = d.add_variable(), m = d.add_sync();
  EXPECT_FALSE(d.read(0, x, 0));
  EXPECT_FALSE(d.read(1, x, 1));  // read-read is no race
  d.release(0, m);
  d.acquire(2, m);
  ASSERT_TRUE(d.write(2, x, 2));  // ordered after 0's read, not 1's
  EXPECT_EQ(d.last_race().earlier.thread, 1);
  EXPECT_FALSE(d.last_race().earlier.write);
}

struct NaiveModel {
  struct Access {
    int thread;
    bool write;
    std::vector<std::uint32_t> clock;
  };
  int n;
  std::vector<std::vector<std::uint32_t>> threads, syncs;
  std::vector<std::vector<Access>> vars;

  NaiveModel(int n_, int nsync, int nvars) : n(n_), syncs(nsync, std::vector<std::uint32_t>(n_, 0)), vars(nvars) {
    threads.assign(n, std::vector<std::uint32_t>(n, 0));
    for (int t = 0; t < n; ++t) threads[t][t] = 1;
  }
  void acquire(int t, int s) {
    for (int i = 0; i < n; ++i) threads[t][i] = std::max(threads[t][i], syncs[s][i]);
  }
  void release(int t, int s) {
    for (int i = 0; i < n; ++i) syncs[s][i] = std::max(syncs[s][i], threads[t][i]);
    ++threads[t][t];
  }
  bool access(int t, int x, bool write) {
    bool race = false;
    for (const Access& a : vars[x])
      // a happens-before now iff a's own component is covered by our clock.
      if (a.thread != t && (a.write || write) && a.clock[a.thread] > threads[t][a.thread]) race = true;
    vars[x].push_back({t, write, threads[t]});
    return race;
  }
};

TEST(RaceDetector, RandomAgainstNaiveModel) {
  std::mt19937 rng(777);
  int races_seen = 0;
  for (int round = 0; round < 500; ++round) {
    // Mostly 2-5 threads; every tenth round one thread, or rows wider than a
    // power of two (9, 17, 33) up to the engine's limit of 64.
    static constexpr int kWide[] = {1, 9, 17, 33, 64};
    const int n = round % 10 == 9 ? kWide[(round / 10) % 5] : 2 + static_cast<int>(rng() % 4),
              nsync = 1 + static_cast<int>(rng() % 3),
              nvars = 1 + static_cast<int>(rng() % 3);
    RaceDetector d;
    d.reset(n);
    std::vector<int> sync_ids, var_ids;
    for (int i = 0; i < nsync; ++i) sync_ids.push_back(d.add_sync());
    for (int i = 0; i < nvars; ++i) var_ids.push_back(d.add_variable());
    NaiveModel model(n, nsync, nvars);
    std::vector<char> raced(static_cast<std::size_t>(nvars), 0);
    for (int op = 0; op < 80; ++op) {
      const int t = static_cast<int>(rng() % n);
      switch (rng() % 4) {
        case 0: {
          const int s = static_cast<int>(rng() % nsync);
          d.acquire(t, sync_ids[s]);
          model.acquire(t, s);
          break;
        }
        case 1: {
          const int s = static_cast<int>(rng() % nsync);
          d.release(t, sync_ids[s]);
          model.release(t, s);
          break;
        }
        default: {
          const int x = static_cast<int>(rng() % nvars);
          const bool write = rng() % 2;
          const bool got = write ? d.write(t, var_ids[x], op)
                                 : d.read(t, var_ids[x], op);
          const bool want = model.access(t, x, write);
          if (!raced[x]) {
            ASSERT_EQ(got, want) << "round " << round << " op " << op << " thread " << t << " var " << x
                                 << (write ? " write" : " read");
            if (want) raced[x] = 1, ++races_seen;
          }
        }
      }
    }
  }
  EXPECT_GT(races_seen, 50);  // the random programs do exercise both outcomes
}

}  // namespace
}  // namespace tangle::detail
