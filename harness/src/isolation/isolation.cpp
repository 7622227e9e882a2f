#include "isolation/isolation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

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

std::string signal_description(int sig) {
  const char* abbrev = nullptr;
  switch (sig) {
    case SIGSEGV: abbrev = "SIGSEGV"; break;
    case SIGABRT: abbrev = "SIGABRT"; break;
    case SIGBUS: abbrev = "SIGBUS"; break;
    case SIGFPE: abbrev = "SIGFPE"; break;
    case SIGILL: abbrev = "SIGILL"; break;
    case SIGKILL: abbrev = "SIGKILL"; break;
    case SIGTERM: abbrev = "SIGTERM"; break;
    case SIGTRAP: abbrev = "SIGTRAP"; break;
    case SIGPIPE: abbrev = "SIGPIPE"; break;
    case SIGSYS: abbrev = "SIGSYS"; break;
    case SIGINT: abbrev = "SIGINT"; break;
    default: break;
  }
  std::string text = abbrev != nullptr ? abbrev : "signal " + std::to_string(sig);
  if (const char* what = ::strsignal(sig)) {
    std::string lower = what;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    text += " (" + lower + ")";
  }
  return text;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::string buffer;        // bytes not yet parsed into frames
  Clock::time_point last_frame;
  bool eof = false;
  bool reaped = false;
  IsolatedOutcome* out = nullptr;
};

[[noreturn]] void child_main(const std::function<int(Channel&)>& fn, int fd) {
  // A parent that died must not leave us writing into nothing forever.
  ::signal(SIGPIPE, SIG_IGN);
  Channel channel(fd);
  int code = 3;
  try {
    code = fn(channel);
  } catch (const std::exception& e) {
    channel.send('X', e.what());
  } catch (...) {
    channel.send('X', "unknown exception");
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

// Reaps `c` if it has exited; returns true once reaped.
bool try_reap(Child& c, bool block) {
  if (c.reaped) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(c.pid, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  c.reaped = true;
  if (r < 0) return true;  // not our child any more: nothing to report
  if (c.out->end == IsolatedOutcome::End::killed) return true;
  if (WIFSIGNALED(status)) {
    c.out->end = IsolatedOutcome::End::signaled;
    c.out->signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    c.out->end = IsolatedOutcome::End::exited;
    c.out->exit_code = WEXITSTATUS(status);
  }
  return true;
}

void kill_child(Child& c, Clock::time_point now) {
  c.out->end = IsolatedOutcome::End::killed;
  c.out->silent_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - c.last_frame);
  ::kill(c.pid, SIGKILL);
  try_reap(c, true);
}

}  // namespace

std::vector<IsolatedOutcome> run_isolated(const std::vector<std::function<int(Channel&)>>& fns,
                                          const IsolationLimits& limits) {
  std::vector<IsolatedOutcome> outcomes(fns.size());
  std::vector<Child> children(fns.size());
  const auto start = Clock::now();
  for (std::size_t i = 0; i < fns.size(); ++i) {
    Child& c = children[i];
    c.out = &outcomes[i];
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      c.out->end = IsolatedOutcome::End::fork_failed;
      c.eof = c.reaped = true;
      continue;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      // Pipes of earlier siblings are O_CLOEXEC but still open here: close
      // them so a sibling's EOF does not wait for us.
      for (std::size_t k = 0; k < i; ++k)
        if (children[k].fd >= 0) ::close(children[k].fd);
      child_main(fns[i], fds[1]);
    }
    ::close(fds[1]);
    if (pid < 0) {
      ::close(fds[0]);
      c.out->end = IsolatedOutcome::End::fork_failed;
      c.eof = c.reaped = true;
      continue;
    }
    c.pid = pid;
    c.fd = fds[0];
    c.last_frame = Clock::now();
  }

  for (;;) {
    std::vector<pollfd> pfds;
    std::vector<Child*> polled;
    for (auto& c : children)
      if (!c.eof) {
        pfds.push_back({c.fd, POLLIN, 0});
        polled.push_back(&c);
      }
    // After EOF the child should exit at once; one that closed its pipe but
    // lives on (a scenario thread still running) is killed after a grace.
    bool waiting = false;
    const auto now = Clock::now();
    for (auto& c : children) {
      if (c.reaped) continue;
      if (c.eof) {
        if (try_reap(c, false)) {
          ::close(c.fd);
          c.fd = -1;
          continue;
        }
        if (now - c.last_frame > std::chrono::milliseconds(2000)) {
          kill_child(c, now);
          ::close(c.fd);
          c.fd = -1;
          continue;
        }
      }
      waiting = true;
    }
    if (!waiting) break;

    int timeout_ms = 50;
    const int n = ::poll(pfds.data(), pfds.size(), pfds.empty() ? 0 : timeout_ms);
    if (pfds.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (n < 0 && errno != EINTR) break;
    const auto after = Clock::now();
    for (std::size_t k = 0; k < pfds.size(); ++k) {
      Child& c = *polled[k];
      if (pfds[k].revents != 0) {
        char buf[65536];
        const ssize_t r = ::read(c.fd, buf, sizeof buf);
        if (r > 0) {
          c.buffer.append(buf, static_cast<std::size_t>(r));
          parse_frames(c);
          c.last_frame = after;
        } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
          c.eof = true;
          c.last_frame = after;
        }
      }
      if (c.eof) continue;
      const bool stalled = after - c.last_frame > limits.stall_timeout;
      const bool late = limits.deadline.count() > 0 && after - start > limits.deadline;
      if (stalled || late) {
        kill_child(c, after);
        c.eof = true;
        ::close(c.fd);
        c.fd = -1;
      }
    }
  }
  for (auto& c : children) {
    if (!c.reaped && c.pid > 0) kill_child(c, Clock::now());
    if (c.fd >= 0) ::close(c.fd);
  }
  return outcomes;
}

IsolatedOutcome run_isolated(const std::function<int(Channel&)>& fn,
                             const IsolationLimits& limits) {
  return run_isolated(std::vector<std::function<int(Channel&)>>{fn}, limits).front();
}

}  // namespace tangle::detail
