// TasSpinLock — test-and-set spin lock, the simplest correct lock.
//
// Algorithm: every attempt is an atomic exchange(true); whoever reads `false` back
// owns the lock. Anderson (IEEE TPDS 1990) shows why this scales badly: each spinning
// waiter issues a read-for-ownership on every iteration, so the lock's cache line
// ping-pongs between all waiters and the holder's unlock store queues behind them.
//
// Cost: uncontended lock+unlock = one RMW + one plain store. Under contention every
// spin iteration is an RMW on the shared line (O(waiters) coherence traffic per
// handoff). Fairness: none — the winner is whichever core's RMW lands first after the
// release, which favours the releasing core (it still has the line); starvation is
// possible. No protection against preempted holders (waiters burn their quantum).
#pragma once

#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class TasSpinLock {
 public:
  static constexpr LockInfo info{
      .name = "tas",
      .summary = "test-and-set; 1 RMW per attempt; unfair, line ping-pong under contention"};

  TasSpinLock() = default;
  TasSpinLock(const TasSpinLock&) = delete;
  TasSpinLock& operator=(const TasSpinLock&) = delete;

  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) spin_hint(locked_);
  }

  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }

  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  Atomic<bool> locked_{false};
};

}  // namespace tangle::locks
