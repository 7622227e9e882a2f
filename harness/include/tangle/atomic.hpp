// Atomic<T>: an instrumented std::atomic.
//
// Every operation is a scheduling point and a happens-before edge. Every
// memory order is accepted and recorded with the operation, but treated as
// seq_cst (relaxed-memory modelling is its own issue, DESIGN.md §9), so a
// race hidden by a too-weak order is not found yet. `wait`/`notify_*` are C++20's futex-like operations.
#pragma once

#include <atomic>

#include "tangle/detail/runtime.hpp"

namespace tangle {

template <class T>
class Atomic {
 public:
  explicit Atomic(T initial = T{}, const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::atomic, name, 0, loc)),
        value_(initial) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) const {
    rt().atomic_access(id_, detail::AtomicOp::load, order(mo), loc);
    return value_.load();
  }
  void store(T v, std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::store, order(mo), loc);
    value_.store(v);
  }
  T exchange(T v, std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::rmw, order(mo), loc);
    return value_.exchange(v);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               std::memory_order = std::memory_order_seq_cst,
                               Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::cas, order(mo), loc);
    return value_.compare_exchange_strong(expected, desired);
  }
  // No spurious failures: the weak form behaves like the strong one.
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order_seq_cst,
                             std::memory_order = std::memory_order_seq_cst,
                             Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::cas, order(mo), loc);
    return value_.compare_exchange_strong(expected, desired);
  }
  T fetch_add(T v, std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::rmw, order(mo), loc);
    return value_.fetch_add(v);
  }
  T fetch_sub(T v, std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::rmw, order(mo), loc);
    return value_.fetch_sub(v);
  }
  T fetch_or(T v, std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::rmw, order(mo), loc);
    return value_.fetch_or(v);
  }
  T fetch_and(T v, std::memory_order mo = std::memory_order_seq_cst, Loc loc = Loc::current()) {
    rt().atomic_access(id_, detail::AtomicOp::rmw, order(mo), loc);
    return value_.fetch_and(v);
  }
  // Blocks while the value equals `old`, until notified (C++20 atomic wait).
  void wait(T old, std::memory_order = std::memory_order_seq_cst, Loc loc = Loc::current()) const {
    struct Ctx {
      const std::atomic<T>* value;
      T old;
    } ctx{&value_, old};
    rt().atomic_wait(
        id_, [](const void* c) {
          auto* x = static_cast<const Ctx*>(c);
          return x->value->load() == x->old;
        },
        &ctx, loc);
  }
  void notify_one(Loc loc = Loc::current()) { rt().atomic_notify(id_, false, loc); }
  void notify_all(Loc loc = Loc::current()) { rt().atomic_notify(id_, true, loc); }

  // Unchecked, for check() after all threads finished.
  T final_value() const { return value_.load(); }
  detail::ObjectId id() const { return id_; }

 private:
  static detail::Runtime& rt() { return detail::current_runtime(); }
  static detail::MemoryOrder order(std::memory_order mo) {
    switch (mo) {
      case std::memory_order_relaxed: return detail::MemoryOrder::relaxed;
      case std::memory_order_consume: return detail::MemoryOrder::consume;
      case std::memory_order_acquire: return detail::MemoryOrder::acquire;
      case std::memory_order_release: return detail::MemoryOrder::release;
      case std::memory_order_acq_rel: return detail::MemoryOrder::acq_rel;
      case std::memory_order_seq_cst: break;
    }
    return detail::MemoryOrder::seq_cst;
  }
  detail::ObjectId id_;
  std::atomic<T> value_;
};

// Busy-wait hint for spin loops over a tangle::Atomic: a yield point that tells
// the controlled scheduler to run another thread, so a spinning lock cannot
// livelock the search. Found by ADL from lock templates (tangle/locks/).
template <class T>
void spin_hint(const Atomic<T>&, Loc loc = Loc::current()) {
  detail::current_runtime().yield(true, loc);
}

}  // namespace tangle
