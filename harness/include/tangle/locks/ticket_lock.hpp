// TicketLock — FIFO spin lock (Lamport's bakery idea with two counters; analysed in
// Mellor-Crummey & Scott, ACM TOCS 1991, §2.2).
//
// Algorithm: lock() takes a ticket with fetch_add on `next_` and spins until
// `serving_` equals it; unlock() advances `serving_`. Only the holder ever writes
// `serving_`, so unlock is a load + store, not an RMW.
//
// Cost: uncontended = one RMW + one load (lock) + one load/store (unlock). Contended:
// all waiters spin reading the one `serving_` line, so each release invalidates every
// waiter's copy (O(waiters) traffic per handoff — MCS/CLH fix this). Fairness:
// strict FIFO, starvation-free. Its weakness is the flip side: if the next ticket
// holder is preempted, nobody behind it can proceed (convoys when threads > cores).
#pragma once

#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class TicketLock {
 public:
  static constexpr LockInfo info{
      .name = "ticket",
      .summary = "ticket lock; FIFO; 1 RMW; all waiters spin on one line; convoys if preempted"};

  TicketLock() = default;
  TicketLock(const TicketLock&) = delete;
  TicketLock& operator=(const TicketLock&) = delete;

  void lock() {
    // Relaxed: the ticket itself orders nothing; the acquire load of serving_ does.
    const unsigned ticket = next_.fetch_add(1, std::memory_order_relaxed);
    while (serving_.load(std::memory_order_acquire) != ticket) spin_hint(serving_);
  }

  bool try_lock() {
    // Succeed only if nobody holds or waits (next == serving): take that ticket.
    const unsigned serving = serving_.load(std::memory_order_acquire);
    unsigned expected = serving;
    return next_.compare_exchange_strong(expected, serving + 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }

  void unlock() {
    // Only the holder writes serving_, so a load + store suffices (no RMW).
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  // Unsigned wrap-around is well defined and both counters wrap together.
  Atomic<unsigned> next_{0};
  Atomic<unsigned> serving_{0};
};

}  // namespace tangle::locks
