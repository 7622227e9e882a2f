// RawCounter: two threads bump a plain int that tangle sees only through
// Runtime::memory_access, optionally under a mutex known only by its address
// (Runtime::object_at) — what a pthread interposer and compiler
// instrumentation feed the engines. Shared by the controlled-engine tests
// (address_objects_test.cpp) and the stress-engine ones.
#pragma once

#include "tangle/tangle.hpp"

namespace tangle::detail {

inline Runtime& rt() { return current_runtime(); }

// Two threads bump a plain int through memory_access, with or without a
// lock that exists only as an address (like a PTHREAD_MUTEX_INITIALIZER).
template <bool Locked>
struct RawCounter : Scenario {
  explicit RawCounter(const Params&) {}
  int counter = 0;          // plain memory: no tangle handle
  char lock_storage[40]{};  // a pthread_mutex_t's bytes, never constructed through tangle
  void thread(int) override {
    for (int i = 0; i < 2; ++i) {
      ObjectId m = 0;
      if (Locked) {
        m = rt().object_at(lock_storage, ObjectKind::mutex, Loc::current());
        rt().mutex_lock(m, Loc::current());
      }
      rt().memory_access(&counter, sizeof counter, false, Loc::current());
      const int v = counter;
      rt().memory_access(&counter, sizeof counter, true, Loc::current());
      counter = v + 1;
      if (Locked) rt().mutex_unlock(m, Loc::current());
    }
  }
  void check() override { tangle::check(counter == 4, "lost update on a plain int"); }
};

}  // namespace tangle::detail
