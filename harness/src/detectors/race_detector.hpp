// Data-race detector: happens-before by vector clocks (Lamport 1978; Mattern
// 1989), with FastTrack's epoch representation for writes (Flanagan & Freund,
// PLDI 2009).
//
// State: one clock C_t per thread, one clock S per synchronization object
// (mutex, semaphore, event, atomic), and per shared variable the last write as
// an epoch (thread, clock) plus the last read clock of every thread.
//   acquire(t, s):  C_t := C_t ⊔ S
//   release(t, s):  S := S ⊔ C_t; C_t[t] += 1
//   read(t, x):     race if write epoch w@c has c > C_t[w]; then R_x[t] := C_t[t]
//   write(t, x):    race if the write epoch or any R_x[u] (u != t) is not ≤ C_t;
//                   then W_x := t@C_t[t] and R_x := ⊥ (every read ordered before
//                   this write is also ordered before anything after it).
// Reads keep a full per-thread clock instead of FastTrack's adaptive epoch:
// with the few threads of a scenario that costs a few words and keeps the
// code obvious.
//
// Costs, n threads: read O(1), write O(n), acquire/release O(n); reset O(1)
// amortised (vectors keep their capacity across executions).
// Threading: single-threaded; the controlled engine owns one.
#pragma once

#include <cstdint>
#include <optional>
#include "tangle/detail/runtime.hpp"
#include <vector>

namespace tangle::detail {

class RaceDetector {
 public:
  struct Access {
    int thread = -1;
    bool write = false;
    tangle::Loc loc;
    std::uint64_t event = 0;  // the caller's event index, for the report
  };
  struct Race {
    Access earlier;
    Access later;
  };

  // Forgets everything; `threads` threads, each starting at clock 1.
  void reset(int threads);
  int add_sync();
  int add_variable();

  void acquire(int thread, int sync);
  void release(int thread, int sync);

  // Both return the first race the access completes, if any.
  std::optional<Race> read(int thread, int var, tangle::Loc loc, std::uint64_t event);
  std::optional<Race> write(int thread, int var, tangle::Loc loc, std::uint64_t event);

  std::uint32_t clock(int thread, int of) const { return thread_clock(thread)[of]; }

 private:
  struct Variable {
    Access last_write;          // thread -1: only the initial value so far
    std::uint32_t write_clock = 0;
    std::size_t reads = 0;      // offset into reads_ / read_access_
  };
  std::uint32_t* thread_clock(int t) { return &clocks_[static_cast<std::size_t>(t) * n_]; }
  const std::uint32_t* thread_clock(int t) const {
    return &clocks_[static_cast<std::size_t>(t) * n_];
  }

  std::size_t n_ = 0;
  std::vector<std::uint32_t> clocks_;      // thread clocks, then sync clocks, n_ each
  std::vector<Variable> vars_;
  std::vector<std::uint32_t> reads_;       // per variable: n_ read clocks
  std::vector<Access> read_access_;        // per variable: n_ last reads
};

}  // namespace tangle::detail
