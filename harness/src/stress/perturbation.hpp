// Perturbation at the stress engine's instrumented operations.
//
// Every instrumented operation of a scenario thread is a perturbation point.
// What happens there is decided by the thread's own PRNG, seeded from
// (execution seed, thread index): the *sequence of choices* is deterministic,
// the timing that results is not (real threads, real scheduler). Choices:
//   - nothing (most points: the fast path is one decrement and a branch),
//   - std::this_thread::yield(),
//   - a short busy spin (a preemption-free delay of a few µs),
//   - a short sleep (tens of µs: the OS runs somebody else for real),
//   - starvation, after rr's chaos mode (O'Callahan et al., "Engineering
//     Record and Replay for Deployability", USENIX ATC 2017): a per-execution
//     random subset of threads is "starved"; a starved thread, when it draws
//     this choice, sleeps at its next several points, so the others run
//     ahead for a while — the interleavings that fair schedulers rarely give.
// Each execution also draws a profile: the mean gap between perturbations
// (every point … one in a few hundred), so runs mix dense and sparse noise.
//
// Cost bound: a thread perturbs at most kDensePoints times at the profile's
// gap, then at one point in kSparseGap; sleeps (starvation included) stop
// after kSleepBudgetUs of sleeping per thread and execution and turn into
// yields. A scenario with millions of operations per execution therefore pays
// a bounded, small perturbation overhead.
//
// Threading: one Perturber per scenario thread, touched only by that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "rng.hpp"

namespace tangle::detail {

class Perturber {
 public:
  static constexpr std::uint32_t kDensePoints = 4096;
  static constexpr std::uint32_t kSparseGap = 4096;
  static constexpr std::int64_t kSleepBudgetUs = 5000;

  // `mean_gap`: average operations between perturbations; `starved`: this
  // thread is in the execution's starved subset.
  void reset(std::uint64_t seed, std::uint32_t mean_gap, bool starved) {
    rng_.reseed(seed);
    mean_gap_ = mean_gap == 0 ? 1 : mean_gap;
    starved_ = starved;
    starve_left_ = 0;
    done_ = 0;
    slept_us_ = 0;
    countdown_ = 1 + rng_.below(mean_gap_);
  }

  void point() {
    if (--countdown_ != 0) [[likely]] return;
    perturb();
  }

 private:
  void perturb() {
    if (++done_ > kDensePoints) mean_gap_ = kSparseGap;
    countdown_ = 1 + rng_.below(2 * mean_gap_);
    if (starve_left_ > 0) {
      --starve_left_;
      sleep_us(starve_us_);
      return;
    }
    const std::uint32_t r = rng_.below(100);
    if (r < 40) {
      std::this_thread::yield();
    } else if (r < 70) {
      spin(rng_.below(500));
    } else if (r < 92) {
      sleep_us(10 + static_cast<std::int64_t>(rng_.below(90)));
    } else if (starved_) {
      // Starve: sleep at the next points, which lets the others run ahead.
      starve_left_ = 4 + rng_.below(16);
      starve_us_ = 50 + static_cast<std::int64_t>(rng_.below(200));
      countdown_ = 1;
    } else {
      std::this_thread::yield();
    }
  }

  void sleep_us(std::int64_t us) {
    if (slept_us_ + us > kSleepBudgetUs) {
      std::this_thread::yield();
      return;
    }
    slept_us_ += us;
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  }

  static void spin(std::uint32_t iterations) {
    for (std::uint32_t i = 0; i < iterations; ++i) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#else
      asm volatile("" ::: "memory");
#endif
    }
  }

  Rng rng_;
  std::uint32_t countdown_ = 1;
  std::uint32_t mean_gap_ = 1;
  std::uint32_t done_ = 0;
  std::uint32_t starve_left_ = 0;
  std::int64_t starve_us_ = 0;
  std::int64_t slept_us_ = 0;
  bool starved_ = false;
};

}  // namespace tangle::detail
