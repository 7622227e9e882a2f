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

  int pick(std::span<const int> enabled, int current, bool yielded) override {
    const auto n = static_cast<std::uint32_t>(enabled.size());
    if (!yielded || current < 0) return enabled[rng_.below(n)];
    // The r-th runnable thread other than `current` (current is runnable:
    // a yield keeps it enabled).
    std::uint32_t r = rng_.below(n - 1);
    for (int t : enabled) {
      if (t == current) continue;
      if (r-- == 0) return t;
    }
    return enabled[0];  // unreachable when current is in `enabled`
  }

 private:
  Rng rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

}  // namespace tangle::detail
