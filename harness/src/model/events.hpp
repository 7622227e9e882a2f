// The typed event vocabulary every engine records and every detector,
// strategy and reporter reads. Independent of where an event comes from
// (scenario handles today; a pthread interposer or TSan instrumentation hooks
// later): an event is (thread, operation, object, location), plain data.
//
// Cost rule: TraceEntry is 24 bytes and recorded with one store on the
// controlled engine's hot path; keep it that size (hence a 16-bit thread:
// up to 32,767 threads in one execution).
#pragma once

#include <cstdint>

#include "tangle/detail/runtime.hpp"

namespace tangle::detail {

// Stable names (to_string) are part of the report contract: the HTML and
// SARIF writers read the operation from TraceEvent::op by these names.
enum class EventOp : std::uint8_t {
  thread_start,
  thread_end,
  lock,
  acquired,  // a blocked lock/acquire/wait finally succeeded
  try_lock,
  unlock,
  acquire,
  try_acquire,
  release,
  set,
  clear,
  wait,
  is_set,
  cv_wait,
  notify_one,
  notify_all,
  read,
  write,
  atomic_load,
  atomic_store,
  atomic_rmw,
  atomic_cas,
  atomic_wait,
  atomic_notify,
  yield,
  spin,
  blocked,
  check_failed,
  // engine core v2
  spawn,          // object: kNoObject; the new thread's id is in TraceEntry::object
  join,           // object: the joined thread's id
  lock_shared,    // rwlock: reader
  unlock_shared,
  try_lock_shared,
  arrive,         // barrier arrive_and_wait / latch count_down
  once_begin,     // call_once: this thread runs the function
  once_end,
  choose,         // a data choice (Runtime::choose); object: the chosen value
};
const char* to_string(EventOp op);

inline constexpr ObjectId kNoObject = 0xffffffffu;

struct TraceEntry {
  ObjectId object;      // kNoObject for thread events; spawn/join: the other thread
  std::int16_t thread;  // -1: outside scenario threads (check())
  EventOp op;
  std::uint8_t order = 0;  // atomic operations: their MemoryOrder; else 0
  Loc loc;
};
static_assert(sizeof(TraceEntry) == 24);

// What a thread will do when it next runs: the operation it is parked at
// (strategies read it; DPOR needs it to tell dependent picks apart).
struct PendingOp {
  EventOp op = EventOp::thread_start;
  ObjectId object = kNoObject;
};

}  // namespace tangle::detail
