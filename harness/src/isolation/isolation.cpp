#include "isolation/isolation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>

#include "exceptions.hpp"

namespace tangle::detail {

bool Channel::send(char type, std::string_view payload) {
  std::string frame;
  frame.reserve(5 + payload.size());
  frame.push_back(type);
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  frame.append(payload);
  const char* p = frame.data();
  std::size_t left = frame.size();
  while (left > 0) {
    const ssize_t w = ::write(fd_, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    case SIGPIPE: return "SIGPIPE";
    case SIGSYS: return "SIGSYS";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGSTOP: return "SIGSTOP";
    case SIGTSTP: return "SIGTSTP";
    case SIGTTIN: return "SIGTTIN";
    case SIGTTOU: return "SIGTTOU";
    default: return "signal " + std::to_string(sig);
  }
}

std::string signal_description(int sig) {
  std::string text = signal_name(sig);
  if (const char* what = ::strsignal(sig)) {
    std::string lower = what;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    text += " (" + lower + ")";
  }
  return text;
}

namespace {

volatile std::sig_atomic_t g_interrupt = 0;

void on_interrupt(int sig) {
  if (g_interrupt == sig) {
    // Asked twice: stop now, the way the signal would have.
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
  if (g_interrupt == 0) g_interrupt = sig;
}

}  // namespace

void install_interrupt_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);  // no SA_RESTART: poll() wakes up at once
  }
}

int interrupt_signal() { return g_interrupt; }

namespace {

using Clock = std::chrono::steady_clock;
using KillReason = IsolatedOutcome::KillReason;

struct Child {
  pid_t pid = -1;
  int fd = -1;
  int pidfd = -1;      // readable once the child exited (pidfd_open; -1 where unsupported)
  std::string buffer;  // bytes not yet parsed into frames
  Clock::time_point last_frame;
  Clock::time_point asked_at;
  Clock::time_point interrupted_at;  // when it was passed on the interrupt
  bool interrupted = false;
  bool reaped = false;
  IsolatedOutcome* out = nullptr;
};

[[noreturn]] void child_main(const std::function<int(Channel&)>& fn, int fd, pid_t parent) {
  // Die with the parent, whatever kills it; it may already be gone.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);
  ::setpgid(0, 0);
  // A parent that died must not leave us writing into nothing forever; the
  // parent's interrupt handlers are not ours.
  ::signal(SIGPIPE, SIG_IGN);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
  Channel channel(fd);
  int code = 3;
  try {
    code = fn(channel);
  } catch (...) {
    channel.send('X', describe_current_exception());
  }
  ::_exit(code);
}

void parse_frames(Child& c) {
  std::size_t pos = 0;
  while (c.buffer.size() - pos >= 5) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i)
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(c.buffer[pos + 1 + i])) << (8 * i);
    if (c.buffer.size() - pos - 5 < n) break;
    c.out->frames.push_back({c.buffer[pos], c.buffer.substr(pos + 5, n)});
    pos += 5 + n;
  }
  c.buffer.erase(0, pos);
}

// Reads what the pipe holds now. Returns false at EOF or error.
bool read_available(Child& c) {
  char buf[65536];
  for (;;) {
    const ssize_t r = ::read(c.fd, buf, sizeof buf);
    if (r > 0) {
      c.buffer.append(buf, static_cast<std::size_t>(r));
      parse_frames(c);
      c.last_frame = Clock::now();
      if (static_cast<std::size_t>(r) < sizeof buf) return true;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    return r < 0 && errno == EAGAIN;
  }
}

void close_pipe(Child& c) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
}

void note_status(Child& c, int status) {
  if (c.out->end == IsolatedOutcome::End::killed) return;
  if (WIFSIGNALED(status)) {
    c.out->end = IsolatedOutcome::End::signaled;
    c.out->signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    c.out->end = IsolatedOutcome::End::exited;
    c.out->exit_code = WEXITSTATUS(status);
  }
}

// After death: what it wrote before dying, then the pipe closes. (A
// grandchild holding the pipe open must not keep us waiting: non-blocking.)
void finish(Child& c, int status) {
  c.reaped = true;
  note_status(c, status);
  if (c.fd >= 0) read_available(c);
  close_pipe(c);
  if (c.pidfd >= 0) ::close(c.pidfd);
  c.pidfd = -1;
}

void kill_child(Child& c, KillReason reason) {
  c.out->end = IsolatedOutcome::End::killed;
  c.out->reason = reason;
  c.out->silent_for = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - c.last_frame);
  ::kill(-c.pid, SIGKILL);  // its process group: anything it started too
  ::kill(c.pid, SIGKILL);
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  finish(c, status);
}

void ask_report(Child& c, const IsolationLimits& limits) {
  if (c.out->asked) return;
  c.out->asked = true;
  c.asked_at = Clock::now();
  const int tid = limits.report_thread ? limits.report_thread() : 0;
  if (tid == 0 || ::syscall(SYS_tgkill, c.pid, tid, limits.report_signal) != 0) ::kill(c.pid, limits.report_signal);
  ::kill(c.pid, SIGCONT);  // a stopped child handles it once continued
}

}  // namespace

std::vector<IsolatedOutcome> run_isolated(const std::vector<std::function<int(Channel&)>>& fns,
                                          const IsolationLimits& limits) {
  std::vector<IsolatedOutcome> outcomes(fns.size());
  std::vector<Child> children(fns.size());
  const auto start = Clock::now();
  const pid_t self = ::getpid();
  for (std::size_t i = 0; i < fns.size(); ++i) {
    Child& c = children[i];
    c.out = &outcomes[i];
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      c.out->end = IsolatedOutcome::End::fork_failed;
      c.reaped = true;
      continue;
    }
    std::fflush(nullptr);  // nothing buffered is written twice
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      // Pipes of earlier siblings are O_CLOEXEC but still open here: close
      // them so a sibling's EOF does not wait for us.
      for (std::size_t k = 0; k < i; ++k)
        if (children[k].fd >= 0) ::close(children[k].fd);
      child_main(fns[i], fds[1], self);
    }
    ::close(fds[1]);
    if (pid < 0) {
      ::close(fds[0]);
      c.out->end = IsolatedOutcome::End::fork_failed;
      c.reaped = true;
      continue;
    }
    ::setpgid(pid, pid);  // as the child does: whichever runs first
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    c.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    c.pid = pid;
    c.fd = fds[0];
    c.last_frame = Clock::now();
  }

  for (;;) {
    // Each child's pipe and, where the kernel has pidfds, its exit: poll
    // wakes for a frame or a death at once, never a tick later.
    std::vector<pollfd> pfds;
    std::vector<Child*> polled;
    bool running = false, blind = false;
    for (auto& c : children) {
      if (c.reaped) continue;
      running = true;
      if (c.fd >= 0) {
        pfds.push_back({c.fd, POLLIN, 0});
        polled.push_back(&c);
      }
      if (c.pidfd >= 0) {
        pfds.push_back({c.pidfd, POLLIN, 0});
        polled.push_back(nullptr);
      } else if (c.fd < 0) {
        blind = true;  // its pipe closed, its exit not pollable: look again soon
      }
    }
    if (!running) break;
    const int n = ::poll(pfds.data(), pfds.size(), blind ? 1 : 20);
    if (n > 0)
      for (std::size_t k = 0; k < pfds.size(); ++k)
        if (polled[k] != nullptr && pfds[k].revents != 0 && !read_available(*polled[k])) {
          polled[k]->last_frame = Clock::now();
          close_pipe(*polled[k]);
        }

    const auto now = Clock::now();
    for (std::size_t i = 0; i < children.size(); ++i) {
      Child& c = children[i];
      if (c.reaped) continue;
      if (interrupt_signal() != 0) {
        if (limits.interrupt_grace.count() == 0 || (c.interrupted && now - c.interrupted_at > limits.interrupt_grace)) {
          kill_child(c, KillReason::interrupted);
          continue;
        }
        if (!c.interrupted) {
          c.interrupted = true;
          c.interrupted_at = now;
          ::kill(c.pid, interrupt_signal());
        }
      }
      int status = 0;
      const pid_t r = ::waitpid(c.pid, &status, WNOHANG | WUNTRACED);
      if (r == c.pid && WIFSTOPPED(status)) {
        c.out->stop_signal = WSTOPSIG(status);
        if (limits.report_signal != 0 && limits.on_stop && limits.on_stop(i, c.out->stop_signal))
          ask_report(c, limits);
        else
          kill_child(c, KillReason::stopped);
        continue;
      }
      if (r == c.pid || (r < 0 && errno == ECHILD)) {
        finish(c, status);
        continue;
      }
      if (limits.deadline.count() > 0 && now - start > limits.deadline) {
        kill_child(c, KillReason::deadline);
      } else if (c.out->asked && now - c.asked_at > limits.report_grace) {
        kill_child(c, KillReason::unanswered);
      } else if (limits.stall_timeout.count() > 0 && now - c.last_frame > limits.stall_timeout) {
        kill_child(c, KillReason::stalled);
      } else if (c.fd < 0 && now - c.last_frame > std::chrono::milliseconds(2000)) {
        // Closed its pipe but lives on (a scenario thread still running).
        kill_child(c, KillReason::stalled);
      } else if (!c.out->asked && limits.report_signal != 0 && limits.wants_report && limits.wants_report(i)) {
        ask_report(c, limits);
      }
    }
    if (limits.on_tick) limits.on_tick();
  }
  return outcomes;
}

IsolatedOutcome run_isolated(const std::function<int(Channel&)>& fn,
                             const IsolationLimits& limits) {
  return run_isolated(std::vector<std::function<int(Channel&)>>{fn}, limits).front();
}

}  // namespace tangle::detail
