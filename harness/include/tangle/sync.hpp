// Instrumented synchronization primitives: Mutex, RecursiveMutex, Semaphore,
// BoundedSemaphore, Event, CondVar, and the RAII guards that carry the
// caller's source line.
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

// A scheduling point with no other effect; `spin_hint` (atomic.hpp) is the
// busy-wait flavour.
inline void yield(Loc loc = Loc::current()) { detail::current_runtime().yield(false, loc); }

}  // namespace tangle
