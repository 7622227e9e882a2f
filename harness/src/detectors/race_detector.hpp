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

  // Both return true when the access completes a race; `last_race()` then
  // describes it. (A flag, not std::optional<Race>: the common no-race path
  // then copies nothing.)
  bool read(int thread, int var, tangle::Loc loc, std::uint64_t event);
  bool write(int thread, int var, tangle::Loc loc, std::uint64_t event);
  const Race& last_race() const { return race_; }


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
  Race race_;                              // the last race found
};

// The per-operation calls are inline: they sit on every instrumented access.
inline void RaceDetector::acquire(int thread, int sync) {
  std::uint32_t* c = thread_clock(thread);
  const std::uint32_t* s = thread_clock(sync);
  for (std::size_t i = 0; i < n_; ++i)
    if (s[i] > c[i]) c[i] = s[i];
}

inline void RaceDetector::release(int thread, int sync) {
  std::uint32_t* c = thread_clock(thread);
  std::uint32_t* s = thread_clock(sync);
  for (std::size_t i = 0; i < n_; ++i)
    if (c[i] > s[i]) s[i] = c[i];
  ++c[thread];  // later events of this thread are not covered by this release
}

inline bool RaceDetector::read(int thread, int var,
                                                     tangle::Loc loc,
                                                     std::uint64_t event) {
  Variable& v = vars_[var];
  const std::uint32_t* c = thread_clock(thread);
  const Access now{thread, false, loc, event};
  bool race = false;
  // Write-read race: the last write is not ordered before this read.
  if (v.last_write.thread >= 0 && v.last_write.thread != thread &&
      v.write_clock > c[v.last_write.thread])
    race = true, race_ = Race{v.last_write, now};
  reads_[v.reads + thread] = c[thread];
  read_access_[v.reads + thread] = now;
  return race;
}

inline bool RaceDetector::write(int thread, int var,
                                                      tangle::Loc loc,
                                                      std::uint64_t event) {
  Variable& v = vars_[var];
  const std::uint32_t* c = thread_clock(thread);
  const Access now{thread, true, loc, event};
  bool race = false;
  // Write-write race.
  if (v.last_write.thread >= 0 && v.last_write.thread != thread &&
      v.write_clock > c[v.last_write.thread])
    race = true, race_ = Race{v.last_write, now};
  // Read-write races: any other thread's last read not ordered before us.
  for (std::size_t u = 0; u < n_ && !race; ++u)
    if (static_cast<int>(u) != thread && reads_[v.reads + u] > c[u])
      race = true, race_ = Race{read_access_[v.reads + u], now};
  v.last_write = now;
  v.write_clock = c[thread];
  for (std::size_t u = 0; u < n_; ++u) reads_[v.reads + u] = 0;
  return race;
}

}  // namespace tangle::detail
