// What kind of operation a trace event is, from its `op` string.
//
// TraceEvent::op stays a string: the strings are the results.json contract
// ("lock", "cv_wait", ...), and three producers write them (the controlled
// and stress engines, the Relacy mapping). Every writer that treats
// operations differently (HTML colours and letters, SARIF threadFlow kinds,
// the console's markers) asks classify_op instead of comparing strings
// itself, so a new operation is classified here once, for every format.
#pragma once

#include <string_view>

namespace tangle::report {

enum class OpClass {
  acquire,  // takes a lock or a permit: lock, try_lock, acquired, lock_shared, semaphore acquire, once_begin
  release,  // gives one back: unlock, unlock_shared, semaphore release, once_end
  read,     // a plain or atomic read: read, load
  write,    // a plain or atomic write, read-modify-write included
  wait,     // blocks until another thread acts: wait, cv_wait, blocked, atomic_wait, arrive
  signal,   // wakes or lets others pass: notify_one/all, atomic_notify, event set/clear
  thread,   // a thread's life: start, end, spawn, join
  choice,   // a data choice recorded in the schedule (choose)
  failure,  // where the execution went wrong: check_failed, crash, a Relacy verdict
  other,    // anything else (yield, spin, is_set, an operation not listed yet)
};

// The class of `op`. Exact, case-sensitive match on the strings the
// producers emit; an unknown string is OpClass::other, never an error.
// Cost: a handful of string comparisons; no allocation; thread-safe.
OpClass classify_op(std::string_view op);

// Stable lower-case name of a class ("acquire", "wait", ...), used as the
// HTML CSS suffix.
std::string_view to_string(OpClass op_class);

}  // namespace tangle::report
