// Crash capture: what an isolated child does when the code it runs ends the
// process — the child half of isolation for the controlled engine.
//
// A supervised child (isolation.hpp) runs many executions. Scenario code can
// end it in ways no exception reaches: a fatal signal (SIGSEGV, SIGBUS,
// SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS), a stack overflow (a fault in a
// fiber stack's guard, handled on an alternate signal stack), exit(),
// quick_exit(), _exit()/_Exit() and raise() of a stop signal (the link wraps
// them: `--wrap=_exit`, `--wrap=raise`),
// std::terminate, a thread tangle does not control using a primitive, a spin
// with no tangle operation (the parent's watchdog asks, by a signal), or a
// stop signal (the parent sees the stop, asks and continues it). In every case
// one `die` path records the cause in the ChildRecord, copies the execution in
// progress into its snapshot (ControlledEngine::snapshot: plain copies,
// async-signal-safe) and ends the process with exit_group — no atexit
// handler, no static destructor, no stdio flush of a half-written state. The
// parent then reports the execution as a finding with its trace and an exact
// replay token, and goes on in a fresh child from the next execution.
//
// Handlers run on the engine's OS thread. One on another thread (a raw
// std::thread that faulted or touched a primitive) records the cause,
// forwards the request to the engine thread with tgkill and waits: the
// engine's state is only consistent on its own thread.
//
// Cost while nothing goes wrong: one timer signal per tick (default 100 ms)
// whose handler stores the step counter, and two relaxed stores per execution
// (ExecutionScope). Not reentrant across engines: one armed engine per process.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "controlled/snapshot.hpp"

namespace tangle::detail {

class ControlledEngine;

// How an isolated child's execution ended the process (ChildRecord::cause).
enum class DeathCause : std::int32_t {
  none,
  signal,          // a fatal signal (ChildRecord::signal, ::address)
  stack_overflow,  // a fault in a fiber stack's guard (the snapshot's current thread)
  exit,            // exit() / std::exit (::exit_code)
  quick_exit,      // quick_exit()
  underscore_exit, // _exit() / _Exit() (::exit_code)
  terminate,       // std::terminate (::message says why)
  hang,            // the parent's watchdog: no tangle operation for its period
  stopped,         // a stop signal (::signal) stopped the process
  foreign_thread,  // a thread tangle does not control used a primitive
};

// Shared between an isolated child and its parent: MAP_SHARED, mapped before
// fork. The child writes; the parent reads while it lives (progress) and
// after it died (cause, snapshot). `snapshot` is the last member: its trace,
// object and schedule arrays follow it in the same mapping.
struct ChildRecord {
  // While the child runs (relaxed: the parent only compares them over time).
  std::atomic<std::uint64_t> steps{0};      // operations of the execution in progress, at the last tick
  std::atomic<std::uint64_t> execution{0};  // index of the execution in progress
  std::atomic<std::uint64_t> done{0};       // executions this child finished (updated now and then)
  std::atomic<std::uint64_t> findings{0};   // distinct findings of its scenario so far (with `done`)
  std::atomic<std::uint64_t> scenario{0};   // index in its batch of the scenario it runs (progress)
  std::atomic<std::uint32_t> in_execution{0};
  // Parent → child: why the parent asks for a report (a DeathCause) and, for
  // `stopped`, which signal stopped it.
  std::atomic<std::int32_t> request{0};
  std::atomic<std::int32_t> request_signal{0};
  // Child → parent, once: 0 alive, 1 recording, 2 recorded (cause and snapshot complete).
  std::atomic<std::uint32_t> death_state{0};
  DeathCause cause = DeathCause::none;
  std::int32_t signal = 0;
  std::int32_t exit_code = 0;
  std::uint64_t address = 0;
  bool in_engine_thread = true;  // false: the cause happened on a thread tangle does not control
  // The OS thread running scenario code now (threads substrate: the baton's
  // holder; 0: the process's engine thread). The parent sends its report
  // signal there, so the thread that is spinning handles it — a thread parked
  // in a futex may never get to (ThreadSanitizer defers signals there).
  std::atomic<std::int32_t> running_tid{0};
  char message[512] = {};
  ExecutionSnapshot snapshot;  // last: its arrays follow
};

// The mapping that holds one ChildRecord and its snapshot arrays.
class ChildRecordMapping {
 public:
  // Capacities as in snapshot.hpp; the mapping is MAP_NORESERVE, so pages
  // cost memory only once written (a snapshot is written once, at death).
  ChildRecordMapping(std::uint64_t trace_capacity = 1 << 16, std::uint64_t schedule_capacity = 1 << 24,
                     std::uint64_t object_capacity = 1 << 14);
  ~ChildRecordMapping();
  ChildRecordMapping(const ChildRecordMapping&) = delete;
  ChildRecordMapping& operator=(const ChildRecordMapping&) = delete;
  ChildRecord& record() { return *record_; }
  // Back to the state before a child ran (the parent, before each fork).
  void reset();

 private:
  std::size_t bytes_;
  void* memory_;
  ChildRecord* record_;
  std::uint64_t capacities_[3];
};

namespace crash_capture {

// The signal the parent sends to ask a child for a report (SIGSYS, see
// crash_capture.cpp for why).
int report_signal();

// In the child, before its executions: installs the handlers (alternate
// signal stack, fatal signals, exit hooks, terminate handler, the report
// signal, a `tick` timer for the watchdog's progress counter). Again with the
// same record: only the engine they copy from changes (the next scenario's).
// `engine` may be null (the stress engine: exits and signals are recorded,
// nothing is copied); `tick` 0: no timer (nobody watches progress).
void arm(ChildRecord& record, const ControlledEngine* engine, std::chrono::milliseconds tick);
// The armed engine is about to be destroyed: the handlers stop reading it.
void forget_engine();

// An alternate signal stack for the calling thread while it lives, in an
// armed child (a no-op elsewhere): a thread that overflows its own stack can
// then still run the fatal-signal handler. For engines that start OS threads
// (the stress engine's workers). Cost: an mmap, a munmap, two sigaltstack calls.
class ThreadAltStack {
 public:
  ThreadAltStack();
  ~ThreadAltStack();
  ThreadAltStack(const ThreadAltStack&) = delete;
  ThreadAltStack& operator=(const ThreadAltStack&) = delete;

 private:
  void* memory_ = nullptr;
};

// Called on an OS thread that runs scenario threads for the controlled
// engine (its threads substrate, BatonThreads), each time it starts one: a
// fault, exit or terminate there is then the scenario's (recorded and
// snapshotted on that thread, which holds the baton, instead of handed to the
// engine's thread as a foreign thread's is), and in an armed child the thread
// gets an alternate signal stack (kept until it exits). Cost after the first
// call on a thread: two thread_local accesses.
void enter_scenario_thread();
// The calling thread now runs scenario code (it took the baton): noted in
// the record, so the parent's report signal goes to it. One relaxed store
// (the tid is cached per thread).
void note_running_thread() noexcept;

// Marks the execution in progress (index) and its end: only inside one is an
// exit or a signal the scenario's doing.
inline std::atomic<ChildRecord*> armed_record{nullptr};
class ExecutionScope {
 public:
  explicit ExecutionScope(std::uint64_t index) : record_(armed_record.load(std::memory_order_relaxed)) {
    if (record_ != nullptr) {
      record_->execution.store(index, std::memory_order_relaxed);
      record_->in_execution.store(1, std::memory_order_relaxed);
    }
  }
  ~ExecutionScope() {
    if (record_ != nullptr) record_->in_execution.store(0, std::memory_order_relaxed);
  }
  ExecutionScope(const ExecutionScope&) = delete;
  ExecutionScope& operator=(const ExecutionScope&) = delete;

 private:
  ChildRecord* record_;
};

// no_runtime() in an armed child: a primitive used where tangle has no
// runtime (a raw std::thread). Returns only when not armed.
void primitive_without_runtime();
// The words for a recorded death (record.death_state == 2), the same on every
// engine: "<where> was killed by SIGSEGV (segmentation fault) at address
// 0x0<after>", "<where> called exit(0) during the execution: …". `where`
// names who did it ("thread 1", "check()"); `after` is appended.
std::string describe_death(const ChildRecord& record, const std::string& where, const std::string& after,
                           std::size_t stack_bytes);

// raise() of stop signal `sig` during an execution of an armed child.
[[noreturn]] void stopped_itself(int sig);
// _exit() or _Exit() called during an execution of an armed child.
[[noreturn]] void underscore_exit(int code);

}  // namespace crash_capture
}  // namespace tangle::detail
