// The semantics of every synchronization primitive, once, for every engine
// (controlled, stress, later `exec`). DESIGN.md §1: `model/`.
//
// Contract: each operation takes the object's ObjectState and the calling
// thread and answers what happens — proceed, block (the engine parks the
// thread and calls the operation again when the object changed), or a misuse
// finding (the messages are in misuse.hpp). The model changes only the
// object's state; an engine does everything else: the scheduling point, the
// trace, waking, happens-before edges (which operations acquire and release is
// stated per operation below), and finding deduplication.
//
// Why this split: blocking is what differs between engines (a fiber switch on
// the controlled engine, a condition variable on the stress engine), while
// "who may proceed and what is a misuse" must be identical on all of them —
// a verdict must not depend on the engine that found it.
//
// Costs: every operation is a few compares and stores, inline; no allocation
// except a condition variable's waiter queue (amortised). Threading: none —
// the caller serialises (one fiber at a time; the stress engine's lock).
#pragma once

#include <cstdint>
#include <vector>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail::model {

// One object's state. Engines keep their own per-object data (race-detector
// clocks, lock-order nodes, waiter sets) beside it.
struct ObjectState {
  ObjectKind kind = ObjectKind::mutex;
  const char* name = nullptr;
  int owner = -1;               // mutex / rwlock writer / once runner: the holder, -1 nobody
  int recursion = 0;            // recursive mutex: lock depth of the owner
  std::int64_t count = 0;       // semaphore count, event flag, rwlock readers, barrier arrivals,
                                // latch count, once state (OnceState)
  std::int64_t limit = 0;       // bounded semaphore: the bound; barrier: parties
  std::uint64_t generation = 0; // barrier: phases completed
  // condvar: waiters in wait order (FIFO). A vector, not a deque: libstdc++'s
  // deque allocates when constructed, and objects are made every execution.
  std::vector<int> queue;
};

// A fresh object (create_object): `limit` 0 means the initial count
// (BoundedSemaphore(3) is bounded by 3). reset_object makes `o` one in
// place, keeping its queue's capacity (engines reuse object storage).
inline void reset_object(ObjectState& o, ObjectKind kind, const char* name, std::int64_t initial,
                         std::int64_t limit) {
  o.kind = kind;
  o.name = name;
  o.owner = -1;
  o.recursion = 0;
  o.count = kind == ObjectKind::barrier ? 0 : initial;  // a barrier counts arrivals in this phase
  o.limit = limit != 0 ? limit : initial;
  o.generation = 0;
  o.queue.clear();
}
inline ObjectState make_object(ObjectKind kind, const char* name, std::int64_t initial, std::int64_t limit) {
  ObjectState o;
  reset_object(o, kind, name, initial, limit);
  return o;
}

inline bool is_lock(ObjectKind k) {
  return k == ObjectKind::mutex || k == ObjectKind::recursive_mutex || k == ObjectKind::rwlock;
}

// ---------------------------------------------------------------------------
// Mutexes (plain and recursive). lock/try_lock success acquires; a full
// unlock releases.

enum class Lock : std::uint8_t { acquired, recursed, busy, self_deadlock };

inline Lock lock(ObjectState& m, int t) {
  if (m.owner == t) {
    if (m.kind != ObjectKind::recursive_mutex) return Lock::self_deadlock;
    ++m.recursion;
    return Lock::recursed;
  }
  if (m.owner >= 0) return Lock::busy;
  m.owner = t;
  m.recursion = 1;
  return Lock::acquired;
}

// try_lock never blocks and never reports: a plain mutex already held by the
// caller answers false (C++ makes it undefined; POSIX returns EBUSY).
inline Lock try_lock(ObjectState& m, int t) {
  const Lock r = lock(m, t);
  return r == Lock::self_deadlock ? Lock::busy : r;
}

enum class Unlock : std::uint8_t { released, still_held, not_owner };

inline Unlock unlock(ObjectState& m, int t) {
  if (m.owner != t) return Unlock::not_owner;
  if (--m.recursion > 0) return Unlock::still_held;
  m.owner = -1;
  m.recursion = 0;
  return Unlock::released;
}

// ---------------------------------------------------------------------------
// Readers-writer lock: `owner` is the writer, `count` the readers. Readers
// share with readers; a writer excludes everybody. Reader-preferring (glibc's
// default, PTHREAD_RWLOCK_PREFER_READER_NP): a reader enters while only
// readers hold it, even with a writer waiting. Exclusive lock by its writer,
// or shared lock by its writer, waits for itself: self_deadlock. Whether a
// reader holds it is the engine's to know (`holds_shared`, from the thread's
// held locks): a reader asking for exclusive access waits for itself too.

inline Lock rw_lock(ObjectState& l, int t, bool shared, bool holds_shared) {
  if (l.owner == t) return Lock::self_deadlock;
  if (shared) {
    if (l.owner >= 0) return Lock::busy;
    ++l.count;
    return Lock::acquired;
  }
  if (holds_shared && l.count == 1) return Lock::self_deadlock;  // the only reader: itself
  if (l.owner >= 0 || l.count > 0) return Lock::busy;
  l.owner = t;
  return Lock::acquired;
}

inline Lock rw_try_lock(ObjectState& l, int t, bool shared, bool holds_shared) {
  const Lock r = rw_lock(l, t, shared, holds_shared);
  return r == Lock::self_deadlock ? Lock::busy : r;
}

// `holds_shared`: the caller holds a read lock on it (for a shared unlock).
inline Unlock rw_unlock(ObjectState& l, int t, bool shared, bool holds_shared) {
  if (shared) {
    if (!holds_shared || l.count <= 0) return Unlock::not_owner;
    --l.count;
    return Unlock::released;
  }
  if (l.owner != t) return Unlock::not_owner;
  l.owner = -1;
  return Unlock::released;
}

// ---------------------------------------------------------------------------
// Semaphores (counting, bounded, binary = bounded by 1). A successful
// acquire acquires; a release releases.

inline bool try_acquire(ObjectState& s) {
  if (s.count <= 0) return false;
  --s.count;
  return true;
}

enum class Release : std::uint8_t { released, overrelease };

inline Release release(ObjectState& s, std::int64_t n) {
  if (s.kind == ObjectKind::bounded_semaphore && s.count + n > s.limit) return Release::overrelease;
  s.count += n;
  return Release::released;
}

// ---------------------------------------------------------------------------
// Events (Python's threading.Event): set releases; a wait or is_set that
// sees the flag acquires.

inline void set(ObjectState& e) { e.count = 1; }
inline void clear(ObjectState& e) { e.count = 0; }
inline bool is_set(const ObjectState& e) { return e.count != 0; }

// ---------------------------------------------------------------------------
// Condition variables. wait: the caller must own the mutex (else
// unlock_not_owner); it releases the mutex fully, queues, and blocks until a
// notify picks it; then re-locks the mutex with its old depth. notify_one
// picks the longest waiter (FIFO); who gets the mutex first is still the
// scheduler's choice, which is what exposes an `if` that should be `while`.
// Spurious wake-ups (allowed by POSIX and C++) are an engine option: a
// scheduling choice, not part of this state.

inline void enqueue_waiter(ObjectState& cv, int t) { cv.queue.push_back(t); }
// A waiter that left without a notify (a spurious wake-up, an aborted wait).
inline void remove_waiter(ObjectState& cv, int t) {
  for (auto it = cv.queue.begin(); it != cv.queue.end(); ++it)
    if (*it == t) {
      cv.queue.erase(it);
      return;
    }
}
// Calls woken(t) for each waiter a notify wakes, in wait order.
template <class F>
void notify(ObjectState& cv, bool all, F&& woken) {
  if (all) {
    for (const int t : cv.queue) woken(t);
    cv.queue.clear();
  } else if (!cv.queue.empty()) {
    const int t = cv.queue.front();
    cv.queue.erase(cv.queue.begin());  // O(waiters): a handful
    woken(t);
  }
}

// ---------------------------------------------------------------------------
// Barrier (reusable, `limit` parties): each arrival releases and, once the
// phase completes, acquires — so everything before the barrier in any thread
// happens before everything after it in all of them. arrive() returns the
// phase the caller waits for; it may go on once `generation` differs.

inline std::uint64_t arrive(ObjectState& b) {
  const std::uint64_t phase = b.generation;
  if (++b.count >= b.limit) {
    b.count = 0;
    ++b.generation;
  }
  return phase;
}
inline bool phase_done(const ObjectState& b, std::uint64_t phase) { return b.generation != phase; }

// ---------------------------------------------------------------------------
// Latch (single use): count_down releases; a wait that sees zero acquires.
// Counting below zero is undefined in C++: reported as a broken invariant.

enum class CountDown : std::uint8_t { counted, reached_zero, below_zero };

inline CountDown count_down(ObjectState& l, std::int64_t n) {
  if (n > l.count) {
    l.count = 0;
    return CountDown::below_zero;
  }
  l.count -= n;
  return l.count == 0 ? CountDown::reached_zero : CountDown::counted;
}
inline bool latch_open(const ObjectState& l) { return l.count == 0; }

// ---------------------------------------------------------------------------
// Once (std::call_once, pthread_once): the first caller runs the function;
// the others wait until it completed, then acquire its release. A function
// that throws leaves the flag unset, and a later caller runs it. A caller
// that re-enters its own call_once waits for itself: self_deadlock.

enum class OnceState : std::int64_t { not_run = 0, running = 1, done = 2 };
enum class Once : std::uint8_t { run, done, busy, self_deadlock };

inline Once once_begin(ObjectState& o, int t) {
  switch (static_cast<OnceState>(o.count)) {
    case OnceState::done: return Once::done;
    case OnceState::running: return o.owner == t ? Once::self_deadlock : Once::busy;
    case OnceState::not_run: break;
  }
  o.count = static_cast<std::int64_t>(OnceState::running);
  o.owner = t;
  return Once::run;
}
inline void once_end(ObjectState& o, bool completed) {
  o.count = static_cast<std::int64_t>(completed ? OnceState::done : OnceState::not_run);
  o.owner = -1;
}

}  // namespace tangle::detail::model
