// Test-only scenarios for the stress engine and process isolation: each
// misbehaves in a way only a real-thread engine meets. Registered in the
// stress_tests binary only; never part of `tangle list`.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "tangle/tangle.hpp"

namespace {

// Thread 0 spins forever outside any tangle primitive; no watchdog can
// unwind it, only ending its process can.
class SpinForever : public tangle::Scenario {
 public:
  explicit SpinForever(const tangle::Params&) {}
  void thread(int index) override {
    flag_.store(1);
    if (index != 0) return;
    volatile bool forever = true;
    while (forever) {
    }
  }

 private:
  tangle::Atomic<int> flag_{0, "flag"};
};
TANGLE_SCENARIO(SpinForever, "stress-test/spin-forever")
    ->fixed_threads(2)
    ->expect({tangle::Kind::hang});

// Thread 0 waits on an atomic nobody ever sets: operations keep completing
// (no hang), the execution never ends (livelock, after execution_timeout_ms).
class SpinOnAtomic : public tangle::Scenario {
 public:
  explicit SpinOnAtomic(const tangle::Params&) {}
  void thread(int index) override {
    if (index != 0) return;
    while (flag_.load() == 0) tangle::spin_hint(flag_);
  }

 private:
  tangle::Atomic<int> flag_{0, "flag"};
};
TANGLE_SCENARIO(SpinOnAtomic, "stress-test/spin-on-atomic")
    ->fixed_threads(2)
    ->expect({tangle::Kind::livelock});

// Dereferences a null pointer (pointer and pointee volatile, so the compiler
// can neither drop the store nor turn it into a trap instruction): SIGSEGV.
class NullDeref : public tangle::Scenario {
 public:
  explicit NullDeref(const tangle::Params&) {}
  void thread(int index) override {
    flag_.store(1);
    if (index != 1) return;
    volatile int* volatile p = nullptr;
    *p = 42;
  }

 private:
  tangle::Atomic<int> flag_{0, "flag"};
};
TANGLE_SCENARIO(NullDeref, "stress-test/null-deref")
    ->fixed_threads(2)
    ->expect({tangle::Kind::crash});

// Calls std::abort(): SIGABRT.
class CallsAbort : public tangle::Scenario {
 public:
  explicit CallsAbort(const tangle::Params&) {}
  void thread(int index) override {
    flag_.store(1);
    if (index == 0) std::abort();
  }

 private:
  tangle::Atomic<int> flag_{0, "flag"};
};
TANGLE_SCENARIO(CallsAbort, "stress-test/abort")
    ->fixed_threads(2)
    ->expect({tangle::Kind::crash});

// An exception escapes a thread body: a crash found in-process.
class Throws : public tangle::Scenario {
 public:
  explicit Throws(const tangle::Params&) {}
  void thread(int index) override {
    tangle::LockGuard guard(lock_);
    if (index == 1) throw std::runtime_error("boom");
  }

 private:
  tangle::Mutex lock_{"lock"};
};
TANGLE_SCENARIO(Throws, "stress-test/throws")
    ->fixed_threads(2)
    ->expect({tangle::Kind::crash});

// A deadlock on every execution: each thread takes its first lock, both wait
// until the other has one, then each asks for the other's.
class CertainDeadlock : public tangle::Scenario {
 public:
  explicit CertainDeadlock(const tangle::Params&) {}
  void thread(int index) override {
    tangle::Mutex& first = index == 0 ? a_ : b_;
    tangle::Mutex& second = index == 0 ? b_ : a_;
    tangle::LockGuard hold_first(first);
    arrived_.fetch_add(1);
    while (arrived_.load() < 2) tangle::spin_hint(arrived_);
    tangle::LockGuard hold_second(second);
  }

 private:
  tangle::Mutex a_{"A"};
  tangle::Mutex b_{"B"};
  tangle::Atomic<int> arrived_{0, "arrived"};
};
TANGLE_SCENARIO(CertainDeadlock, "stress-test/certain-deadlock")
    ->fixed_threads(2)
    ->expect({tangle::Kind::deadlock, tangle::Kind::lock_order_inversion});

// The certain deadlock, and a third thread that then stops the whole process
// (SIGSTOP): the child's own watchdog cannot answer any more, the parent must
// kill it — and still report the deadlock the child streamed before.
class DeadlockThenWedge : public CertainDeadlock {
 public:
  explicit DeadlockThenWedge(const tangle::Params& p) : CertainDeadlock(p) {}
  void thread(int index) override {
    if (index == 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      ::raise(SIGSTOP);
      return;
    }
    CertainDeadlock::thread(index);
  }
};
TANGLE_SCENARIO(DeadlockThenWedge, "stress-test/deadlock-then-wedge")
    ->fixed_threads(3)
    ->expect({tangle::Kind::deadlock, tangle::Kind::lock_order_inversion, tangle::Kind::hang});

}  // namespace
