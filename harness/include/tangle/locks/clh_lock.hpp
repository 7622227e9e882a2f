// ClhLock — CLH queue lock (T. Craig, "Building FIFO and priority-queuing spin locks
// from atomic swap", UW TR 93-02-02, 1993; Magnusson, Landin & Hagersten, "Queue locks
// on cache coherent multiprocessors", IPPS 1994).
//
// Algorithm: the queue is implicit. A thread marks a fresh node "locked", swaps it
// into `tail_`, and spins on the node it got back (its predecessor's) until that
// node says "released". The predecessor's node then belongs to the new holder, which
// recycles it; its own node stays in the queue until its successor takes it.
//
// Keeping BasicLockable: the holder's node is remembered in `mine_`, a plain field
// protected by the lock itself (written after acquiring, read by unlock()).
//
// try_lock without a use-after-free: reading `tail_->locked` would dereference a node
// its successor may already have recycled. Instead an uncontended release tags the
// tail pointer (low bit = "released, nobody behind"): unlock() first tries to CAS
// tail_ from its node to the tagged node; only if someone is queued behind does it
// write the node's flag. try_lock() then needs nothing but tail_'s value: it CASes a
// tagged tail to its own node. Equal tagged values always mean "free", so ABA on a
// recycled address is harmless.
//
// Cost: uncontended lock = one exchange (+ node allocation from a per-thread pool),
// unlock = one CAS. Contended: each waiter spins on its predecessor's node (its own
// line), so one line transfer per handoff, like MCS, and the enqueue is a single
// exchange with no CAS retry. Fairness: FIFO, starvation-free; convoys when a queued
// thread is preempted. Nodes migrate between threads; a node is never read after it
// is recycled, so the pool needs no reclamation scheme.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "tangle/locks/lock_info.hpp"
#include "tangle/locks/spin_hint.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class ClhLock {
 public:
  static constexpr LockInfo info{
      .name = "clh",
      .summary = "CLH queue lock; FIFO; spins on predecessor's node; 1 swap uncontended"};

  ClhLock() : tail_{tagged(new_node())} {}
  ~ClhLock() { delete_node(untagged(tail_.load(std::memory_order_relaxed))); }
  ClhLock(const ClhLock&) = delete;
  ClhLock& operator=(const ClhLock&) = delete;

  void lock() {
    Node* n = new_node();
    n->locked.store(true, std::memory_order_relaxed);
    Node* pred = tail_.exchange(n, std::memory_order_acq_rel);
    if (!is_tagged(pred)) {
      // The predecessor holds or waits; it will clear its flag when it releases.
      while (pred->locked.load(std::memory_order_acquire)) spin_hint(pred->locked);
    }
    // The predecessor's node is ours now: nobody else will ever read it.
    delete_node(untagged(pred));
    mine_ = n;
  }

  bool try_lock() {
    Node* t = tail_.load(std::memory_order_relaxed);
    if (!is_tagged(t)) return false;  // held, or someone queued
    Node* n = new_node();
    n->locked.store(true, std::memory_order_relaxed);
    if (!tail_.compare_exchange_strong(t, n, std::memory_order_acq_rel,
                                       std::memory_order_relaxed)) {
      delete_node(n);
      return false;
    }
    delete_node(untagged(t));
    mine_ = n;
    return true;
  }

  void unlock() {
    Node* n = mine_;
    Node* expected = n;
    // Nobody behind us: mark the tail released in the pointer itself and never touch
    // `n` again (the next locker will recycle it without reading it).
    if (tail_.compare_exchange_strong(expected, tagged(n), std::memory_order_release,
                                      std::memory_order_relaxed)) {
      return;
    }
    // A successor spins on n->locked.
    n->locked.store(false, std::memory_order_release);
  }

 private:
  // A node per cache line: the successor spins on it, nothing else should share it.
  struct alignas(64) Node {
    Atomic<bool> locked{false};
  };

  static Node* tagged(Node* p) noexcept {
    return reinterpret_cast<Node*>(reinterpret_cast<std::uintptr_t>(p) | 1u);
  }
  static Node* untagged(Node* p) noexcept {
    return reinterpret_cast<Node*>(reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{1});
  }
  static bool is_tagged(Node* p) noexcept {
    return (reinterpret_cast<std::uintptr_t>(p) & 1u) != 0;
  }

  // With std::atomic, nodes are recycled through a small per-OS-thread pool so the
  // benchmark measures the lock, not malloc. With any other Atomic (tangle's
  // instrumented one) every node is a fresh object: an instrumented atomic must not
  // outlive the execution that created it, which a thread_local pool would cause.
  static constexpr std::size_t kPoolCap = 64;
  static constexpr bool kPooled = std::is_same_v<Atomic<bool>, std::atomic<bool>>;

  struct Pool {
    Pool() { free.reserve(kPoolCap); }
    std::vector<Node*> free;
    ~Pool() {
      for (Node* p : free) delete p;
    }
  };
  static Pool& pool() noexcept {
    static thread_local Pool p;
    return p;
  }
  static Node* new_node() {
    if constexpr (kPooled) {
      auto& free = pool().free;
      if (!free.empty()) {
        Node* p = free.back();
        free.pop_back();
        return p;
      }
    }
    return new Node;
  }
  static void delete_node(Node* p) {
    if constexpr (kPooled) {
      auto& free = pool().free;
      if (free.size() < kPoolCap) {
        free.push_back(p);  // capacity reserved up front: never reallocates
        return;
      }
    }
    delete p;
  }

  Atomic<Node*> tail_;
  Node* mine_ = nullptr;  // holder's node; guarded by the lock itself
};

}  // namespace tangle::locks
