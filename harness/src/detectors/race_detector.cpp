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

}  // namespace tangle::detail
