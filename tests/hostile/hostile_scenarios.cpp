// Hostile scenarios: code under test that misbehaves the way real code does —
// crashes, exits, spins without a tangle operation, throws what is not a
// std::exception, stops its own process. Each misbehaves only under some
// interleavings (thread 1 runs before thread 0 published `flag`), so a run
// must name the exact execution and schedule that did it, and its replay
// must do it again. Registered only in the binaries built from this folder
// (tangle-hostile, the hostile tests); never part of `tangle list`.
//
// The isolation contract (DESIGN.md §2): every one of these is a finding of
// its scenario — `crash`, or `hang` for the spin — never the end of the run.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "tangle/tangle.hpp"

namespace {

// The common shape: thread 0 publishes a flag; thread 1 misbehaves when it
// looks first. Both orders happen under every strategy.
class Hostile : public tangle::Scenario {
 public:
  explicit Hostile(const tangle::Params&) {}
  void thread(int index) override {
    if (index == 0) {
      flag_.store(1);
      return;
    }
    if (flag_.load() == 0) misbehave();
  }

 protected:
  virtual void misbehave() = 0;
  tangle::Atomic<int> flag_{0, "flag"};
  tangle::Mutex lock_{"lock"};
};

#define TANGLE_HOSTILE(Class, name, kind, body)                          \
  class Class final : public Hostile {                                   \
   public:                                                               \
    using Hostile::Hostile;                                              \
    void misbehave() override body                                       \
  };                                                                     \
  TANGLE_SCENARIO(Class, name)->fixed_threads(2)->expect({tangle::Kind::kind})

TANGLE_HOSTILE(NullWrite, "hostile/null-write", crash, {
  volatile int* volatile p = nullptr;
  *p = 42;
});

TANGLE_HOSTILE(Abort, "hostile/abort", crash, { std::abort(); });

TANGLE_HOSTILE(Terminate, "hostile/terminate", crash, { std::terminate(); });

TANGLE_HOSTILE(ExitZero, "hostile/exit-0", crash, { std::exit(0); });

TANGLE_HOSTILE(UnderscoreExit, "hostile/_exit-0", crash, { ::_exit(0); });

TANGLE_HOSTILE(QuickExit, "hostile/quick-exit", crash, { std::quick_exit(0); });

// Integer division by zero (not 1/x, which GCC computes without dividing).
TANGLE_HOSTILE(DivideByZero, "hostile/sigfpe", crash, {
  volatile int zero = 0;
  volatile int seven = 7;
  volatile int x = seven / zero;
  (void)x;
});

TANGLE_HOSTILE(StopSelf, "hostile/sigstop", crash, { ::raise(SIGSTOP); });

// Holds a lock, then spins on plain memory: no tangle operation ever again.
TANGLE_HOSTILE(SpinWithoutOperations, "hostile/spin-no-ops", hang, {
  lock_.lock();
  volatile bool forever = true;
  while (forever) {
  }
});

// A thread tangle does not control touches an instrumented primitive.
TANGLE_HOSTILE(RawThread, "hostile/raw-std-thread", crash, {
  std::thread([this] { lock_.lock(); }).join();
});

TANGLE_HOSTILE(ThrowsInt, "hostile/throws-int", crash, { throw 42; });

// Unbounded recursion on the scenario thread's stack (a fiber's, on the
// controlled engine): the guard page, then SIGSEGV on the alternate stack.
[[gnu::noinline]] int recurse(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  return recurse(depth + 1) + frame[0];
}
TANGLE_HOSTILE(StackOverflow, "hostile/stack-overflow", crash, { (void)recurse(0); });

// check() throws something that is not a std::exception, on the executions
// where thread 1 looked first.
class CheckThrowsString final : public tangle::Scenario {
 public:
  explicit CheckThrowsString(const tangle::Params&) {}
  void thread(int index) override {
    if (index == 0) flag_.store(1);
    else seen_first_ = flag_.load() == 0;
  }
  void check() override {
    if (seen_first_) throw std::string("check() threw a std::string");
  }

 private:
  tangle::Atomic<int> flag_{0, "flag"};
  bool seen_first_ = false;
};
TANGLE_SCENARIO(CheckThrowsString, "hostile/check-throws-string")
    ->fixed_threads(2)
    ->expect({tangle::Kind::crash});

// The constructor throws a non-std exception on every execution.
class ConstructorThrows final : public tangle::Scenario {
 public:
  explicit ConstructorThrows(const tangle::Params&) { throw 3.5; }
  void thread(int) override {}
};
TANGLE_SCENARIO(ConstructorThrows, "hostile/ctor-throws-double")
    ->fixed_threads(2)
    ->expect({tangle::Kind::crash});

}  // namespace
