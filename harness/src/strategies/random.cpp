// Random walk: at each decision point every runnable thread is equally likely.
// A busy-waiting thread (yielded) is passed over when anybody else can run, so
// spin loops make progress. Data choices are uniform too. Cost: one RNG draw
// per decision.
#include "rng.hpp"
#include "strategies/strategy.hpp"

namespace tangle::detail {
namespace {

class RandomStrategy final : public Strategy {
 public:
  bool new_execution(const ExecutionStart& start) override {
    rng_.reseed(start.seed);
    draw_ = rng_.next();
    return true;
  }

  int pick(const Decision& d) override {
    // This decision uses the draw made at the previous one, and draws the
    // next: the generator's multiply then overlaps the engine's work instead
    // of sitting between a decision and the switch it leads to.
    const std::uint64_t draw = draw_;
    draw_ = rng_.next();
    // A yielding thread stays runnable; choose among the others (the r-th
    // of the set without it: skip it when r reaches it).
    if (d.yielded && d.current >= 0) {
      const auto r = Rng::scale(draw, static_cast<std::uint32_t>(d.runnable.count() - 1));
      const int t = d.runnable.nth(r);
      return t >= d.current ? d.runnable.nth(r + 1) : t;
    }
    return d.runnable.nth(Rng::scale(draw, static_cast<std::uint32_t>(d.runnable.count())));
  }

  std::uint64_t choose(std::uint64_t n) override {
    const std::uint64_t draw = draw_;
    draw_ = rng_.next();
    return n <= 0xffffffffu ? Rng::scale(draw, static_cast<std::uint32_t>(n)) : draw % n;
  }

 private:
  Rng rng_;
  std::uint64_t draw_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

}  // namespace tangle::detail
