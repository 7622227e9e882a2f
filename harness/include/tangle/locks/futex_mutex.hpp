// FutexMutex — the three-state futex mutex, "mutex3" of U. Drepper, "Futexes Are
// Tricky" (Red Hat, rev. 1.6, 2011), with C++20 Atomic<int>::wait / notify_one as
// FUTEX_WAIT / FUTEX_WAKE (libstdc++ implements them with the futex syscall on Linux
// for 4-byte atomics; tangle's Atomic makes them blocking points of its scheduler).
//
// States: 0 = unlocked, 1 = locked with no waiters, 2 = locked, maybe waiters.
//   lock:   CAS 0->1 (fast path). Otherwise exchange(2) — announcing "a waiter may
//           sleep" *before* sleeping — and sleep while the value is still 2; every
//           wake-up re-tries with exchange(2), so a woken thread keeps the "maybe
//           waiters" mark for the ones still asleep.
//   unlock: fetch_sub(1). From 1 it reaches 0 with no syscall. From 2 somebody may be
//           asleep: store 0 and wake one.
// Drepper's point (and why the simpler two-state versions are wrong or slow): the
// waiter must set 2 atomically with observing "locked", or a wake-up is lost; and
// unlock must not issue a wake on the uncontended path.
//
// Cost: uncontended lock = one CAS, unlock = one RMW, no syscalls. Contended: a
// waiter sleeps in the kernel (no CPU burned; good when threads > cores) but each
// handoff to a sleeper costs a wake syscall plus a context switch (~µs). Fairness:
// not FIFO — a running thread can barge in ahead of the woken one (throughput over
// fairness, like glibc's default mutex); starvation is possible but rare.
#pragma once

#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class FutexMutex {
 public:
  static constexpr LockInfo info{
      .name = "futex",
      .summary = "Drepper's 3-state futex mutex (atomic wait/notify); sleeps; barging, not FIFO"};

  FutexMutex() = default;
  FutexMutex(const FutexMutex&) = delete;
  FutexMutex& operator=(const FutexMutex&) = delete;

  void lock() {
    int c = kUnlocked;
    if (state_.compare_exchange_strong(c, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    lock_contended(c);
  }

  bool try_lock() {
    int c = kUnlocked;
    return state_.compare_exchange_strong(c, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() {
    if (state_.fetch_sub(1, std::memory_order_release) != kLocked) {
      // Was 2: someone may be asleep.
      state_.store(kUnlocked, std::memory_order_release);
      state_.notify_one();
    }
  }

 protected:
  static constexpr int kUnlocked = 0;
  static constexpr int kLocked = 1;
  static constexpr int kContended = 2;

  // The slow path, `c` being the state last seen (not unlocked): mark "maybe
  // waiters" and sleep until the holder hands off. SpinThenParkMutex parks here.
  void lock_contended(int c) {
    if (c != kContended) c = state_.exchange(kContended, std::memory_order_acquire);
    while (c != kUnlocked) {
      state_.wait(kContended, std::memory_order_relaxed);
      c = state_.exchange(kContended, std::memory_order_acquire);
    }
  }

  Atomic<int> state_{kUnlocked};
};

}  // namespace tangle::locks
