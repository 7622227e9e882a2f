// McsLock — MCS queue lock (Mellor-Crummey & Scott, "Algorithms for Scalable
// Synchronization on Shared-Memory Multiprocessors", ACM TOCS 9(1), 1991), in the
// "K42" form that keeps the plain BasicLockable interface (Auslander, Edelsohn,
// Krieger, Rosenburg, Wisniewski — IBM K42; described in M. L. Scott, "Shared-Memory
// Synchronization", 2013, §4.3.2).
//
// Classic MCS: each waiter enqueues its own node with one exchange on `tail` and
// spins on a flag *in its own node*; the releaser hands over by writing that flag.
// The catch is the API — lock(node) / unlock(node): the node must live from lock()
// to unlock(). A thread_local node breaks when one thread holds two MCS locks, and
// tangle's controlled engine may run several logical threads on one OS thread, so
// thread_local is not per logical thread there. The K42 variant removes the node
// from the interface:
//   * the lock embeds a node, `self_`, that stands for "the current holder";
//   * a waiter's node lives on its lock() stack frame only while it waits. Once it is
//     granted the lock it copies its successor link into `self_.next` and swings
//     `tail_` from its stack node to `&self_` (or, if a successor is mid-enqueue,
//     waits for the link), so nothing points at the stack node when lock() returns;
//   * unlock() hands over through `self_.next`, or CASes `tail_` back to null.
//
// Cost: uncontended lock = one CAS, unlock = one load + one CAS. Contended: each
// waiter spins only on its own node (one cache-line transfer per handoff regardless
// of the number of waiters — the point of MCS), at the price of a second CAS and a
// few extra stores on the slow path. Fairness: FIFO, starvation-free. Like the ticket
// lock, a preempted waiter at the head of the queue stalls everyone behind it.
#pragma once

#include <atomic>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class McsLock {
 public:
  static constexpr LockInfo info{
      .name = "mcs",
      .summary = "MCS queue lock (K42 variant); FIFO; local spinning; 1 CAS uncontended"};

  McsLock() = default;
  McsLock(const McsLock&) = delete;
  McsLock& operator=(const McsLock&) = delete;

  void lock() {
    for (;;) {
      Node* prev = tail_.load(std::memory_order_relaxed);
      if (prev == nullptr) {
        // Lock free and nobody queued: `self_` becomes the holder's node.
        if (tail_.compare_exchange_strong(prev, &self_, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
          return;
        }
      } else {
        Node me{/*waiting=*/true};
        if (tail_.compare_exchange_strong(prev, &me, std::memory_order_acq_rel,
                                          std::memory_order_relaxed)) {
          prev->next.store(&me, std::memory_order_release);
          while (me.waiting.load(std::memory_order_acquire)) spin_hint(me.waiting);
          // We hold the lock. Move our queue position from the stack into self_.
          Node* succ = me.next.load(std::memory_order_acquire);
          if (succ == nullptr) {
            self_.next.store(nullptr, std::memory_order_relaxed);
            Node* expected = &me;
            if (!tail_.compare_exchange_strong(expected, &self_, std::memory_order_acq_rel,
                                               std::memory_order_relaxed)) {
              // A successor swung tail_ to itself but has not linked into `me` yet;
              // `me` must outlive that store, so wait for it.
              while ((succ = me.next.load(std::memory_order_acquire)) == nullptr) {
                spin_hint(me.next);
              }
              self_.next.store(succ, std::memory_order_release);
            }
          } else {
            self_.next.store(succ, std::memory_order_release);
          }
          return;
        }
      }
      // tail_ changed under us (someone enqueued or released): retry.
      spin_hint(tail_);
    }
  }

  bool try_lock() {
    Node* expected = nullptr;
    return tail_.compare_exchange_strong(expected, &self_, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }

  void unlock() {
    Node* succ = self_.next.load(std::memory_order_acquire);
    if (succ == nullptr) {
      Node* expected = &self_;
      if (tail_.compare_exchange_strong(expected, nullptr, std::memory_order_release,
                                        std::memory_order_relaxed)) {
        return;  // nobody queued
      }
      // Someone enqueued behind self_ and is about to link itself: wait for it.
      while ((succ = self_.next.load(std::memory_order_acquire)) == nullptr) {
        spin_hint(self_.next);
      }
    }
    // Hand over. After this store the successor owns self_.next; we touch nothing more.
    succ->waiting.store(false, std::memory_order_release);
  }

 private:
  struct Node {
    explicit Node(bool w = false) : waiting{w} {}
    Atomic<Node*> next{nullptr};
    Atomic<bool> waiting;
  };

  Atomic<Node*> tail_{nullptr};
  // Invariant: self_.next == nullptr whenever tail_ == nullptr or tail_ == &self_ with
  // no successor linked yet.
  Node self_;
};

}  // namespace tangle::locks
