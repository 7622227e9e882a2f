// RwSpinLock — writer-preferring reader-writer spin lock in one word (the layout of
// folly::RWSpinLock and the Linux rwlock: reader count in the high bits, a writer bit
// and a writer-pending bit in the low bits; cf. Mellor-Crummey & Scott, "Scalable
// reader-writer synchronization for shared-memory multiprocessors", PPoPP 1991, for
// the fairness trade-offs).
//
//   bit 0  kWriter   a writer holds the lock
//   bit 1  kPending  a writer is waiting: new readers hold off (writer preference)
//   bits 2+          number of readers holding the lock (kReader each)
//
// Cost: uncontended shared or exclusive acquire = one load + one CAS; release = one
// RMW. Every reader writes the shared word, so read-mostly workloads still bounce the
// line between reader cores (a distributed/per-core reader count avoids that at the
// cost of a slower writer). Fairness: writers are preferred — a waiting writer stops
// new readers, so writers do not starve behind a reader stream; readers can starve
// behind a writer stream. Among writers: none (TTAS-style race).
#pragma once

#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class RwSpinLock {
 public:
  static constexpr LockInfo info{
      .name = "rw-spin",
      .kind = LockKind::reader_writer,
      .summary = "one-word reader-writer spin lock; writer-preferring; readers share a line"};

  RwSpinLock() = default;
  RwSpinLock(const RwSpinLock&) = delete;
  RwSpinLock& operator=(const RwSpinLock&) = delete;

  void lock() {
    for (;;) {
      unsigned s = state_.load(std::memory_order_relaxed);
      if ((s & ~kPending) == 0) {
        // No writer, no readers. Taking the lock clears kPending; other waiting
        // writers set it again on their next iteration.
        if (state_.compare_exchange_strong(s, kWriter, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
          return;
        }
      } else if ((s & kPending) == 0) {
        state_.fetch_or(kPending, std::memory_order_relaxed);
      }
      spin_hint(state_);
    }
  }

  bool try_lock() {
    unsigned s = state_.load(std::memory_order_relaxed);
    return (s & ~kPending) == 0 &&
           state_.compare_exchange_strong(s, kWriter, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() { state_.fetch_and(~kWriter, std::memory_order_release); }

  void lock_shared() {
    for (;;) {
      unsigned s = state_.load(std::memory_order_relaxed);
      if ((s & (kWriter | kPending)) == 0 &&
          state_.compare_exchange_strong(s, s + kReader, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
        return;
      }
      spin_hint(state_);
    }
  }

  bool try_lock_shared() {
    unsigned s = state_.load(std::memory_order_relaxed);
    return (s & (kWriter | kPending)) == 0 &&
           state_.compare_exchange_strong(s, s + kReader, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock_shared() { state_.fetch_sub(kReader, std::memory_order_release); }

 private:
  static constexpr unsigned kWriter = 1;
  static constexpr unsigned kPending = 2;
  static constexpr unsigned kReader = 4;

  Atomic<unsigned> state_{0};
};

}  // namespace tangle::locks
