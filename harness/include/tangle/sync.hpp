// Instrumented synchronization primitives: Mutex, RecursiveMutex, RWLock,
// Semaphore, BoundedSemaphore, BinarySemaphore, Event, CondVar, Barrier,
// Latch, Once, and the RAII guards that carry the caller's source line.
//
// Each primitive is a handle (an object id of the current execution); its
// semantics live in the engine (see detail/runtime.hpp). Construct primitives
// as members of the scenario (or inside a scenario thread), never as globals:
// a fresh scenario instance per execution gives fresh primitives.
//
// Every operation takes a defaulted tangle::Loc (file and line), so findings name the
// caller's line. Standard guards (std::lock_guard) work too, but then report
// the line inside <mutex>: prefer tangle::LockGuard / tangle::UniqueLock.
#pragma once

#include <cstdint>
#include <utility>

#include "tangle/detail/runtime.hpp"

namespace tangle {

class Mutex {
 public:
  explicit Mutex(const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::mutex, name, 0, loc)) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock(Loc loc = Loc::current()) { detail::current_runtime().mutex_lock(id_, loc); }
  bool try_lock(Loc loc = Loc::current()) {
    return detail::current_runtime().mutex_try_lock(id_, loc);
  }
  void unlock(Loc loc = Loc::current()) { detail::current_runtime().mutex_unlock(id_, loc); }
  detail::ObjectId id() const { return id_; }

 protected:
  Mutex(detail::ObjectKind kind, const char* name, Loc loc)
      : id_(detail::current_runtime().create_object(kind, name, 0, loc)) {}

 private:
  detail::ObjectId id_;
};

// Python's RLock: the owner may lock again; unlocks must balance.
class RecursiveMutex : public Mutex {
 public:
  explicit RecursiveMutex(const char* name = nullptr, Loc loc = Loc::current())
      : Mutex(detail::ObjectKind::recursive_mutex, name, loc) {}
};

// Counting semaphore. `release` may raise the count without bound.
class Semaphore {
 public:
  explicit Semaphore(std::int64_t initial, const char* name = nullptr, Loc loc = Loc::current())
      : Semaphore(detail::ObjectKind::semaphore, initial, name, loc) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  void acquire(Loc loc = Loc::current()) { detail::current_runtime().semaphore_acquire(id_, loc); }
  bool try_acquire(Loc loc = Loc::current()) {
    return detail::current_runtime().semaphore_try_acquire(id_, loc);
  }
  void release(std::int64_t n = 1, Loc loc = Loc::current()) {
    detail::current_runtime().semaphore_release(id_, n, loc);
  }
  detail::ObjectId id() const { return id_; }

 protected:
  Semaphore(detail::ObjectKind kind, std::int64_t initial, const char* name, Loc loc)
      : id_(detail::current_runtime().create_object(kind, name, initial, loc)) {}
  Semaphore(detail::ObjectKind kind, std::int64_t initial, std::int64_t bound, const char* name, Loc loc)
      : id_(detail::current_runtime().create_object(kind, name, initial, loc, bound)) {}

 private:
  detail::ObjectId id_;
};

// Python's BoundedSemaphore: a release that would raise the count above its
// initial value is a `semaphore_overrelease` finding.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::int64_t initial, const char* name = nullptr,
                            Loc loc = Loc::current())
      : Semaphore(detail::ObjectKind::bounded_semaphore, initial, name, loc) {}

 protected:
  BoundedSemaphore(std::int64_t initial, std::int64_t bound, const char* name, Loc loc)
      : Semaphore(detail::ObjectKind::bounded_semaphore, initial, bound, name, loc) {}
};

// std::binary_semaphore: a count of 0 or 1; releasing it while it is 1 is
// undefined in C++ and a `semaphore_overrelease` finding here.
class BinarySemaphore : public BoundedSemaphore {
 public:
  explicit BinarySemaphore(bool available, const char* name = nullptr, Loc loc = Loc::current())
      : BoundedSemaphore(available ? 1 : 0, 1, name, loc) {}
};

// Python's threading.Event: a flag threads can wait for.
class Event {
 public:
  explicit Event(const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::event, name, 0, loc)) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void set(Loc loc = Loc::current()) { detail::current_runtime().event_set(id_, loc); }
  void clear(Loc loc = Loc::current()) { detail::current_runtime().event_clear(id_, loc); }
  void wait(Loc loc = Loc::current()) { detail::current_runtime().event_wait(id_, loc); }
  bool is_set(Loc loc = Loc::current()) { return detail::current_runtime().event_is_set(id_, loc); }

  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
};

template <class M>
class UniqueLock;

// Condition variable bound to a tangle::Mutex. No spurious wakeups on the
// controlled engine: a missed predicate re-check shows up as a real bug.
class CondVar {
 public:
  explicit CondVar(const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::condvar, name, 0, loc)) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // The caller must hold `m`.
  void wait(Mutex& m, Loc loc = Loc::current()) {
    detail::current_runtime().condvar_wait(id_, m.id(), loc);
  }
  template <class M>
  void wait(UniqueLock<M>& lock, Loc loc = Loc::current()) {
    wait(*lock.mutex(), loc);
  }
  template <class M, class Predicate>
  void wait(UniqueLock<M>& lock, Predicate pred, Loc loc = Loc::current()) {
    while (!pred()) wait(*lock.mutex(), loc);
  }
  void notify_one(Loc loc = Loc::current()) {
    detail::current_runtime().condvar_notify(id_, false, loc);
  }
  void notify_all(Loc loc = Loc::current()) {
    detail::current_runtime().condvar_notify(id_, true, loc);
  }

  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
};

// std::lock_guard that records the caller's line for lock and unlock.
template <class M>
class LockGuard {
 public:
  explicit LockGuard(M& m, Loc loc = Loc::current()) : m_(m), loc_(loc) { m_.lock(loc_); }
  ~LockGuard() { m_.unlock(loc_); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  M& m_;
  Loc loc_;
};

// std::unique_lock subset that records the caller's line.
template <class M>
class UniqueLock {
 public:
  explicit UniqueLock(M& m, Loc loc = Loc::current()) : m_(&m), loc_(loc) { lock(loc); }
  ~UniqueLock() {
    if (owns_) m_->unlock(loc_);
  }
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

  void lock(Loc loc = Loc::current()) {
    m_->lock(loc);
    owns_ = true;
  }
  void unlock(Loc loc = Loc::current()) {
    owns_ = false;
    m_->unlock(loc);
  }
  bool owns_lock() const { return owns_; }
  M* mutex() const { return m_; }

 private:
  M* m_;
  Loc loc_;
  bool owns_ = false;
};

// std::shared_mutex / pthread_rwlock_t: many readers or one writer.
// Reader-preferring (a reader enters while only readers hold it). Locking it
// again in the same thread (for writing, or for writing while reading) is a
// `self_deadlock` finding.
class RWLock {
 public:
  explicit RWLock(const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::rwlock, name, 0, loc)) {}
  RWLock(const RWLock&) = delete;
  RWLock& operator=(const RWLock&) = delete;

  void lock(Loc loc = Loc::current()) { detail::current_runtime().rwlock_lock(id_, false, loc); }
  bool try_lock(Loc loc = Loc::current()) { return detail::current_runtime().rwlock_try_lock(id_, false, loc); }
  void unlock(Loc loc = Loc::current()) { detail::current_runtime().rwlock_unlock(id_, false, loc); }
  void lock_shared(Loc loc = Loc::current()) { detail::current_runtime().rwlock_lock(id_, true, loc); }
  bool try_lock_shared(Loc loc = Loc::current()) {
    return detail::current_runtime().rwlock_try_lock(id_, true, loc);
  }
  void unlock_shared(Loc loc = Loc::current()) { detail::current_runtime().rwlock_unlock(id_, true, loc); }
  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
};

// std::shared_lock subset that records the caller's line: a reader's guard.
template <class M>
class SharedLock {
 public:
  explicit SharedLock(M& m, Loc loc = Loc::current()) : m_(m), loc_(loc) { m_.lock_shared(loc_); }
  ~SharedLock() { m_.unlock_shared(loc_); }
  SharedLock(const SharedLock&) = delete;
  SharedLock& operator=(const SharedLock&) = delete;

 private:
  M& m_;
  Loc loc_;
};

// std::barrier without a completion function: `parties` threads meet at
// arrive_and_wait, then all go on; reusable phase after phase.
class Barrier {
 public:
  explicit Barrier(std::int64_t parties, const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::barrier, name, 0, loc, parties)) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  void arrive_and_wait(Loc loc = Loc::current()) { detail::current_runtime().barrier_arrive_and_wait(id_, loc); }

  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
};

// std::latch: counts down once; waiters go on at zero. Counting below zero
// is an `invariant_violation` finding (undefined in C++).
class Latch {
 public:
  explicit Latch(std::int64_t count, const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::latch, name, count, loc)) {}
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;
  void count_down(std::int64_t n = 1, Loc loc = Loc::current()) {
    detail::current_runtime().latch_count_down(id_, n, false, loc);
  }
  void wait(Loc loc = Loc::current()) { detail::current_runtime().latch_count_down(id_, 0, true, loc); }
  void arrive_and_wait(std::int64_t n = 1, Loc loc = Loc::current()) {
    detail::current_runtime().latch_count_down(id_, n, true, loc);
  }

  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
};

// std::once_flag with call_once as a member: the first caller runs `f`, the
// others wait for it to finish; an exception from `f` leaves the flag unset.
class Once {
 public:
  explicit Once(const char* name = nullptr, Loc loc = Loc::current())
      : id_(detail::current_runtime().create_object(detail::ObjectKind::once, name, 0, loc)) {}
  Once(const Once&) = delete;
  Once& operator=(const Once&) = delete;
  template <class F>
  void call(F&& f, Loc loc = Loc::current()) {
    detail::Runtime& rt = detail::current_runtime();
    if (!rt.once_begin(id_, loc)) return;
    try {
      f();
    } catch (...) {
      rt.once_end(id_, false, loc);
      throw;
    }
    rt.once_end(id_, true, loc);
  }

  detail::ObjectId id() const { return id_; }

 private:
  detail::ObjectId id_;
};

// A data choice in [0, n): which message a simulated network drops, which
// input a test picks. The controlled engine records it in the schedule, so a
// replay takes the same branch; strategies may search over it.
inline std::uint64_t choose(std::uint64_t n, Loc loc = Loc::current()) {
  return n <= 1 ? 0 : detail::current_runtime().choose(n, loc);
}

// A scheduling point with no other effect; `spin_hint` (atomic.hpp) is the
// busy-wait flavour.
inline void yield(Loc loc = Loc::current()) { detail::current_runtime().yield(false, loc); }

}  // namespace tangle
