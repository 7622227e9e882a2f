// Stacks and context switches for the controlled engine's fibers.
//
// A switch is boost.context's jump_fcontext: a handful of register moves in
// user space (~6 ns here), against ~1.3 µs for swapcontext (it makes a
// sigprocmask syscall) and ~4 µs for an OS-thread hand-off. We use the
// fcontext layer directly, as folly/fibers does, rather than
// boost::context::fiber: a fresh context on a reused stack is then one
// make_fcontext (no allocation, no extra switch), and a finished fiber simply
// never resumes — its stack is reused by the next execution.
//
// Stacks are mmap'ed once per engine with a PROT_NONE guard page below each
// (an overflow faults instead of corrupting a neighbour) and reused for every
// execution; untouched pages cost no memory.
//
// Under ThreadSanitizer every switch is announced with __tsan_switch_to_fiber
// so TSan keeps one shadow stack and clock per fiber.
//
// On x86-64 the jump itself is ours (fiber_stacks.cpp): boost's
// jump_fcontext minus saving and restoring the MXCSR and x87 control words
// (stmxcsr, fnstcw, ldmxcsr, fldcw). perf put ~85% of a switch's cycles on
// those four instructions, 12% of a whole counter/locked execution. The
// frame layout is boost's, so boost's make_fcontext still creates the
// contexts. Cost of the shortcut: fibers share one floating-point
// environment, so a scenario thread that changes the rounding mode changes
// it for the others too (real threads would each keep their own).
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <cstddef>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#define TANGLE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TANGLE_UNDER_TSAN 1
#endif
#endif

#ifdef TANGLE_UNDER_TSAN
extern "C" void __tsan_switch_to_fiber(void* fiber, unsigned flags);
#endif

namespace tangle::detail {

using Context = boost::context::detail::fcontext_t;
using Transfer = boost::context::detail::transfer_t;

#if defined(__x86_64__) && defined(__ELF__)
#define TANGLE_OWN_JUMP 1
extern "C" Transfer tangle_jump_fcontext(Context to, void* data);
#endif

class FiberStacks {
 public:
  explicit FiberStacks(std::size_t stack_size = 256 * 1024);
  ~FiberStacks();
  FiberStacks(const FiberStacks&) = delete;
  FiberStacks& operator=(const FiberStacks&) = delete;

  // Makes sure `count` stacks exist; returns a fresh context on stack `i`
  // that starts in `entry` at its first jump.
  void reserve(int count);
  Context make(int i, void (*entry)(Transfer));

  // TSan fiber handles: main is the OS thread's own; slot i belongs to stack i.
  // No-ops without TSan.
  void tsan_begin_execution(int count);
  void tsan_end_execution(int count);
  // The TSan fiber to announce before switching to `slot` (main: -1). Inline:
  // it sits on every switch.
  void* tsan_fiber([[maybe_unused]] int slot) const {
#ifdef TANGLE_UNDER_TSAN
    return slot < 0 ? tsan_main_ : tsan_fibers_[static_cast<std::size_t>(slot)];
#else
    return nullptr;
#endif
  }

 private:
  std::size_t size_;
  std::size_t page_;
  std::vector<char*> stacks_;  // base of each mapping (guard page first)
  std::vector<void*> tsan_fibers_;
  void* tsan_main_ = nullptr;
};

// Switches to `to`, announcing the switch to TSan first. The announcement and
// the jump must sit in one function: TSan pairs each function's entry and exit
// on the fiber current at the time, so an instrumented call returning after
// the announcement would pop the new fiber's shadow stack (an underflow).
inline Transfer switch_fiber([[maybe_unused]] void* tsan_fiber, Context to, void* data) {
#ifdef TANGLE_UNDER_TSAN
  // Flag 0: the switch synchronizes, so TSan checks the harness's own code
  // without reporting the scenario's deliberate races between fibers.
  __tsan_switch_to_fiber(tsan_fiber, 0);
#endif
#ifdef TANGLE_OWN_JUMP
  return tangle_jump_fcontext(to, data);
#else
  return boost::context::detail::jump_fcontext(to, data);
#endif
}

}  // namespace tangle::detail
