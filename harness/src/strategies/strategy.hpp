// A scheduling strategy: "given the runnable threads, pick one" (the shape of
// folly's DeterministicSchedule and shuttle's Scheduler). One file each.
//
// The engine calls `pick` only at decision points, where two or more threads
// can run; the sequence of picks is the schedule a replay token records.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tangle::detail {

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Starts execution number `index` (0-based) with its own seed.
  virtual void new_execution(std::uint64_t seed, int threads) = 0;
  // `runnable`: the threads that can run, as a bit set (bit t: thread t), at
  // least two bits set. A bit set rather than an array of ids: the engine
  // keeps exactly this mask, so a decision costs no copying. `current`: the
  // thread that was running (-1 when it blocked, finished, or none ran yet).
  // `yielded`: `current` is busy-waiting and asked to let others run.
  virtual int pick(std::uint64_t runnable, int current, bool yielded) = 0;
  // Called after each execution with the number of decisions it made.
  virtual void end_execution(std::uint64_t decisions) { (void)decisions; }
};

// kNthThread[set][r]: the r-th set bit of an 8-bit set.
inline constexpr auto kNthThread = [] {
  std::array<std::array<std::uint8_t, 8>, 256> table{};
  for (unsigned set = 0; set < 256; ++set) {
    unsigned k = 0;
    for (std::uint8_t bit = 0; bit < 8; ++bit)
      if ((set >> bit) & 1) table[set][k++] = bit;
  }
  return table;
}();

// The r-th (0-based) thread of a bit set, counting from thread 0. Threads
// 0-7 by one table load: a loop of r steps exits after a random count, a
// mispredicted branch at every random pick (~15% of a 5-thread execution).
inline int nth_thread(std::uint64_t set, unsigned r) {
  if (set < 256) [[likely]] return kNthThread[set][r];
  for (; r > 0; --r) set &= set - 1;
  return std::countr_zero(set);
}

std::unique_ptr<Strategy> make_random_strategy();
// The largest depth the CLI accepts (--depth). A depth far beyond the k
// decisions of an execution only piles more change points onto the same
// decisions, and every execution draws and sorts d-1 of them.
inline constexpr int kMaxPctDepth = 10000;
// PCT with bug depth `depth` >= 1 (Burckhardt, Kothari, Musuvathi, Nagarakatte,
// "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs",
// ASPLOS 2010).
std::unique_ptr<Strategy> make_pct_strategy(int depth);
// Replays a recorded schedule (replay.cpp). When it does not fit, it goes on
// with the lowest runnable thread and diverged() says so after the execution.
class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<std::uint8_t> schedule) : schedule_(std::move(schedule)) {}
  void new_execution(std::uint64_t seed, int threads) override;
  int pick(std::uint64_t runnable, int current, bool yielded) override;
  bool diverged() const { return !divergence_.empty(); }
  const std::string& divergence() const { return divergence_; }  // the first misfit, in words

 private:
  std::vector<std::uint8_t> schedule_;
  std::size_t next_ = 0;
  std::string divergence_;
};
std::unique_ptr<Strategy> make_replay_strategy(std::vector<std::uint8_t> schedule);

// A replay token whose schedule does not fit this build.
struct ReplayDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace tangle::detail
