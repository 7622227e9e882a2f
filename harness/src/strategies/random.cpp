// Random walk: at each decision point every runnable thread is equally likely.
// A busy-waiting thread (yielded) is passed over when anybody else can run, so
// spin loops make progress. Cost: one RNG draw per decision.
#include "rng.hpp"
#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

class RandomStrategy final : public Strategy {
 public:
  void new_execution(std::uint64_t seed, int) override { rng_.reseed(seed); }

  int pick(std::uint64_t runnable, int current, bool yielded) override {
    // A yielding thread stays runnable; choose among the others.
    if (yielded && current >= 0) runnable &= ~(1ULL << current);
    return nth_thread(runnable, rng_.below(static_cast<std::uint32_t>(std::popcount(runnable))));
  }

 private:
  Rng rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

}  // namespace tangle::detail
