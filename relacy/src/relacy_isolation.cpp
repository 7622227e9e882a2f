#include "relacy_isolation.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <new>
#include <stdexcept>

#include "isolation/isolation.hpp"
#include "relacy_runner.hpp"
#include "result_json.hpp"
#include "runner.hpp"  // detail::empty_result, judge

namespace tangle::relacy {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Channel;
using detail::IsolatedOutcome;
using report::FindingKind;

// The page the child writes and the parent reads after the child ended.
// Lock-free atomics only, so it works across processes. Written by the child's simulation thread and its
// exit handlers, never concurrently.
struct Progress {
  std::atomic<std::uint64_t> iteration{0};  // Relacy iteration begun last (0: none yet)
  std::atomic<int> in_iteration{0};         // 1 while scenario code of `iteration` may run
  std::atomic<int> exit_call{0};            // ExitCall: how the process asked to end
  std::atomic<int> exit_status{0};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

// The Progress page, mapped before the fork so parent and child share it.
struct SharedPage {
  SharedPage() {
    void* p = ::mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("cannot map the Relacy child's progress page");
    progress = ::new (p) Progress{};
  }
  ~SharedPage() {
    progress->~Progress();
    ::munmap(progress, sizeof(Progress));
  }
  SharedPage(const SharedPage&) = delete;
  SharedPage& operator=(const SharedPage&) = delete;
  Progress* progress = nullptr;
};

enum ExitCall : int { kNoExitCall = 0, kExit = 1, kQuickExit = 2 };

// The child's page, for its exit handlers (one child, one page).
Progress* g_child_progress = nullptr;

// exit() from scenario code: note it and end right here, before static
// destructors and the parent's inherited atexit handlers run against a
// simulation in progress (Relacy would report those frees as "DOUBLE FREE").
void on_exit_handler(int status, void*) {
  if (g_child_progress != nullptr) {
    g_child_progress->exit_status.store(status);
    g_child_progress->exit_call.store(kExit);
  }
  ::_exit(status);
}

// quick_exit() runs no destructors; it then calls _Exit with its status,
// which the parent reads as the exit code.
void on_quick_exit_handler() {
  if (g_child_progress != nullptr) g_child_progress->exit_call.store(kQuickExit);
}

// Inside the child: publishes each iteration on the page and sends a
// heartbeat when one began since the last beat, at most every `period`. The
// heartbeat is an empty frame: Channel::send then builds a 5-byte string,
// inside libstdc++'s short-string buffer, so nothing reaches Relacy's
// operator new (it is called from inside the simulation).
class ChildObserver final : public IterationObserver {
 public:
  ChildObserver(Progress& progress, Channel& channel, std::chrono::milliseconds period)
      : progress_(progress), channel_(channel), period_(period), last_beat_(Clock::now()) {}

  void iteration_begin(std::uint64_t iteration) override {
    progress_.iteration.store(iteration, std::memory_order_relaxed);
    progress_.in_iteration.store(1, std::memory_order_relaxed);
    const auto now = Clock::now();
    if (now - last_beat_ >= period_) {
      last_beat_ = now;
      channel_.send('H', {});
    }
  }
  void iteration_end() override { progress_.in_iteration.store(0, std::memory_order_relaxed); }

 private:
  Progress& progress_;
  Channel& channel_;
  std::chrono::milliseconds period_;
  Clock::time_point last_beat_;
};

int child_main(Channel& channel, Progress& progress, pid_t parent, int stderr_file, const ScenarioInfo& info,
               const Params& params, const Options& options, std::chrono::milliseconds beat) {
  // What the scenario (or the C++ runtime dying with it) says on stderr goes
  // to a file the parent reads after the child ended.
  if (stderr_file >= 0) ::dup2(stderr_file, STDERR_FILENO);
  // Never outlive the parent (PDEATHSIG fires when the forking thread dies);
  // if it already died before prctl, getppid() shows it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(4);
  g_child_progress = &progress;
  ::on_exit(on_exit_handler, nullptr);
  ::at_quick_exit(on_quick_exit_handler);

  ChildObserver observer(progress, channel, beat);
  Options o = options;
  o.observer = &observer;
  const report::ScenarioResult result = run_scenario(info, params, o);
  channel.send('R', detail::result_to_json(result, "relacy"));
  return 0;
}

// Everything the child wrote to stderr (the parent forwards it to its own)
// and its last non-empty line, for the finding's message.
struct ChildStderr {
  std::string text;
  std::string last_line;
};
ChildStderr read_child_stderr(int fd) {
  ChildStderr out;
  if (fd < 0) return out;
  constexpr off_t kMax = 64 * 1024;  // a runaway writer does not flood our stderr
  const off_t size = ::lseek(fd, 0, SEEK_END);
  const off_t from = size > kMax ? size - kMax : 0;
  out.text.resize(static_cast<std::size_t>(size - from));
  const ssize_t n = ::pread(fd, out.text.data(), out.text.size(), from);
  out.text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  auto end = out.text.find_last_not_of("\n");
  if (end != std::string::npos) {
    const auto begin = out.text.rfind('\n', end);
    out.last_line = out.text.substr(begin == std::string::npos ? 0 : begin + 1,
                                    end - (begin == std::string::npos ? 0 : begin + 1) + 1);
    if (out.last_line.size() > 300) out.last_line = out.last_line.substr(0, 300) + "…";
  }
  return out;
}

// Why a child that sent no result ended, from run_isolated's answer: a
// finding, or none when the parent cut it (deadline, interrupt).
enum class DeathKind { crash, hang, cut };
DeathKind death_kind(const IsolatedOutcome& out) {
  switch (out.end) {
    case IsolatedOutcome::End::exited:
    case IsolatedOutcome::End::signaled:
      return DeathKind::crash;
    case IsolatedOutcome::End::killed:
      switch (out.reason) {
        case IsolatedOutcome::KillReason::stopped: return DeathKind::crash;
        case IsolatedOutcome::KillReason::deadline:
        case IsolatedOutcome::KillReason::interrupted: return DeathKind::cut;
        // No report is ever asked (no report_signal), so `unanswered` and
        // `none` cannot happen here; a silent child is the watchdog's hang.
        case IsolatedOutcome::KillReason::stalled:
        case IsolatedOutcome::KillReason::unanswered:
        case IsolatedOutcome::KillReason::none: return DeathKind::hang;
      }
      return DeathKind::hang;
    case IsolatedOutcome::End::fork_failed:
      throw std::runtime_error("cannot fork a Relacy child process");
  }
  return DeathKind::crash;
}

// The result of a child that ended without sending one: what the page says
// about where it was, and the finding that explains the end.
report::ScenarioResult result_of_dead_child(const ScenarioInfo& info, const Params& params, const Options& options,
                                            const Supervision& supervision, const IsolatedOutcome& out,
                                            const Progress& progress, const std::string& child_error,
                                            const std::string& last_words, std::chrono::milliseconds elapsed) {
  report::ScenarioResult r = detail::empty_result(info, params);
  const std::uint64_t first = first_iteration(options);
  const std::uint64_t k = progress.iteration.load();
  const bool begun = k >= first;
  const bool inside = begun && progress.in_iteration.load() != 0;
  const std::uint64_t execution = begun ? k - first + 1 : 0;  // 1-based, of the iteration in progress
  const std::string iteration = std::to_string(k);
  const std::string where = inside  ? " during Relacy iteration " + iteration
                            : begun ? " after Relacy iteration " + iteration +
                                          ", outside scenario code (in Relacy's own checks or reporting)"
                                    : " before the first Relacy iteration";
  r.duration_s = std::chrono::duration<double>(elapsed).count();

  const DeathKind kind = child_error.empty() ? death_kind(out) : DeathKind::crash;
  if (kind == DeathKind::cut) {
    // The iteration in progress did not finish: it does not count.
    r.executions = inside ? execution - 1 : execution;
    detail::judge_result(r);
    const std::string why = out.reason == IsolatedOutcome::KillReason::deadline
                                ? "the time budget was spent"
                                : "interrupted by " + detail::signal_name(detail::interrupt_signal());
    r.complete = false;
    r.incomplete_reason = r.executions == 0 ? "not run: " + why
                                            : why + " after " + std::to_string(r.executions) + " of " +
                                                  std::to_string(options.executions) + " iterations";
    return r;
  }

  report::Finding f;
  f.kind = kind == DeathKind::hang ? FindingKind::hang : FindingKind::crash;
  f.source = "relacy";
  f.first_execution = std::max<std::uint64_t>(execution, 1);
  if (!child_error.empty()) {
    f.message = "the Relacy child process failed" + where + ": " + child_error;
  } else if (out.stop_signal != 0) {
    f.message = "the scenario process was stopped by " + detail::signal_name(out.stop_signal) + where +
                " and killed (SIGKILL)";
  } else if (kind == DeathKind::hang) {
    f.message = "no progress for " + std::to_string(out.silent_for.count()) + " ms" + where + " (watchdog " +
                std::to_string(supervision.watchdog.count()) +
                " ms): killed (SIGKILL). Relacy switches threads only at tangle operations, so a "
                "loop without one never ends";
  } else if (out.end == IsolatedOutcome::End::signaled) {
    f.message = "the scenario process was killed by " + detail::signal_description(out.signal) + where;
  } else {
    switch (progress.exit_call.load()) {
      case kExit:
        f.message = "the scenario called exit(" + std::to_string(progress.exit_status.load()) + ")" + where;
        break;
      case kQuickExit:
        f.message = "the scenario called quick_exit(" + std::to_string(out.exit_code) + ")" + where;
        break;
      default:
        f.message = "the process exited with code " + std::to_string(out.exit_code) + where +
                    " (_exit or _Exit: no exit handler ran)";
    }
  }
  if (!last_words.empty() && f.kind == FindingKind::crash)
    f.message += "; its last line on stderr: \"" + last_words + "\"";
  if (inside && options.scheduler == Scheduler::random)
    f.replay = encode_token({info.name, params.values(), k, options.max_steps});
  else if (inside)
    f.replay = "(none: found by Relacy's " + std::string(to_string(options.scheduler)) + " scheduler at iteration " +
               iteration + ")";
  else
    f.replay = "(none: the process ended outside a Relacy iteration)";
  r.executions = execution;
  r.first_failure_execution = f.first_execution;
  r.findings.push_back(std::move(f));
  detail::judge_result(r);
  return r;
}

}  // namespace

report::ScenarioResult run_scenario_isolated(const ScenarioInfo& info, const Params& params, const Options& options,
                                             const Supervision& supervision) {
  const SharedPage page;
  Progress* const progress = page.progress;
  const pid_t parent = ::getpid();
  // Nothing buffered here may be written twice (by a child that flushes).
  std::cout.flush();
  std::cerr.flush();

  // memfd: nothing on disk to clean up; -1 (no capture) if unavailable.
  const int stderr_file = ::memfd_create("tangle-relacy-stderr", MFD_CLOEXEC);

  // No on_stop: run_isolated kills a stopped child and says so (reason
  // `stopped`, stop_signal), the moment waitpid(WUNTRACED) sees it.
  detail::IsolationLimits limits;
  limits.stall_timeout = supervision.watchdog;
  limits.deadline = supervision.deadline;
  const auto beat = std::max(std::chrono::milliseconds(1), supervision.watchdog / 4);
  const auto start = Clock::now();
  const IsolatedOutcome out = detail::run_isolated(
      [&](Channel& channel) { return child_main(channel, *progress, parent, stderr_file, info, params, options, beat); },
      limits);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  const ChildStderr child_stderr = read_child_stderr(stderr_file);
  if (stderr_file >= 0) ::close(stderr_file);
  std::cerr << child_stderr.text << std::flush;

  const detail::Frame* result = nullptr;
  std::string child_error;
  for (const detail::Frame& f : out.frames) {
    if (f.type == 'R') result = &f;
    if (f.type == 'X') child_error = f.payload;
  }
  // A result sent is complete, even if the process then died on its way out.
  if (result != nullptr) return detail::result_from_json(result->payload);
  return result_of_dead_child(info, params, options, supervision, out, *progress, child_error,
                              child_stderr.last_line, elapsed);
}

}  // namespace tangle::relacy
