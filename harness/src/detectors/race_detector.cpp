#include "detectors/race_detector.hpp"

namespace tangle::detail {

void RaceDetector::reset(int threads) {
  n_ = static_cast<std::size_t>(threads);
  clocks_.assign(n_ * n_, 0);
  for (std::size_t t = 0; t < n_; ++t) clocks_[t * n_ + t] = 1;
  vars_.clear();
  reads_.clear();
  read_access_.clear();
}

int RaceDetector::add_sync() {
  const std::size_t first = clocks_.size();
  clocks_.resize(first + n_, 0);
  return static_cast<int>(first / n_);  // sync clocks follow the n_ thread clocks
}

int RaceDetector::add_variable() {
  Variable v;
  v.reads = reads_.size();
  reads_.resize(reads_.size() + n_, 0);
  read_access_.resize(read_access_.size() + n_);
  vars_.push_back(v);
  return static_cast<int>(vars_.size() - 1);
}

void RaceDetector::acquire(int thread, int sync) {
  std::uint32_t* c = thread_clock(thread);
  const std::uint32_t* s = thread_clock(sync);
  for (std::size_t i = 0; i < n_; ++i)
    if (s[i] > c[i]) c[i] = s[i];
}

void RaceDetector::release(int thread, int sync) {
  std::uint32_t* c = thread_clock(thread);
  std::uint32_t* s = thread_clock(sync);
  for (std::size_t i = 0; i < n_; ++i)
    if (c[i] > s[i]) s[i] = c[i];
  ++c[thread];  // later events of this thread are not covered by this release
}

std::optional<RaceDetector::Race> RaceDetector::read(int thread, int var,
                                                     tangle::Loc loc,
                                                     std::uint64_t event) {
  Variable& v = vars_[var];
  const std::uint32_t* c = thread_clock(thread);
  const Access now{thread, false, loc, event};
  std::optional<Race> race;
  // Write-read race: the last write is not ordered before this read.
  if (v.last_write.thread >= 0 && v.last_write.thread != thread &&
      v.write_clock > c[v.last_write.thread])
    race = Race{v.last_write, now};
  reads_[v.reads + thread] = c[thread];
  read_access_[v.reads + thread] = now;
  return race;
}

std::optional<RaceDetector::Race> RaceDetector::write(int thread, int var,
                                                      tangle::Loc loc,
                                                      std::uint64_t event) {
  Variable& v = vars_[var];
  const std::uint32_t* c = thread_clock(thread);
  const Access now{thread, true, loc, event};
  std::optional<Race> race;
  // Write-write race.
  if (v.last_write.thread >= 0 && v.last_write.thread != thread &&
      v.write_clock > c[v.last_write.thread])
    race = Race{v.last_write, now};
  // Read-write races: any other thread's last read not ordered before us.
  for (std::size_t u = 0; u < n_ && !race; ++u)
    if (static_cast<int>(u) != thread && reads_[v.reads + u] > c[u])
      race = Race{read_access_[v.reads + u], now};
  v.last_write = now;
  v.write_clock = c[thread];
  for (std::size_t u = 0; u < n_; ++u) reads_[v.reads + u] = 0;
  return race;
}

}  // namespace tangle::detail
