// Random walk: at each decision point every runnable thread is equally likely.
// A busy-waiting thread (yielded) is passed over when anybody else can run, so
// spin loops make progress. Cost: one RNG draw per decision.
#include "rng.hpp"
#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

class RandomStrategy final : public Strategy {
 public:
  void new_execution(std::uint64_t seed, int) override {
    rng_.reseed(seed);
    draw_ = rng_.next();
  }

  int pick(std::uint64_t runnable, int current, bool yielded) override {
    // A yielding thread stays runnable; choose among the others.
    if (yielded && current >= 0) runnable &= ~(1ULL << current);
    // This decision uses the draw made at the previous one, and draws the
    // next: the generator's multiply then overlaps the engine's work instead
    // of sitting between a decision and the switch it leads to.
    const std::uint64_t draw = draw_;
    draw_ = rng_.next();
    return nth_thread(runnable, Rng::scale(draw, static_cast<std::uint32_t>(std::popcount(runnable))));
  }

 private:
  Rng rng_;
  std::uint64_t draw_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

}  // namespace tangle::detail
