// Detectors as observers (detectors/detectors.hpp): a DetectorSet calls each
// observer's hooks and only those it has; HappensBeforeObserver's edges per
// primitive, fed by hand as an engine would.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detectors/detectors.hpp"
#include "detectors/happens_before.hpp"
#include "detectors/lock_order.hpp"

namespace tangle::detail {
namespace {

// A host as an engine is: names, sites that are source lines, a finding list.
class Host final : public DetectorHost<Loc> {
 public:
  std::vector<RawFinding> findings;
  void report(RawFinding f) override { findings.push_back(std::move(f)); }
  std::string object_name(ObjectId id) const override { return "object #" + std::to_string(id); }
  Loc site_loc(Loc site) const override { return site; }
  bool site_event(Loc, std::uint64_t&) const override { return false; }
  bool last_event(std::uint64_t&) const override { return false; }
};

// An observer with two hooks only: the set calls those and nothing else.
struct LockCounter {
  int acquired = 0;
  int released = 0;
  void lock_acquired(int, ObjectId, bool) { ++acquired; }
  void lock_released(int, ObjectId, bool) { ++released; }
};

TEST(Detectors, AnObserverGetsTheHooksItHasAndNoOthers) {
  DetectorSet<LockCounter, HappensBeforeObserver<Loc>> set;
  Host host;
  set.reset();
  set.thread_started(0, -1);
  set.thread_started(1, -1);
  set.object_created(0, ObjectKind::mutex);
  set.object_created(1, ObjectKind::shared);
  set.lock_acquired(0, 0, false);
  EXPECT_FALSE(set.access(0, 1, true, Loc{"a.cpp", 1}, host));
  set.lock_released(0, 0, false);
  set.lock_acquired(1, 0, false);
  EXPECT_FALSE(set.access(1, 1, true, Loc{"a.cpp", 2}, host));  // ordered by the lock
  set.lock_released(1, 0, false);
  EXPECT_EQ(set.get<LockCounter>().acquired, 2);
  EXPECT_EQ(set.get<LockCounter>().released, 2);
  EXPECT_TRUE(host.findings.empty());
}

struct HappensBefore : ::testing::Test {
  HappensBeforeObserver<Loc> hb;
  Host host;
  void SetUp() override {
    hb.reset();
    for (int t = 0; t < 3; ++t) hb.thread_started(t, -1);
  }
  bool write(int t, ObjectId v, std::uint32_t line) { return hb.access(t, v, true, Loc{"x.cpp", line}, host); }
};

TEST_F(HappensBefore, UnorderedWritesAreOneRaceWithBothLines) {
  hb.object_created(0, ObjectKind::shared);
  EXPECT_FALSE(write(0, 0, 10));
  EXPECT_TRUE(write(1, 0, 20));
  EXPECT_FALSE(write(0, 0, 30));  // one report per variable and execution
  ASSERT_EQ(host.findings.size(), 1u);
  const RawFinding& f = host.findings.front();
  EXPECT_EQ(f.kind, report::FindingKind::data_race);
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1}));
  ASSERT_EQ(f.locs.size(), 2u);
  EXPECT_EQ(f.locs[0].line(), 20u);
  EXPECT_EQ(f.locs[1].line(), 10u);
  EXPECT_NE(f.message.find("object #0"), std::string::npos) << f.message;
}

// Readers do not order each other: a reader's unlock publishes to a later
// writer only.
TEST_F(HappensBefore, ReadUnlocksOrderWritersNotReaders) {
  hb.object_created(0, ObjectKind::rwlock);
  hb.object_created(1, ObjectKind::shared);
  hb.lock_acquired(0, 0, true);
  EXPECT_FALSE(write(0, 1, 1));  // a write under a read lock: the bug to catch
  hb.lock_released(0, 0, true);
  hb.lock_acquired(1, 0, true);
  EXPECT_TRUE(write(1, 1, 2));  // another reader is not ordered after it
  hb.lock_released(1, 0, true);
  EXPECT_EQ(host.findings.size(), 1u);
}

TEST_F(HappensBefore, WriterAfterReadersIsOrdered) {
  hb.object_created(0, ObjectKind::rwlock);
  hb.object_created(1, ObjectKind::shared);
  hb.lock_acquired(0, 0, true);
  EXPECT_FALSE(hb.access(0, 1, false, Loc{"x.cpp", 1}, host));
  hb.lock_released(0, 0, true);
  hb.lock_acquired(1, 0, false);
  EXPECT_FALSE(write(1, 1, 2));  // the writer acquired the readers' clock
  EXPECT_TRUE(host.findings.empty());
}

// A barrier phase orders its arrivals before every departure; a faster
// party's arrival at the next phase does not leak into a slow waiter of
// this one.
TEST_F(HappensBefore, BarrierPhasesUseTheirOwnClocks) {
  hb.object_created(0, ObjectKind::barrier);
  hb.object_created(1, ObjectKind::shared);
  hb.object_created(2, ObjectKind::shared);
  EXPECT_FALSE(write(0, 1, 1));
  hb.barrier_arrived(0, 0, 0);
  hb.barrier_arrived(1, 0, 0);
  hb.barrier_passed(1, 0, 0);
  EXPECT_FALSE(write(1, 1, 2));  // after phase 0: ordered after thread 0's write
  EXPECT_FALSE(write(1, 2, 3));  // written after phase 0 by thread 1 ...
  hb.barrier_arrived(1, 0, 1);   // ... which arrives at phase 1 first
  hb.barrier_passed(0, 0, 0);    // thread 0 leaves phase 0 late
  EXPECT_TRUE(write(0, 2, 4));   // phase 1's arrival is not its to acquire yet
}

TEST_F(HappensBefore, ForkAndJoinOrderThreads) {
  hb.object_created(0, ObjectKind::shared);
  EXPECT_FALSE(write(0, 0, 1));
  hb.thread_started(3, 0);
  EXPECT_FALSE(write(3, 0, 2));
  hb.thread_joined(0, 3);
  EXPECT_FALSE(write(0, 0, 3));
  EXPECT_TRUE(write(1, 0, 4));
}

// The lock-order observer: an inversion between two threads is reported
// once, with both edges; one thread alone taking both orders is not.
TEST(LockOrder, InversionAcrossThreadsIsReported) {
  LockOrderObserver lo;
  Host host;
  lo.reset();
  lo.object_created(0, ObjectKind::mutex);
  lo.object_created(1, ObjectKind::mutex);
  const HeldLock a{0, false, Loc{"l.cpp", 1}};
  const HeldLock b{1, false, Loc{"l.cpp", 2}};
  lo.lock_requested(0, 1, Loc{"l.cpp", 3}, std::span<const HeldLock>(&a, 1), host);
  lo.lock_requested(0, 0, Loc{"l.cpp", 4}, std::span<const HeldLock>(&b, 1), host);
  EXPECT_TRUE(host.findings.empty());  // one thread alone cannot deadlock
  lo.lock_requested(1, 0, Loc{"l.cpp", 5}, std::span<const HeldLock>(&b, 1), host);
  ASSERT_EQ(host.findings.size(), 1u);
  EXPECT_EQ(host.findings.front().kind, report::FindingKind::lock_order_inversion);
  EXPECT_EQ(host.findings.front().cycle.size(), 2u);
  EXPECT_NE(host.findings.front().message.find("object #0"), std::string::npos);
}

}  // namespace
}  // namespace tangle::detail
