#include "isolation/parallel_runner.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "isolation/isolation.hpp"
#include "merge.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::detail {
namespace {

// Executions done per worker and scenario, in memory the workers share with
// the parent (lock-free atomics in a MAP_SHARED mapping; relaxed: progress
// display only).
class SharedCounters {
 public:
  explicit SharedCounters(std::size_t n) : n_(std::max<std::size_t>(n, 1)) {
    void* p = ::mmap(nullptr, n_ * sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("cannot map progress counters for the jobs");
    cells_ = new (p) std::atomic<std::uint64_t>[n_]();
  }
  ~SharedCounters() { ::munmap(cells_, n_ * sizeof(std::atomic<std::uint64_t>)); }
  SharedCounters(const SharedCounters&) = delete;
  SharedCounters& operator=(const SharedCounters&) = delete;
  std::atomic<std::uint64_t>& operator[](std::size_t i) { return cells_[i]; }

 private:
  std::size_t n_;
  std::atomic<std::uint64_t>* cells_;
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared counters must be lock-free across processes");

}  // namespace

std::vector<report::ScenarioResult> run_parallel(const std::vector<SupervisedScenario>& work, double budget_s,
                                                 int jobs, const BatchProgressFn& progress) {
  if (jobs <= 1 || work.empty()) return run_supervised(work, budget_s, progress);
  const auto n = static_cast<std::size_t>(jobs);
  // Cell (j, k): worker j's executions of scenario k; (j, m + k): the
  // findings it has of it so far (m scenarios); (j, 2m): the scenario it is at.
  const std::size_t m = work.size();
  const std::size_t row = 2 * m + 1;
  SharedCounters counters(n * row);

  std::vector<std::function<int(Channel&)>> workers;
  for (std::size_t j = 0; j < n; ++j) {
    workers.push_back([&, j](Channel& ch) {
      // An interrupt reaches a worker from the parent (interrupt_grace):
      // then it stops its children and reports what finished.
      install_interrupt_handlers();
      std::vector<SupervisedScenario> mine = work;
      for (auto& w : mine) w.options.slice = w.options.slice.within({j, n});
      const auto results = run_supervised(mine, budget_s, [&](std::size_t k, std::uint64_t done, std::uint64_t found) {
        counters[j * row + k].store(done, std::memory_order_relaxed);
        counters[j * row + m + k].store(found, std::memory_order_relaxed);
        counters[j * row + 2 * m].store(k, std::memory_order_relaxed);
      });
      report::RunReport part;
      part.scenarios = results;
      std::ostringstream text;
      report::write_json(part, text);
      ch.send('R', text.str());
      return 0;
    });
  }
  IsolationLimits limits;
  limits.stall_timeout = std::chrono::milliseconds(0);  // workers supervise; they never wait unbounded
  double watchdog_s = 1;
  for (const auto& w : work) watchdog_s = std::max(watchdog_s, w.options.watchdog_s);
  // The workers' own budget is hard; this grace covers their report.
  if (budget_s > 0)
    limits.deadline = std::chrono::milliseconds(std::llround((budget_s + 2 * watchdog_s + 5) * 1000));
  limits.interrupt_grace = std::chrono::milliseconds(std::llround((2 * watchdog_s + 2) * 1000));
  if (progress)
    limits.on_tick = [&] {
      // The scenario the slowest worker is at, and every worker's executions
      // of it; findings: the most any one worker has (workers may find the
      // same ones, so a sum would overcount).
      std::size_t at = m;
      for (std::size_t j = 0; j < n; ++j) at = std::min<std::size_t>(at, counters[j * row + 2 * m].load(std::memory_order_relaxed));
      if (at >= m) return;
      std::uint64_t done = 0, found = 0;
      for (std::size_t j = 0; j < n; ++j) {
        done += counters[j * row + at].load(std::memory_order_relaxed);
        found = std::max<std::uint64_t>(found, counters[j * row + m + at].load(std::memory_order_relaxed));
      }
      progress(at, done, found);
    };
  const std::vector<IsolatedOutcome> outcomes = run_isolated(workers, limits);

  // parts[k]: every worker's result of scenario k.
  std::vector<std::vector<report::ScenarioResult>> parts(work.size());
  for (std::size_t j = 0; j < n; ++j) {
    const IsolatedOutcome& out = outcomes[j];
    bool reported = false;
    for (const Frame& frame : out.frames) {
      if (frame.type == 'X') throw std::runtime_error("job " + std::to_string(j) + " failed: " + frame.payload);
      if (frame.type != 'R') continue;
      std::istringstream in(frame.payload);
      report::RunReport part = report::read_json(in);
      if (part.scenarios.size() != work.size()) throw std::runtime_error("job " + std::to_string(j) + " sent a malformed result");
      for (std::size_t k = 0; k < work.size(); ++k) parts[k].push_back(std::move(part.scenarios[k]));
      reported = true;
    }
    if (reported) continue;
    // Killed (the deadline, or an interrupt it did not answer in time) or
    // died in harness code: its slices are missing from the results.
    const std::string why =
        out.end == IsolatedOutcome::End::killed && out.reason == IsolatedOutcome::KillReason::interrupted
            ? "interrupted by " + signal_name(interrupt_signal())
        : out.end == IsolatedOutcome::End::killed ? "the time budget was spent"
        : out.end == IsolatedOutcome::End::signaled ? "job " + std::to_string(j) + " was killed by " + signal_description(out.signal)
                                                    : "job " + std::to_string(j) + " ended without its results";
    for (std::size_t k = 0; k < work.size(); ++k) {
      report::ScenarioResult lost = empty_result(*work[k].info, work[k].params);
      lost.complete = false;
      lost.incomplete_reason = why + " (the executions of job " + std::to_string(j) + " of " + std::to_string(n) +
                               " are not in this result)";
      parts[k].push_back(std::move(lost));
    }
  }
  std::vector<report::ScenarioResult> results;
  for (auto& p : parts) results.push_back(merge_slices(std::move(p)));
  return results;
}

}  // namespace tangle::detail
