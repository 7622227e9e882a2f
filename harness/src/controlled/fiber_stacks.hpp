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
// Stacks are mmap'ed once per engine with a PROT_NONE guard (64 KiB) below each
// (an overflow faults instead of corrupting a neighbour) and reused for every
// execution; untouched pages cost no memory.
//
// Under ThreadSanitizer every switch is announced with __tsan_switch_to_fiber
// so TSan keeps one shadow stack and clock per fiber.
//
// On x86-64 (without CET shadow stacks) the switch is ours
// (fiber_stacks.cpp): boost 1.74's jump_fcontext and make_fcontext minus
// saving and restoring the MXCSR and x87 control words (stmxcsr, fnstcw,
// ldmxcsr, fldcw). perf put ~85% of a switch's cycles on those four
// instructions, 12% of a whole counter/locked execution. Both halves are ours
// because the frame layout is private to each boost version (later ones
// changed it); boost still provides the types. Cost of the shortcut: the
// threads of one execution share one floating-point environment, so a
// scenario thread that changes the rounding mode changes it for the others
// too (real threads would each keep their own); the engine restores the
// harness's own after every execution.
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <cstddef>
#include <cstdint>
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

#if defined(__x86_64__) && defined(__ELF__) && !(defined(__CET__) && (__CET__ & 2))
#define TANGLE_OWN_JUMP 1
extern "C" Transfer tangle_jump_fcontext(Context to, void* data);
extern "C" Context tangle_make_fcontext(void* stack_top, std::size_t size, void (*entry)(Transfer));
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
  // The stack whose guard page holds `address`, or -1 (a stack overflow's
  // fault address; async-signal-safe).
  int guard_page_of(const void* address) const noexcept {
    const auto* a = static_cast<const char*>(address);
    for (std::size_t i = 0; i < stacks_.size(); ++i)
      if (a >= stacks_[i] && a < stacks_[i] + page_) return static_cast<int>(i);
    return -1;
  }

  // TSan fiber handles: main is the OS thread's own; slot i belongs to stack i.
  // No-ops without TSan (inline there: no call per execution).
  // tsan_ensure: slots up to `count` have a TSan fiber (a thread started at
  // run time).
#ifdef TANGLE_UNDER_TSAN
  void tsan_begin_execution(int count);
  void tsan_ensure(int count);
  void tsan_end_execution(int count);
#else
  void tsan_begin_execution(int) {}
  void tsan_ensure(int) {}
  void tsan_end_execution(int) {}
#endif
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
  std::size_t page_;  // the guard below each stack (PROT_NONE)
  std::vector<char*> stacks_;  // base of each mapping (guard page first)
  std::vector<void*> tsan_fibers_;
  void* tsan_main_ = nullptr;
};

// Switches to `to`, announcing the switch to TSan first. The announcement and
// the jump must sit in one function: TSan pairs each function's entry and exit
// on the fiber current at the time, so an instrumented call returning after
// the announcement would pop the new fiber's shadow stack (an underflow).
// The floating-point control state our switch leaves alone (see above): the
// engine notes it before an execution and puts it back after, so a scenario
// that changed the rounding mode cannot change the next execution's.
struct FpControl {
  std::uint32_t mxcsr = 0;  // control bits 6-15; bits 0-5 are sticky status flags
  std::uint16_t x87 = 0;
};
inline FpControl fp_control() {
  FpControl c;
#ifdef TANGLE_OWN_JUMP
  asm volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(c.mxcsr), "=m"(c.x87));
#endif
  return c;
}
inline void restore_fp_control([[maybe_unused]] const FpControl& before) {
#ifdef TANGLE_OWN_JUMP
  const FpControl now = fp_control();
  if (((now.mxcsr ^ before.mxcsr) & ~0x3fu) != 0 || now.x87 != before.x87) [[unlikely]] {
    asm volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(before.mxcsr), "m"(before.x87));
  }
#endif
}

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
