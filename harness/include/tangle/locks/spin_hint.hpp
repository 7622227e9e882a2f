// spin_hint: the one call every spin loop in tangle::locks makes per iteration.
//
// Why a free function and not a pause() inside each loop: the same lock source is
// compiled against two atomic types (DESIGN.md §7). For std::atomic this overload is
// a CPU pause — it stops the core from speculating a stream of loads down the loop,
// saves power, and gives the sibling hyperthread the pipeline. The engine adds
//   template <class T> void spin_hint(const tangle::Atomic<T>&);
// in namespace tangle; lock code calls `spin_hint(x)` unqualified, so argument-
// dependent lookup picks that overload at instantiation time and every spin
// iteration becomes a yield point of the deterministic scheduler (the folly
// DeterministicSchedule idea). A spin loop without spin_hint would, under the
// controlled engine, spin forever on a value no other thread can change.
#pragma once

#include <atomic>

namespace tangle {

template <class T>
inline void spin_hint(const std::atomic<T>&) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace tangle
