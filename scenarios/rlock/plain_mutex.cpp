// rlock/plain-mutex: the tutorial's RLock lesson with the wrong lock. A
// method takes the lock and calls a helper that takes it again; a plain mutex
// waits for itself forever (self_deadlock, detected at the second lock).
#include "tangle/tangle.hpp"

namespace {

class PlainMutexReentry : public tangle::Scenario {
 public:
  explicit PlainMutexReentry(const tangle::Params& p) : iterations_(p.get("iterations")) {}

  void thread(int) override {
    for (std::int64_t i = 0; i < iterations_; ++i) deposit(1);
  }

 private:
  void deposit(int amount) {
    tangle::LockGuard guard(lock_);
    add(amount);  // BUG: add() locks lock_ again
  }
  void add(int amount) {
    tangle::LockGuard guard(lock_);
    balance_.write(balance_.read() + amount);
  }

  std::int64_t iterations_;
  tangle::Mutex lock_{"account_lock"};
  tangle::Shared<int> balance_{0, "balance"};
};

TANGLE_SCENARIO(PlainMutexReentry, "rlock/plain-mutex")
    ->description("A locked method calls a locked helper on a non-recursive mutex")
    ->threads(2)
    ->param("iterations", 1, 1, 10000000)
    ->expect({tangle::Kind::self_deadlock});

}  // namespace
