// locks/<name>: one scenario per lock strategy in tangle::locks::InstrumentedLocks,
// each lock instantiated over tangle::Atomic so every atomic operation of the lock
// is a scheduling point and every spin iteration a yield point (spin_hint, found by
// ADL). The same header is what bench/locks benchmarks over std::atomic (DESIGN.md §7).
//
// What each scenario checks, on every execution:
//   * mutual exclusion, twice over: the protected counter is a tangle::Shared, so an
//     overlap of two critical sections is a `data_race` (the lock's atomics did not
//     order the accesses), and the critical section writes its owner id and re-reads
//     it, so an overlap the scheduler interleaves is an `invariant_violation`;
//   * no lost update: check() compares the counter with threads × iterations;
//   * no deadlock or livelock: the engine reports a blocked-forever wait() or a spin
//     that exceeds the step bound.
// Reader-writer locks run writers (even thread ids) against readers (odd ids);
// readers only read, so the race detector checks writer/reader exclusion too.
//
// Expectations: every correct lock must stay clean. BrokenCheckThenSetLock (the
// negative control) must be caught: a preemption between its load and its store lets
// both threads in, which shows up as a data race and/or a broken invariant.
//
// Adding a strategy to tangle::locks::AllLocks adds its scenario here; nothing to edit.
#include <cstdint>
#include <string>
#include <utility>

#include "tangle/locks/all.hpp"
#include "tangle/tangle.hpp"

namespace {

namespace tl = tangle::locks;

template <template <template <class> class> class L>
class LockScenario : public tangle::Scenario {
 public:
  using Lock = L<tangle::Atomic>;
  static constexpr bool kReaderWriter = tl::ReaderWriterLock<Lock>;
  // The engine aborts an execution by unwinding through instrumented operations.
  static_assert(!noexcept(std::declval<Lock&>().lock()) &&
                    !noexcept(std::declval<Lock&>().unlock()),
                "lock()/unlock() must not be noexcept (see tangle/locks/all.hpp)");

  explicit LockScenario(const tangle::Params& p)
      : threads_(p.get("threads")), iterations_(p.get("iterations")) {}

  void thread(int index) override {
    const bool reader = kReaderWriter && index % 2 == 1;
    for (std::int64_t i = 0; i < iterations_; ++i) {
      if (reader) {
        read_side();
      } else {
        write_side(index + 1);
      }
    }
  }

  void check() override {
    const std::int64_t want = writers() * iterations_;
    tangle::check(counter_.final_value() == want, [&] {
      return "lost update under " + std::string(Lock::info.name) + ": counter is " +
             std::to_string(counter_.final_value()) + " after " + std::to_string(want) +
             " locked increments";
    });
  }

 private:
  void write_side(int me) {
    lock_.lock();
    owner_.write(me);
    const std::int64_t v = counter_.read();
    counter_.write(v + 1);
    tangle::check(owner_.read() == me, [&] {
      return "mutual exclusion violated under " + std::string(Lock::info.name) +
             ": another thread entered the critical section";
    });
    owner_.write(0);
    lock_.unlock();
  }

  void read_side() {
    if constexpr (kReaderWriter) {
      lock_.lock_shared();
      tangle::check(owner_.read() == 0, [&] {
        return "reader inside while a writer holds " + std::string(Lock::info.name);
      });
      (void)counter_.read();
      lock_.unlock_shared();
    }
  }

  std::int64_t writers() const {
    return kReaderWriter ? (threads_ + 1) / 2 : threads_;
  }

  std::int64_t threads_, iterations_;
  Lock lock_;
  tangle::Shared<std::int64_t> counter_{0, "counter"};
  tangle::Shared<int> owner_{0, "owner"};
};

// Registers locks/<name> for every lock tangle can schedule (the std baselines are
// left out: their Atomic parameter is unused, so there is nothing to instrument).
struct RegisterLockScenarios {
  RegisterLockScenarios() {
    tl::for_each_lock<tl::InstrumentedLocks>([]<template <template <class> class> class L>() {
      using S = LockScenario<L>;
      using Lock = typename S::Lock;
      const std::string name = "locks/" + std::string(Lock::info.name);
      auto* b = tangle::detail::register_scenario_type<S>(name.c_str(), __FILE__);
      b->description(std::string(Lock::info.summary))
          ->threads(S::kReaderWriter ? 3 : 2)
          ->param("iterations", 2, 1, 10000000);
      if constexpr (!Lock::info.correct) {
        b->expect({tangle::Kind::data_race, tangle::Kind::invariant_violation});
      }
    });
  }
};
[[maybe_unused]] const RegisterLockScenarios register_lock_scenarios;

}  // namespace
