// Objects keyed by address and plain memory accesses (Runtime::object_at,
// forget_address, memory_access): what a pthread interposer or compiler
// instrumentation feeds the engines. Each detector through them: a buggy
// case caught, a fixed twin silent over many executions; address reuse after
// a destruction is a new object.
#include <gtest/gtest.h>

#include <set>

#include "address_counter.hpp"
#include "engine_helpers.hpp"
#include "tangle/tangle.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;


TEST(AddressObjects, PlainMemoryRaceAndLostUpdateAreFound) {
  for (const char* strategy : {"random", "pct"}) {
    const auto kinds = kinds_found(info_for<RawCounter<false>>(2), 300, strategy);
    EXPECT_TRUE(kinds.count(FindingKind::data_race)) << strategy;
    EXPECT_TRUE(kinds.count(FindingKind::invariant_violation)) << strategy;
  }
}

TEST(AddressObjects, AMutexKnownOnlyByItsAddressOrdersTheAccesses) {
  for (const char* strategy : {"random", "pct"})
    EXPECT_EQ(kinds_found(info_for<RawCounter<true>>(2), 500, strategy), std::set<FindingKind>{}) << strategy;
}

// The same address, before and after a destruction: a new object.
template <bool Forget>
struct ReusedAddress : Scenario {
  explicit ReusedAddress(const Params&) {}
  alignas(8) char storage[40]{};
  ObjectId first = 0, second = 0;
  void thread(int) override {
    first = rt().object_at(storage, ObjectKind::mutex, Loc::current());
    rt().mutex_lock(first, Loc::current());
    // The mutex is destroyed while held (a bug of its own, not this test's),
    // and a new one made in its memory.
    if (Forget) rt().forget_address(storage, sizeof storage);
    second = rt().object_at(storage, ObjectKind::mutex, Loc::current());
    rt().mutex_lock(second, Loc::current());  // the old mutex's owner locks the new one
    rt().mutex_unlock(second, Loc::current());
  }
  void check() override { tangle::check((first != second) == Forget, "object identity after reuse"); }
};

TEST(AddressObjects, AReusedAddressIsANewObject) {
  EXPECT_EQ(kinds_found(info_for<ReusedAddress<true>>(1), 5), std::set<FindingKind>{});
  // Without the destruction it is the same mutex, locked twice.
  EXPECT_EQ(kinds_found(info_for<ReusedAddress<false>>(1), 5), std::set{FindingKind::self_deadlock});
}

// Objects made lazily get dense ids in first-use order, so trace hashes do
// not depend on addresses: two engines (two heaps) agree.
TEST(AddressObjects, TraceHashesDoNotDependOnAddresses) {
  const ScenarioInfo info = info_for<RawCounter<true>>(2);
  auto a = make_random_strategy(), b = make_random_strategy();
  ControlledEngine one(info, Params{}), two(info, Params{});
  std::vector<char> shift(4096);  // the second engine's scenarios sit elsewhere
  for (std::uint64_t seed = 1; seed < 20; ++seed) {
    one.run(*a, seed);
    two.run(*b, seed);
    EXPECT_EQ(one.trace_hash(), two.trace_hash()) << seed;
  }
}

}  // namespace
}  // namespace tangle::detail

namespace tangle::detail {
namespace {

// Strategy v2: new_execution() may end the search; the engine then runs
// nothing (no scenario instance, no trace) and says so.
class ThreeExecutions final : public Strategy {
 public:
  bool new_execution(const ExecutionStart&) override { return started_++ < 3; }
  int pick(const Decision& d) override { return d.runnable.first(); }
  std::uint64_t choose(std::uint64_t) override { return 0; }

 private:
  int started_ = 0;
};

struct CountsConstructions : Scenario {
  static inline int made = 0;
  explicit CountsConstructions(const Params&) { ++made; }
  Mutex m{"m"};
  void thread(int) override { LockGuard<Mutex> g(m); }
};

TEST(StrategyV2, NewExecutionEndsTheSearch) {
  const ScenarioInfo info = info_for<CountsConstructions>(2);
  ControlledEngine engine(info, Params{});
  ThreeExecutions strategy;
  CountsConstructions::made = 0;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(engine.run(strategy, static_cast<std::uint64_t>(i)).search_over);
  const ExecutionResult& over = engine.run(strategy, 3);
  EXPECT_TRUE(over.search_over);
  EXPECT_EQ(over.steps, 0u);
  EXPECT_EQ(CountsConstructions::made, 3);
}

}  // namespace
}  // namespace tangle::detail
