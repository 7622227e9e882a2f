#include "isolation/crash_capture.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>

#include "controlled/engine.hpp"
#include "exceptions.hpp"
#include "isolation/isolation.hpp"

namespace tangle::detail {

ChildRecordMapping::ChildRecordMapping(std::uint64_t trace_capacity, std::uint64_t schedule_capacity,
                                       std::uint64_t object_capacity)
    : bytes_(sizeof(ChildRecord) + snapshot_bytes(trace_capacity, schedule_capacity, object_capacity)),
      capacities_{trace_capacity, schedule_capacity, object_capacity} {
  memory_ = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory_ == MAP_FAILED) throw std::bad_alloc();
  record_ = nullptr;
  reset();
}

ChildRecordMapping::~ChildRecordMapping() { ::munmap(memory_, bytes_); }

void ChildRecordMapping::reset() {
  if (record_ != nullptr) record_->~ChildRecord();
  record_ = new (memory_) ChildRecord;
  // The snapshot's header is re-laid; its arrays are overwritten at death.
  layout_snapshot(&record_->snapshot, capacities_[0], capacities_[1], capacities_[2]);
}

namespace crash_capture {
namespace {

// The handlers' own accesses are not the harness's races to report: they run
// on whichever thread the signal hit, and they read the record a foreign
// thread wrote just before its hand-over (ordered by the signal, which TSan
// does not model).
#if defined(__clang__) || defined(__SANITIZE_THREAD__)
#define TANGLE_HANDLER __attribute__((no_sanitize("thread")))
#else
#define TANGLE_HANDLER
#endif

constexpr int kDeathExitCode = 86;  // the parent reads the record, not this

ChildRecord* g_record = nullptr;
const ControlledEngine* volatile g_engine = nullptr;  // read by the handlers
pid_t g_engine_tid = 0;
// This thread runs scenario threads (enter_scenario_thread): initial-exec, so
// a signal handler's read never allocates.
[[gnu::tls_model("initial-exec")]] thread_local bool t_scenario_thread = false;
std::atomic<int> g_dying{0};  // tid of the thread recording a death
timer_t g_timer{};

pid_t this_tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

[[noreturn]] void exit_group(int code) {
  ::syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

void copy_message(const char* text) {
  std::size_t i = 0;
  for (; text != nullptr && text[i] != '\0' && i + 1 < sizeof g_record->message; ++i)
    g_record->message[i] = text[i];
  g_record->message[i] = '\0';
}

// On the engine thread, the cause recorded: copy the execution in progress,
// say the record is complete, end the process.
[[noreturn]] TANGLE_HANDLER void snapshot_and_exit(ChildRecord& r) {
  r.death_state.store(1, std::memory_order_release);
  if (r.in_execution.load(std::memory_order_relaxed) != 0 && g_engine != nullptr) g_engine->snapshot(r.snapshot);
  r.death_state.store(2, std::memory_order_release);
  exit_group(kDeathExitCode);
}

// The one way an armed child dies of its scenario's doing (async-signal-safe
// up to the engine's snapshot, which is too).
[[noreturn]] TANGLE_HANDLER void die(DeathCause cause, int sig, std::uint64_t address, int exit_code, const char* message) {
  ChildRecord& r = *g_record;
  const pid_t tid = this_tid();
  int expected = 0;
  if (!g_dying.compare_exchange_strong(expected, tid)) {
    // Another thread is recording (or this one faulted while recording):
    // wait to be ended, or end now.
    if (expected == tid) exit_group(kDeathExitCode);
    for (;;) ::pause();
  }
  r.cause = cause;
  r.signal = sig;
  r.address = address;
  r.exit_code = exit_code;
  // A scenario thread of the threads substrate holds the baton while it
  // runs: the engine is as consistent there as on the engine's own thread.
  const bool engine_side = tid == g_engine_tid || t_scenario_thread;
  r.in_engine_thread = engine_side;
  if (message != nullptr) copy_message(message);
  if (!engine_side) {
    // Only the engine thread sees a consistent engine: hand over, then wait.
    r.request.store(static_cast<std::int32_t>(cause), std::memory_order_relaxed);
    g_dying.store(0);
    ::syscall(SYS_tgkill, ::getpid(), g_engine_tid, report_signal());  // SI_TKILL from ourselves
    for (;;) ::pause();
  }
  snapshot_and_exit(r);
}

void on_report_signal(int, siginfo_t*, void*);

TANGLE_HANDLER void on_fatal_signal(int sig, siginfo_t* info, void* context) {
  // The parent's request (kill(2) of SIGSYS, see report_signal) or a
  // foreign thread's hand-over (tgkill from this process), not a fault.
  if (sig == report_signal() && info != nullptr && (info->si_code == SI_USER || info->si_code == SI_TKILL) &&
      (info->si_pid == ::getppid() || (info->si_pid == ::getpid() && g_record->cause != DeathCause::none)))
    return on_report_signal(sig, info, context);
  const void* address = info != nullptr ? info->si_addr : nullptr;
  if (g_record->in_execution.load(std::memory_order_relaxed) == 0) {
    // Not the scenario's doing (the harness between executions): die by the
    // signal as if no handler were there.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  const ControlledEngine* engine = g_engine;
  // A fault in a guard below one of the engine's stacks: a fiber's (on the
  // engine's OS thread) or, on the threads substrate, a baton thread's own.
  if ((sig == SIGSEGV || sig == SIGBUS) && engine != nullptr && (this_tid() == g_engine_tid || t_scenario_thread)) {
    const int thread = engine->stack_overflowed(address);
    if (thread >= 0) die(DeathCause::stack_overflow, sig, reinterpret_cast<std::uintptr_t>(address), 0, nullptr);
  }
  die(DeathCause::signal, sig, reinterpret_cast<std::uintptr_t>(address), 0, nullptr);
}

// The parent asks (hang, stopped), or a foreign thread handed its death over.
TANGLE_HANDLER void on_report_signal(int, siginfo_t*, void*) {
  ChildRecord& r = *g_record;
  const auto cause = static_cast<DeathCause>(r.request.load(std::memory_order_relaxed));
  if (r.cause != DeathCause::none) {
    // Handed over by another thread: its cause stands.
    int expected = 0;
    g_dying.compare_exchange_strong(expected, this_tid());
    snapshot_and_exit(r);
  }
  die(cause == DeathCause::none ? DeathCause::hang : cause, r.request_signal.load(std::memory_order_relaxed), 0,
      0, nullptr);
}

TANGLE_HANDLER void on_tick(int) {
  if (const ControlledEngine* engine = g_engine) g_record->steps.store(engine->steps_in_progress(), std::memory_order_relaxed);
}

void on_exit_hook(int status, void*) {
  if (g_record->in_execution.load(std::memory_order_relaxed) != 0)
    die(DeathCause::exit, 0, 0, status, nullptr);
}

void on_quick_exit_hook() {
  if (g_record->in_execution.load(std::memory_order_relaxed) != 0)
    die(DeathCause::quick_exit, 0, 0, 0, nullptr);
}

[[noreturn]] void on_terminate() {
  std::string why = "std::terminate was called";
  if (std::current_exception()) {
    try {
      std::rethrow_exception(std::current_exception());
    } catch (...) {
      why += " with an uncaught " + describe_current_exception();
    }
  }
  die(DeathCause::terminate, 0, 0, 0, why.c_str());
}

int tick_signal() { return SIGRTMIN + 3; }

constexpr std::size_t kAltStack = 64 * 1024;

// Maps an alternate signal stack and makes it the calling thread's; null when
// that fails (the handler then runs on the thread's own stack).
void* install_alt_stack() {
  void* alt = ::mmap(nullptr, kAltStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (alt == MAP_FAILED) return nullptr;
  stack_t ss{};
  ss.ss_sp = alt;
  ss.ss_size = kAltStack;
  if (::sigaltstack(&ss, nullptr) != 0) {
    ::munmap(alt, kAltStack);
    return nullptr;
  }
  return alt;
}


void install(int sig, void (*handler)(int, siginfo_t*, void*), int extra_flags) {
  struct sigaction sa {};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | extra_flags;
  sigemptyset(&sa.sa_mask);
  ::sigaction(sig, &sa, nullptr);
}

}  // namespace

// SIGSYS, sent with kill(2) by the parent (si_code SI_USER): ThreadSanitizer
// delivers the synchronous signals (SIGSEGV … SIGSYS) at once, but defers
// every other one to its next interceptor — which a spin without operations
// never reaches. A SIGSYS of the scenario's own (seccomp, raise) is still a
// fatal signal: it does not come from the parent.
int report_signal() { return SIGSYS; }

void arm(ChildRecord& record, const ControlledEngine* engine, std::chrono::milliseconds tick) {
  if (g_record == &record && g_engine_tid == this_tid()) {
    g_engine = engine;  // the next scenario's engine; the handlers stay
    return;
  }
  g_record = &record;
  g_engine = engine;
  g_engine_tid = this_tid();

  // An alternate stack: a fiber that overflowed its own cannot run a handler.
  (void)install_alt_stack();
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) install(sig, on_fatal_signal, 0);
  {
    struct sigaction sa {};
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(tick_signal(), &sa, nullptr);
  }
  ::on_exit(on_exit_hook, nullptr);
  ::at_quick_exit(on_quick_exit_hook);
  std::set_terminate(on_terminate);

  armed_record.store(&record, std::memory_order_relaxed);
  if (tick.count() <= 0) return;
  sigevent ev{};
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = tick_signal();
  ev._sigev_un._tid = g_engine_tid;
  if (::timer_create(CLOCK_MONOTONIC, &ev, &g_timer) == 0) {
    itimerspec spec{};
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tick).count();
    spec.it_interval.tv_sec = spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_interval.tv_nsec = spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    ::timer_settime(g_timer, 0, &spec, nullptr);
  }
}

void forget_engine() { g_engine = nullptr; }

ThreadAltStack::ThreadAltStack() {
  if (armed_record.load(std::memory_order_relaxed) != nullptr) memory_ = install_alt_stack();
}

ThreadAltStack::~ThreadAltStack() {
  if (memory_ == nullptr) return;
  stack_t off{};
  off.ss_flags = SS_DISABLE;
  ::sigaltstack(&off, nullptr);
  ::munmap(memory_, kAltStack);
}

void note_running_thread() noexcept {
  [[gnu::tls_model("initial-exec")]] static thread_local pid_t tid = 0;
  if (tid == 0) tid = this_tid();
  if (ChildRecord* r = armed_record.load(std::memory_order_relaxed)) r->running_tid.store(tid, std::memory_order_relaxed);
}

void enter_scenario_thread() {
  t_scenario_thread = true;
  thread_local std::optional<ThreadAltStack> alt;
  if (!alt && armed_record.load(std::memory_order_relaxed) != nullptr) alt.emplace();
}

std::string describe_death(const ChildRecord& r, const std::string& where, const std::string& after,
                           std::size_t stack_bytes) {
  const auto ended_process = [&](const std::string& call) {
    return where + " called " + call + " during the execution: scenario code must not end the process" + after;
  };
  char address[32];
  std::snprintf(address, sizeof address, "0x%llx", static_cast<unsigned long long>(r.address));
  switch (r.cause) {
    case DeathCause::signal:
      return where + " was killed by " + signal_description(r.signal) +
             (r.signal == SIGSEGV || r.signal == SIGBUS ? std::string(" at address ") + address : "") +
             (r.signal == SIGABRT ? " (abort(), a failed assert or a fatal library error)" : "") + after;
    case DeathCause::stack_overflow:
      return where + " overflowed its stack (" + std::to_string(stack_bytes / 1024) +
             " KiB): unbounded recursion, or frames larger than the stack" + after;
    case DeathCause::exit: return ended_process("exit(" + std::to_string(r.exit_code) + ")");
    case DeathCause::quick_exit: return ended_process("quick_exit()");
    case DeathCause::underscore_exit: return ended_process("_exit(" + std::to_string(r.exit_code) + ")");
    case DeathCause::terminate: return where + ": " + r.message + after;
    case DeathCause::stopped:
      return where + " stopped the process with " + signal_name(r.signal) + "; tangle ended it" + after;
    case DeathCause::foreign_thread: return std::string(r.message) + after;
    case DeathCause::hang: return where + " made no tangle operation for the watchdog's period" + after;
    case DeathCause::none: break;
  }
  return where + " ended its process" + after;
}

[[noreturn]] void stopped_itself(int sig) { die(DeathCause::stopped, sig, 0, 0, nullptr); }

// _exit/_Exit from scenario code (the link wraps them, see below).
[[noreturn]] void underscore_exit(int code) { die(DeathCause::underscore_exit, 0, 0, code, nullptr); }

void primitive_without_runtime() {
  if (g_record == nullptr) return;
  die(DeathCause::foreign_thread, 0, 0, 0,
      this_tid() == g_engine_tid ? "an instrumented primitive was used outside a tangle execution"
                                 : "a thread tangle does not control (a raw std::thread?) used an "
                                   "instrumented primitive; only the scenario's own threads may use them");
}

}  // namespace crash_capture
}  // namespace tangle::detail

// The link wraps _exit and _Exit (`-Wl,--wrap=_exit`, see harness/CMakeLists.txt):
// called by scenario code during an execution of an armed child, they are a
// finding like exit(); otherwise they are what they always were.
extern "C" {
[[noreturn]] void __real__exit(int code);

[[noreturn]] void __wrap__exit(int code) {
  using namespace tangle::detail;
  ChildRecord* r = crash_capture::armed_record.load(std::memory_order_relaxed);
  if (r != nullptr && r->in_execution.load(std::memory_order_relaxed) != 0)
    crash_capture::underscore_exit(code);
  __real__exit(code);
}
[[noreturn]] void __wrap__Exit(int code) { __wrap__exit(code); }

// raise() of a stop signal during an execution is recorded before the stop
// happens (under ThreadSanitizer a report asked for while the thread sits
// stopped inside raise's interceptor cannot be delivered safely). A stop by
// other means (kill(2), a terminal) is still seen by the parent.
int __real_raise(int sig);
int __wrap_raise(int sig) {
  using namespace tangle::detail;
  ChildRecord* r = crash_capture::armed_record.load(std::memory_order_relaxed);
  if (r != nullptr && r->in_execution.load(std::memory_order_relaxed) != 0 &&
      (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
    crash_capture::stopped_itself(sig);
  return __real_raise(sig);
}
}
