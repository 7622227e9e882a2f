// counter/locked: the fixed twin of counter/unprotected — every increment
// holds the mutex, so the accesses are ordered and no update is lost.
#include "tangle/tangle.hpp"

namespace {

class LockedCounter : public tangle::Scenario {
 public:
  explicit LockedCounter(const tangle::Params& p)
      : threads_(p.get("threads")), iterations_(p.get("iterations")) {}

  void thread(int) override {
    for (std::int64_t i = 0; i < iterations_; ++i) {
      tangle::LockGuard guard(lock_);
      const int value = counter_.read();
      counter_.write(value + 1);
    }
  }

  void check() override {
    const std::int64_t want = threads_ * iterations_;
    tangle::check(counter_.final_value() == want, [&] {
      return "lost update: counter is " + std::to_string(counter_.final_value()) +
             " after " + std::to_string(want) + " increments";
    });
  }

 private:
  std::int64_t threads_, iterations_;
  tangle::Mutex lock_{"counter_lock"};
  tangle::Shared<int> counter_{0, "counter"};
};

TANGLE_SCENARIO(LockedCounter, "counter/locked")
    ->description("Threads increment a counter under a mutex")
    ->threads(2)
    ->param("iterations", 2, 1, 10000000);  // 64 threads × 10^7 fit the int counter

}  // namespace
