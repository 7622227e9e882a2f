// Process isolation: run work in forked children that may crash or hang.
//
// googletest's death tests fork and read one status byte over a pipe, but the
// parent waits without a timeout. Here the parent never hangs: it polls the
// children's pipes, kills (SIGKILL) a child that sent nothing for
// `stall_timeout` or outlived `deadline`, and reaps every child it forked.
//
// Protocol (child → parent, one pipe per child): frames of
//   [1 byte type][4 bytes little-endian length][payload]
// The types are the caller's (e.g. 'H' heartbeat, 'S' snapshot, 'R' result);
// the parent keeps every frame in arrival order. A child sends with
// `Channel::send` from one thread at a time (the stress driver), and ends
// with _exit — never with exit(), which would run the parent's atexit
// handlers and static destructors (gtest's among them) in the child.
//
// Threading: call run_isolated from a thread that may fork — the parent's
// other threads, if any, must not hold locks the child needs (malloc's are
// reset by glibc's fork handlers; keep the rest quiet).
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
  std::chrono::milliseconds stall_timeout{5000};  // no frame for this long: killed
  std::chrono::milliseconds deadline{0};          // 0: none; else wall-clock limit
};

struct Frame {
  char type;
  std::string payload;
};

struct IsolatedOutcome {
  enum class End {
    exited,     // the child exited by itself (see exit_code)
    signaled,   // a signal killed it (see signal): crash
    killed,     // the parent killed it: stalled or past the deadline
    fork_failed,
  };
  End end = End::exited;
  int exit_code = 0;
  int signal = 0;
  std::vector<Frame> frames;  // everything received, in order
  std::chrono::milliseconds silent_for{0};  // when killed: time since the last frame
};

// Runs each function in its own forked child, all at once, and waits for all.
// The child's exit code is the function's return value (an escaping exception
// is exit code 3, with an 'X' frame carrying what()).
std::vector<IsolatedOutcome> run_isolated(const std::vector<std::function<int(Channel&)>>& fns,
                                          const IsolationLimits& limits);
IsolatedOutcome run_isolated(const std::function<int(Channel&)>& fn,
                             const IsolationLimits& limits);

// "SIGSEGV (segmentation fault)"; "signal 42" for unknown numbers.
std::string signal_description(int sig);

}  // namespace tangle::detail
