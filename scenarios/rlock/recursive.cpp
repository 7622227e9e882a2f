// rlock/recursive: the fixed twin of rlock/plain-mutex — a recursive mutex
// (Python's RLock) lets the owner lock again; unlocks balance the locks.
#include "tangle/tangle.hpp"

namespace {

class RecursiveReentry : public tangle::Scenario {
 public:
  explicit RecursiveReentry(const tangle::Params& p)
      : threads_(p.get("threads")), iterations_(p.get("iterations")) {}

  void thread(int) override {
    for (std::int64_t i = 0; i < iterations_; ++i) deposit(1);
  }

  void check() override {
    tangle::check(balance_.final_value() == threads_ * iterations_, "a deposit was lost");
  }

 private:
  void deposit(int amount) {
    tangle::LockGuard guard(lock_);
    add(amount);  // re-entering is fine for a recursive mutex
  }
  void add(int amount) {
    tangle::LockGuard guard(lock_);
    balance_.write(balance_.read() + amount);
  }

  std::int64_t threads_, iterations_;
  tangle::RecursiveMutex lock_{"account_lock"};
  tangle::Shared<int> balance_{0, "balance"};
};

TANGLE_SCENARIO(RecursiveReentry, "rlock/recursive")
    ->description("A locked method calls a locked helper on a recursive mutex")
    ->threads(2)
    ->param("iterations", 1, 1, 10000000);

}  // namespace
