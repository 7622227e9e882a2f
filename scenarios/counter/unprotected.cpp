// counter/unprotected: threads increment a shared counter with a plain
// read-modify-write and no lock. Two bugs at once: the accesses race (found by
// the happens-before detector on every execution), and an increment can be
// lost when a thread is preempted between its read and its write (found by the
// check whenever the scheduler interleaves there).
#include "tangle/tangle.hpp"

namespace {

class UnprotectedCounter : public tangle::Scenario {
 public:
  explicit UnprotectedCounter(const tangle::Params& p)
      : threads_(p.get("threads")), iterations_(p.get("iterations")) {}

  void thread(int) override {
    for (std::int64_t i = 0; i < iterations_; ++i) {
      const int value = counter_.read();
      counter_.write(value + 1);  // BUG: nothing orders this with other threads
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
  tangle::Shared<int> counter_{0, "counter"};
};

TANGLE_SCENARIO(UnprotectedCounter, "counter/unprotected")
    ->description("Threads increment a counter without a lock: races and lost updates")
    ->threads(2)
    ->param("iterations", 2, 1, 10000000)  // 64 threads × 10^7 fit the int counter
    ->expect({tangle::Kind::data_race, tangle::Kind::invariant_violation});

}  // namespace
