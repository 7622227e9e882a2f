// deadlock/lock-order: two threads take the same two locks in opposite orders
// (A then B, B then A). When each gets its first lock before the other's
// second, both wait forever (deadlock, with the wait-for cycle); even when the
// run happens to finish, the lock-order graph has the cycle A→B→A
// (lock_order_inversion).
#include "tangle/tangle.hpp"

namespace {

class LockOrder : public tangle::Scenario {
 public:
  explicit LockOrder(const tangle::Params& p) : iterations_(p.get("iterations")) {}

  void thread(int index) override {
    for (std::int64_t i = 0; i < iterations_; ++i) {
      if (index == 0) {
        transfer(a_, b_);
      } else {
        transfer(b_, a_);  // BUG: the opposite order
      }
    }
  }

 private:
  void transfer(tangle::Mutex& first, tangle::Mutex& second) {
    tangle::LockGuard hold_first(first);
    tangle::LockGuard hold_second(second);
    moved_.write(moved_.read() + 1);
  }

  std::int64_t iterations_;
  tangle::Mutex a_{"A"};
  tangle::Mutex b_{"B"};
  tangle::Shared<int> moved_{0, "moved"};
};

TANGLE_SCENARIO(LockOrder, "deadlock/lock-order")
    ->description("Two threads lock A and B in opposite orders")
    ->fixed_threads(2)
    ->param("iterations", 1, 1, 10000000)
    ->expect({tangle::Kind::deadlock, tangle::Kind::lock_order_inversion});

}  // namespace
