// deadlock/ordered: the fixed twin of deadlock/lock-order — every thread takes
// A before B, so the lock-order graph stays acyclic and nobody can deadlock.
#include "tangle/tangle.hpp"

namespace {

class OrderedLocks : public tangle::Scenario {
 public:
  explicit OrderedLocks(const tangle::Params& p) : iterations_(p.get("iterations")) {}

  void thread(int) override {
    for (std::int64_t i = 0; i < iterations_; ++i) {
      tangle::LockGuard hold_a(a_);
      tangle::LockGuard hold_b(b_);
      moved_.write(moved_.read() + 1);
    }
  }

 private:
  std::int64_t iterations_;
  tangle::Mutex a_{"A"};
  tangle::Mutex b_{"B"};
  tangle::Shared<int> moved_{0, "moved"};
};

TANGLE_SCENARIO(OrderedLocks, "deadlock/ordered")
    ->description("Threads lock A then B, always in the same order")
    ->threads(2)
    ->param("iterations", 1, 1, 10000000);

}  // namespace
