// SpinThenParkMutex — hybrid: spin briefly, then sleep (the "adaptive" or
// spin-then-block strategy; Karlin, Li, Manasse & Owicki, "Empirical studies of
// competitive spinning for a shared-memory multiprocessor", SOSP 1991; glibc's
// PTHREAD_MUTEX_ADAPTIVE_NP). The sleeping part is FutexMutex's three-state protocol
// (Drepper, "Futexes Are Tricky", 2011).
//
// Why: critical sections are usually shorter than a sleep/wake round trip (~µs), so a
// waiter that spins for a bounded time usually gets the lock without any syscall; if
// the holder is slow or preempted, it stops wasting the CPU and parks.
//
// Cost: uncontended = FutexMutex (one CAS + one RMW). Contended, short sections: like
// TTAS (read-only spin on the state word). Long sections or oversubscription: like
// FutexMutex plus up to kSpinLimit wasted pauses per acquisition. Fairness: none
// (spinners barge ahead of sleepers).
#pragma once

#include <atomic>

#include "tangle/locks/futex_mutex.hpp"
#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

// FutexMutex with a spinning phase in front: try_lock, unlock and the parking
// slow path are FutexMutex's own.
template <template <class> class Atomic = std::atomic>
class SpinThenParkMutex : public FutexMutex<Atomic> {
  using Base = FutexMutex<Atomic>;
  using Base::kLocked;
  using Base::kUnlocked;
  using Base::state_;

 public:
  static constexpr LockInfo info{
      .name = "spin-park",
      .summary = "spin up to 128 pauses, then futex-park (3-state); barging, not FIFO"};

  SpinThenParkMutex() = default;
  SpinThenParkMutex(const SpinThenParkMutex&) = delete;
  SpinThenParkMutex& operator=(const SpinThenParkMutex&) = delete;

  void lock() {
    int c = kUnlocked;
    if (state_.compare_exchange_strong(c, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    // Phase 1: bounded read-only spin; take the lock as 0 -> 1 if it frees up. Taking
    // it as 1 while others sleep is safe: a woken sleeper re-marks 2 before sleeping.
    for (int i = 0; i < kSpinLimit; ++i) {
      spin_hint(state_);
      if (state_.load(std::memory_order_relaxed) == kUnlocked) {
        c = kUnlocked;
        if (state_.compare_exchange_strong(c, kLocked, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
          return;
        }
      }
    }
    // Phase 2: Drepper's slow path. The state seen while spinning is stale, so
    // enter it as "held, not yet marked": it marks 2 before sleeping.
    this->lock_contended(kLocked);
  }

 private:
  static constexpr int kSpinLimit = 128;
};

}  // namespace tangle::locks
