// BrokenCheckThenSetLock — DELIBERATELY WRONG. Do not use.
//
// lock() loads the flag and, if it reads 0, stores 1: a check-then-act race. Two
// threads can both load 0 before either stores 1, and both "own" the lock. Each
// operation is atomic on its own; the pair is not — the bug is at the level of the
// algorithm, so ThreadSanitizer-style race detection on the flag sees nothing; only
// an interleaving-exploring tool (tangle's controlled engine: preempt between the
// load and the store) or a lucky stress run shows the broken mutual exclusion. It is
// here as tangle's negative control: its scenario must report a finding.
//
// (Fix: make the check and the set one RMW — exchange, as TasSpinLock does.)
#pragma once

#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class BrokenCheckThenSetLock {
 public:
  static constexpr LockInfo info{
      .name = "broken-check-then-set",
      .correct = false,
      .summary = "BROKEN on purpose: load==0 then store 1 (not atomic); negative control"};

  BrokenCheckThenSetLock() = default;
  BrokenCheckThenSetLock(const BrokenCheckThenSetLock&) = delete;
  BrokenCheckThenSetLock& operator=(const BrokenCheckThenSetLock&) = delete;

  void lock() {
    for (;;) {
      if (locked_.load(std::memory_order_acquire) == 0) {
        // <-- another thread can pass the same check right here.
        locked_.store(1, std::memory_order_relaxed);
        return;
      }
      spin_hint(locked_);
    }
  }

  bool try_lock() {
    if (locked_.load(std::memory_order_acquire) != 0) return false;
    locked_.store(1, std::memory_order_relaxed);
    return true;
  }

  void unlock() { locked_.store(0, std::memory_order_release); }

 private:
  Atomic<int> locked_{0};
};

}  // namespace tangle::locks
