// The one table of trace operation strings (trace_ops.hpp). Producers:
// controlled/engine.cpp to_string(EventOp) and the model layer's new
// primitives (spawn, join, shared locks, barriers/latches, call_once, data
// choices), and relacy_engine.cpp short_op (relock, cv_woken, "wait lock",
// the upper-case verdicts). An op missing here is drawn as "other": the
// report stays correct, only less informative.
#include "tangle/report/trace_ops.hpp"

#include <utility>

namespace tangle::report {
namespace {

constexpr std::pair<std::string_view, OpClass> kOps[] = {
    // Taking a lock or a permit. A blocked lock shows "lock" and later
    // "acquired"; once_begin enters call_once's critical section.
    {"lock", OpClass::acquire},
    {"try_lock", OpClass::acquire},
    {"acquired", OpClass::acquire},
    {"lock_shared", OpClass::acquire},
    {"try_lock_shared", OpClass::acquire},
    {"acquire", OpClass::acquire},
    {"try_acquire", OpClass::acquire},
    {"once_begin", OpClass::acquire},
    {"relock", OpClass::acquire},    // Relacy: recursive lock
    {"cv_woken", OpClass::acquire},  // Relacy: wait returned, mutex re-taken
    // Giving it back; once_end publishes the initialization to later callers.
    {"unlock", OpClass::release},
    {"unlock_shared", OpClass::release},
    {"release", OpClass::release},
    {"once_end", OpClass::release},
    // Memory.
    {"read", OpClass::read},
    {"load", OpClass::read},
    {"write", OpClass::write},
    {"store", OpClass::write},
    {"rmw", OpClass::write},
    {"cas", OpClass::write},
    {"fetch_add", OpClass::write},
    {"exchange", OpClass::write},
    {"compare_exchange", OpClass::write},
    // Blocking until another thread acts. arrive: a barrier or latch arrival
    // waits for the others (arrive_and_wait is the common case).
    {"wait", OpClass::wait},
    {"cv_wait", OpClass::wait},
    {"atomic_wait", OpClass::wait},
    {"blocked", OpClass::wait},
    {"arrive", OpClass::wait},
    {"sleep", OpClass::wait},
    {"wait lock", OpClass::wait},  // Relacy: blocked on a mutex
    // Waking others.
    {"notify_one", OpClass::signal},
    {"notify_all", OpClass::signal},
    {"atomic_notify", OpClass::signal},
    {"set", OpClass::signal},
    {"clear", OpClass::signal},
    {"unblock", OpClass::signal},  // Relacy
    // A thread's life. join waits too, but what a reader needs from it is the
    // edge between two threads' lanes.
    {"start", OpClass::thread},
    {"end", OpClass::thread},
    {"spawn", OpClass::thread},
    {"join", OpClass::thread},
    // A data choice (a value picked by the schedule, replayed with it).
    {"choose", OpClass::choice},
    // Where it went wrong.
    {"check_failed", OpClass::failure},
    {"crash", OpClass::failure},
    {"throw", OpClass::failure},
    {"overrelease", OpClass::failure},  // Relacy's verdict lines, as short_op names them
    {"DATA RACE", OpClass::failure},
    {"DEADLOCK", OpClass::failure},
    {"LIVELOCK", OpClass::failure},
    {"FAILED", OpClass::failure},
    {"RECURSION", OpClass::failure},
    {"BAD UNLOCK", OpClass::failure},
};

}  // namespace

OpClass classify_op(std::string_view op) {
  // A linear scan: ~55 short comparisons, most rejected on the first byte;
  // writers call it once per drawn event, far below the cost of the text.
  for (const auto& [name, op_class] : kOps)
    if (name == op) return op_class;
  return OpClass::other;
}

std::string_view to_string(OpClass op_class) {
  switch (op_class) {
    case OpClass::acquire: return "acquire";
    case OpClass::release: return "release";
    case OpClass::read: return "read";
    case OpClass::write: return "write";
    case OpClass::wait: return "wait";
    case OpClass::signal: return "signal";
    case OpClass::thread: return "thread";
    case OpClass::choice: return "choice";
    case OpClass::failure: return "failure";
    case OpClass::other: return "other";
  }
  return "other";
}

}  // namespace tangle::report
