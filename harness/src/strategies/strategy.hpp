// Strategy v2: who runs next, and which way a data choice goes (the shape of
// shuttle's `Scheduler`: new_execution / next_task / next_u64). One file per
// strategy; the engine builds a Decision at every point where two or more
// threads can run, and records each pick and each data choice in the
// execution's schedule, which a replay token carries.
//
// Purity (DESIGN.md §2): execution i of a run depends on (scenario, params,
// strategy, seed, i) alone. A strategy therefore must not carry anything from
// one execution into the next that depends on what those executions did
// (PCT's k is fixed per run by calibration, runner.cpp); the engine reseeds
// it with ExecutionStart::seed every time.
//
// Threading: a strategy belongs to one engine; no locking.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/events.hpp"
#include "strategies/thread_set.hpp"

namespace tangle::detail {

struct ExecutionStart {
  std::uint64_t seed = 0;   // mix_seed(run seed, index)
  std::uint64_t index = 0;  // execution number in the run, 0-based
  int threads = 0;          // threads alive at the start (more may be spawned)
};

// One scheduling decision, as the engine sees it. Valid during pick() only.
struct Decision {
  const ThreadSet& runnable;          // two or more threads
  int current = -1;                   // the running thread if it can go on, else -1
  bool yielded = false;               // `current` busy-waits and asks others to run
  std::span<const PendingOp> pending; // by thread id: each runnable thread's next operation
  std::uint64_t index = 0;            // decisions made before this one in the execution
  // Picking `t` preempts the running thread: it could go on and did not ask
  // to yield (preemption bounds count these).
  bool preempts(int t) const { return current >= 0 && !yielded && t != current; }
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Starts an execution. False: the search is over (an exhaustive strategy
  // has explored everything); sampling strategies never end.
  virtual bool new_execution(const ExecutionStart& start) = 0;
  // A member of d.runnable.
  virtual int pick(const Decision& d) = 0;
  // A data choice in [0, n), n >= 2 (simulated loss, a random input).
  virtual std::uint64_t choose(std::uint64_t n) = 0;
  // After each execution, with the number of decisions (picks and choices).
  virtual void end_execution(std::uint64_t decisions) { (void)decisions; }
};

std::unique_ptr<Strategy> make_random_strategy();
// The largest depth the CLI accepts (--depth). A depth far beyond the k
// decisions of an execution only piles more change points onto the same
// decisions, and every execution draws and sorts d-1 of them.
inline constexpr int kMaxPctDepth = 10000;
// PCT with bug depth `depth` >= 1 over `k` expected decisions per execution
// (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
std::unique_ptr<Strategy> make_pct_strategy(int depth, std::uint64_t k = 16);

// Replays a recorded schedule (replay.cpp): entry j answers the j-th pick or
// choice. Strict: a recorded pick that cannot run, or a schedule that ends
// early, is a divergence (diverged() says so after the execution; the
// execution goes on with the lowest runnable thread / choice 0). Lenient: at
// the end of the recording it continues with `fallback` (e.g. random), which
// is how a shrunk or truncated schedule is extended.
class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<std::uint32_t> schedule, std::unique_ptr<Strategy> fallback = nullptr)
      : schedule_(std::move(schedule)), fallback_(std::move(fallback)) {}
  bool new_execution(const ExecutionStart& start) override;
  int pick(const Decision& d) override;
  std::uint64_t choose(std::uint64_t n) override;
  bool diverged() const { return !divergence_.empty(); }
  const std::string& divergence() const { return divergence_; }  // the first misfit, in words

 private:
  std::vector<std::uint32_t> schedule_;
  std::unique_ptr<Strategy> fallback_;
  std::size_t next_ = 0;
  std::string divergence_;
};

// A replay token whose schedule does not fit this build.
struct ReplayDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace tangle::detail
