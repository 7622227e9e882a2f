// Detectors as observers of what operations mean, on every engine.
//
// An engine performs an operation with the model's semantics
// (model/primitives.hpp: proceed, block, misuse), then tells its detectors
// what happened, in the order it happened in the execution, by the hooks
// below. A detector is one class that implements the hooks it needs; the
// set calls each observer that has a hook (a `requires` test at compile
// time, so a hook nobody implements costs nothing and every call inlines).
// Adding a detector is adding one observer class and naming it in the
// engine's DetectorSet<…>.
//
// The hooks (t: the thread performing the operation; o, l, v: object ids,
// dense per execution; every hook of one execution on one engine comes from
// one thread at a time — the controlled engine's running fiber, or the
// stress engine's threads under its mutex):
//   reset()                               a new execution
//   object_created(o, kind)               ids are dense: o is the next id
//   thread_started(child, parent)         parent -1: a fixed thread at the start
//   thread_joined(joiner, joined)         the joined thread had finished
//   lock_requested(t, l, loc, held, host) before t may block on l; held: t's locks
//   lock_acquired(t, l, shared)           t holds l (shared: a reader's lock)
//   lock_released(t, l, shared)
//   acquired(t, o)                        a completed wait, a successful take
//                                         (semaphore, event, latch, once, atomic)
//   released(t, o)                        a post, set, count-down, once end, atomic store
//   acquired_released(t, o)               both at once: acquired, then released (a
//                                         seq_cst atomic operation)
//   barrier_arrived(t, b, phase), barrier_passed(t, b, phase)
//   access(t, v, write, site, host)       a plain access; true: a new finding
// Observers report findings through the DetectorHost (names, sites, the
// engine's finding list), called on finding paths only.
//
// Deadlock is not an observer: "no thread can run" is the scheduler's state
// (controlled) or its watchdog's (stress); both describe it with
// detectors/deadlock.hpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/finding.hpp"
#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

// A lock a thread holds, in acquisition order.
struct HeldLock {
  ObjectId lock = 0;
  bool shared = false;  // a readers-writer lock's read side
  Loc loc;              // where it was locked
};

// A thread's held locks, in acquisition order, for every engine; storage is
// reused across executions. push and the usual LIFO release are a store and
// a decrement inline (std::vector's push_back stayed an out-of-line call on
// every lock, ~2.4% of counter/locked's instructions). Storage only grows.
class HeldLocks {
 public:
  [[gnu::always_inline]] void push(const HeldLock& h) {
    if (size_ == slots_.size()) [[unlikely]] slots_.resize(slots_.empty() ? 8 : 2 * slots_.size());
    slots_[size_++] = h;
  }
  // Forgets the latest hold of `lock` on that side (usually the last one).
  [[gnu::always_inline]] void drop(ObjectId lock, bool shared) {
    if (size_ > 0 && slots_[size_ - 1].lock == lock && slots_[size_ - 1].shared == shared) [[likely]] {
      --size_;
      return;
    }
    drop_inner(lock, shared);
  }
  bool holds_shared(ObjectId lock) const {
    for (const HeldLock& h : *this)
      if (h.lock == lock && h.shared) return true;
    return false;
  }
  // Where `lock` was first taken, or `otherwise` when it is not held.
  Loc first_locked(ObjectId lock, Loc otherwise) const {
    for (const HeldLock& h : *this)
      if (h.lock == lock) return h.loc;
    return otherwise;
  }
  void clear() { size_ = 0; }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const HeldLock& back() const { return slots_[size_ - 1]; }
  const HeldLock& operator[](std::size_t i) const { return slots_[i]; }
  const HeldLock* begin() const { return slots_.data(); }
  const HeldLock* end() const { return slots_.data() + size_; }
  std::span<const HeldLock> span() const { return {slots_.data(), size_}; }

 private:
  void drop_inner(ObjectId lock, bool shared) {
    for (std::size_t i = size_; i-- > 0;)
      if (slots_[i].lock == lock && slots_[i].shared == shared) {
        for (std::size_t j = i + 1; j < size_; ++j) slots_[j - 1] = slots_[j];
        --size_;
        return;
      }
  }
  std::vector<HeldLock> slots_;  // its size is the capacity
  std::size_t size_ = 0;
};

// What observers need of their engine. `Site` names an access: the
// controlled engine's trace index, the stress engine's source line.
template <class Site>
class DetectorHost {
 public:
  virtual void report(RawFinding f) = 0;
  virtual std::string object_name(ObjectId id) const = 0;
  virtual Loc site_loc(Site site) const = 0;
  // The trace index of an access, and of the operation in progress, where
  // the engine keeps a trace.
  virtual bool site_event(Site site, std::uint64_t& event) const = 0;
  virtual bool last_event(std::uint64_t& event) const = 0;

 protected:
  ~DetectorHost() = default;
};

// The hooks' lambdas must inline like the hooks: left to itself, GCC 12
// kept each observer's lambda out of line, a call per hook per observer
// (measured with callgrind: +10% instructions per execution of
// deadlock/ordered). GNU attribute syntax: the only place a lambda takes it.
#define TANGLE_DETECTORS_INLINE __attribute__((always_inline))

template <class... Observers>
class DetectorSet {
 public:
  void reset() {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.reset(); }) o.reset();
    });
  }
  void object_created(ObjectId id, ObjectKind kind) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.object_created(id, kind); }) o.object_created(id, kind);
    });
  }
  void thread_started(int child, int parent) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.thread_started(child, parent); }) o.thread_started(child, parent);
    });
  }
  void thread_joined(int joiner, int joined) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.thread_joined(joiner, joined); }) o.thread_joined(joiner, joined);
    });
  }
  template <class Host>
  [[gnu::always_inline]] void lock_requested(int t, ObjectId l, Loc loc, std::span<const HeldLock> held, Host& host) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.lock_requested(t, l, loc, held, host); }) o.lock_requested(t, l, loc, held, host);
    });
  }
  [[gnu::always_inline]] void lock_acquired(int t, ObjectId l, bool shared) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.lock_acquired(t, l, shared); }) o.lock_acquired(t, l, shared);
    });
  }
  [[gnu::always_inline]] void lock_released(int t, ObjectId l, bool shared) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.lock_released(t, l, shared); }) o.lock_released(t, l, shared);
    });
  }
  [[gnu::always_inline]] void acquired(int t, ObjectId id) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.acquired(t, id); }) o.acquired(t, id);
    });
  }
  [[gnu::always_inline]] void released(int t, ObjectId id) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.released(t, id); }) o.released(t, id);
    });
  }
  // An observer without its own acquired_released gets acquired then released.
  [[gnu::always_inline]] void acquired_released(int t, ObjectId id) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.acquired_released(t, id); }) {
        o.acquired_released(t, id);
      } else {
        if constexpr (requires { o.acquired(t, id); }) o.acquired(t, id);
        if constexpr (requires { o.released(t, id); }) o.released(t, id);
      }
    });
  }
  void barrier_arrived(int t, ObjectId b, std::uint64_t phase) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.barrier_arrived(t, b, phase); }) o.barrier_arrived(t, b, phase);
    });
  }
  void barrier_passed(int t, ObjectId b, std::uint64_t phase) {
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.barrier_passed(t, b, phase); }) o.barrier_passed(t, b, phase);
    });
  }
  template <class Site, class Host>
  [[gnu::always_inline]] bool access(int t, ObjectId v, bool write, Site site, Host& host) {
    bool found = false;
    each([&](auto& o) TANGLE_DETECTORS_INLINE {
      if constexpr (requires { o.access(t, v, write, site, host); }) found |= o.access(t, v, write, site, host);
    });
    return found;
  }

  template <class Observer>
  Observer& get() { return std::get<Observer>(observers_); }

 private:
  // Not std::apply: its std::__invoke stayed out of line too.
  template <class F>
  [[gnu::always_inline]] void each(F&& f) {
    each_of(f, std::index_sequence_for<Observers...>{});
  }
  template <class F, std::size_t... I>
  [[gnu::always_inline]] void each_of(F& f, std::index_sequence<I...>) {
    (f(std::get<I>(observers_)), ...);
  }
  std::tuple<Observers...> observers_;
};

}  // namespace tangle::detail

#undef TANGLE_DETECTORS_INLINE
