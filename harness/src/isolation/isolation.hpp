// Process isolation: run work in forked children that may crash, exit, hang
// or stop; the parent never does any of those with them.
//
// googletest's death tests fork and read one status byte over a pipe, but the
// parent waits without a timeout. Here the parent never hangs: it polls the
// children's pipes and their state (waitpid with WUNTRACED, so a child that
// stopped itself is seen at once), asks a child for a report when its owner
// says so (IsolationLimits::wants_report — e.g. no progress for the watchdog
// period — or when it stopped), kills (SIGKILL, its whole process group) a
// child that did not answer within `report_grace`, sent nothing for
// `stall_timeout`, outlived `deadline`, or when the run is interrupted
// (SIGINT/SIGTERM, install_interrupt_handlers), and reaps every child it
// forked. Children die with the parent: PR_SET_PDEATHSIG(SIGKILL), and each
// is the leader of its own process group, so a terminal's Ctrl-C reaches the
// parent alone, which then stops them.
//
// Protocol (child → parent, one pipe per child): frames of
//   [1 byte type][4 bytes little-endian length][payload]
// The types are the caller's (e.g. 'H' heartbeat, 'S' snapshot, 'R' result);
// the parent keeps every frame in arrival order. A child sends with
// `Channel::send` from one thread at a time, and ends with _exit — never with
// exit(), which would run the parent's atexit handlers and static destructors
// (gtest's among them) in the child.
//
// Threading: call run_isolated from a thread that may fork — the parent's
// other threads, if any, must not hold locks the child needs (malloc's are
// reset by glibc's fork handlers; keep the rest quiet). Cost: one fork per
// child (~0.1–1 ms), a poll every 20 ms while children run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tangle::detail {

class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  // Blocks until the whole frame is written. Returns false when the parent is
  // gone (EPIPE): the child should then stop.
  bool send(char type, std::string_view payload);

 private:
  int fd_;
};

struct IsolationLimits {
  std::chrono::milliseconds stall_timeout{5000};  // no frame for this long: killed (0: never)
  std::chrono::milliseconds deadline{0};          // 0: none; else wall-clock limit
  // Asked every tick for each running child: true when it should report and
  // end now (the parent's watchdog). The child is sent `report_signal` and
  // killed if it has not ended `report_grace` later.
  std::function<bool(std::size_t child)> wants_report;
  // A child stopped by `stop_signal` (SIGSTOP, SIGTSTP, …): true to ask it
  // for a report (sent `report_signal`, then SIGCONT); false or unset: killed.
  std::function<bool(std::size_t child, int stop_signal)> on_stop;
  int report_signal = 0;
  // The thread of the child to send report_signal to (0, or unset: the
  // process, which the kernel gives to any thread).
  std::function<int()> report_thread;
  std::chrono::milliseconds report_grace{1000};
  // On an interrupt (SIGINT/SIGTERM/SIGHUP), 0: kill the children at once.
  // Else the children are sent the same signal and given this long to end by
  // themselves (workers that supervise children of their own and report
  // what finished: isolation/parallel_runner.hpp) before they are killed.
  std::chrono::milliseconds interrupt_grace{0};
  std::function<void()> on_tick;  // every tick, for progress displays
};

struct Frame {
  char type;
  std::string payload;
};

struct IsolatedOutcome {
  enum class End {
    exited,     // the child exited by itself (see exit_code)
    signaled,   // a signal killed it (see signal): crash
    killed,     // the parent killed it (see reason)
    fork_failed,
  };
  enum class KillReason { none, stalled, deadline, interrupted, unanswered, stopped };
  End end = End::exited;
  KillReason reason = KillReason::none;
  int exit_code = 0;
  int signal = 0;
  int stop_signal = 0;   // the child was seen stopped by this signal
  bool asked = false;    // the parent asked it for a report
  std::vector<Frame> frames;  // everything received, in order
  std::chrono::milliseconds silent_for{0};  // when killed: time since the last frame
};

// Runs each function in its own forked child, all at once, and waits for all.
// The child's exit code is the function's return value (an escaping exception
// is exit code 3, with an 'X' frame carrying what it was).
std::vector<IsolatedOutcome> run_isolated(const std::vector<std::function<int(Channel&)>>& fns,
                                          const IsolationLimits& limits);
IsolatedOutcome run_isolated(const std::function<int(Channel&)>& fn,
                             const IsolationLimits& limits);

// "SIGSEGV (segmentation fault)"; "signal 42" for unknown numbers.
std::string signal_description(int sig);
// "SIGSTOP", "SIGINT", … ("signal N" for others).
std::string signal_name(int sig);

// SIGINT, SIGTERM and SIGHUP then set a flag instead of ending the process:
// run_isolated kills its children at once and returns, and the caller writes
// the report of what finished. A second signal of the same kind ends the
// process as usual (the user insists).
void install_interrupt_handlers();
int interrupt_signal();  // the first such signal received, 0 while none

}  // namespace tangle::detail
