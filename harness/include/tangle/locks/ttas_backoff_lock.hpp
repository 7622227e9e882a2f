// TtasBackoffLock — test-and-test-and-set with bounded exponential backoff.
//
// Algorithm (Rudolph & Segall 1984; backoff: Anderson, IEEE TPDS 1990; Mellor-Crummey
// & Scott, ACM TOCS 1991 §2): waiters spin on a plain load, which hits their own
// cached copy of the line, and only attempt the exchange once the lock looks free.
// When that exchange loses, everybody saw the release at once and raced; backing off
// for a randomised-by-timing, doubling delay spreads the next attempts out so the
// line is not hammered by N simultaneous RMWs after every release.
//
// Cost: uncontended = one load + one RMW + one store. Contended: a release causes one
// invalidation round plus at most a few RMWs instead of one per waiter. Fairness:
// none, and backoff makes it worse — a waiter deep in a long backoff loses to fresh
// arrivals; the cap (kMaxBackoff) bounds how far behind it can fall per attempt.
#pragma once

#include <algorithm>
#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class TtasBackoffLock {
 public:
  static constexpr LockInfo info{
      .name = "ttas-backoff",
      .summary = "test-and-test-and-set + exponential backoff (4..1024 pauses); unfair"};

  TtasBackoffLock() = default;
  TtasBackoffLock(const TtasBackoffLock&) = delete;
  TtasBackoffLock& operator=(const TtasBackoffLock&) = delete;

  void lock() {
    unsigned backoff = kMinBackoff;
    for (;;) {
      // "Test": read-only spin on the cached line until the holder releases.
      while (locked_.load(std::memory_order_relaxed)) spin_hint(locked_);
      // "Test-and-set": only now pay for the RMW.
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      // Lost the race with other waiters that saw the same release: back off.
      for (unsigned i = 0; i < backoff; ++i) spin_hint(locked_);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  bool try_lock() {
    // The load first keeps a failing try_lock from stealing the line from the holder.
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  // Bounds in spin_hint calls. Small enough that under tangle's controlled engine a
  // backoff is a bounded number of yield points, large enough to de-synchronise cores.
  static constexpr unsigned kMinBackoff = 4;
  static constexpr unsigned kMaxBackoff = 1024;

  Atomic<bool> locked_{false};
};

}  // namespace tangle::locks
