// LockInfo: the compile-time description every lock strategy publishes as
// `static constexpr LockInfo info`. The benchmark, the tests and the scenarios read
// it to name the strategy and to decide which workloads apply.
#pragma once

#include <string_view>

namespace tangle::locks {

enum class LockKind {
  exclusive,      // lock() / unlock() / try_lock()
  reader_writer,  // additionally lock_shared() / unlock_shared() / try_lock_shared()
};

struct LockInfo {
  std::string_view name;     // short, stable: used in benchmark and scenario names
  LockKind kind = LockKind::exclusive;
  bool correct = true;       // false only for the deliberately broken lock
  bool instrumented = true;  // false: built on std primitives the Atomic parameter
                             // does not reach (baselines); tangle cannot schedule it
  std::string_view summary;  // one line for reports: algorithm, cost, fairness
};

}  // namespace tangle::locks
