// Cost per switch of the controlled engine's two substrates (issue 11, item 2):
//
//   BM_FiberSwitch        two fibers ping-pong with switch_fiber
//                         (tangle_jump_fcontext, fiber_stacks.hpp): the
//                         engine's switch_to minus its bookkeeping
//   BM_Baton/<policy>     two OS threads ping-pong with BatonThreads::pass
//                         (baton.hpp), per wait policy: futex or std::atomic
//                         wait, spinning first or sleeping at once; /pinned:
//                         both threads on one CPU (no cross-CPU wake-up)
//   BM_ThreadCreateJoin   std::thread create + join, for reference: what
//                         one execution would pay per thread without a pool
//
// The counter ns/switch is wall time over switches (two per iteration of a
// ping-pong, one create+join per iteration of the last).
//
//   build/release/bench/substrate_bench
//   build/release/bench/substrate_bench --benchmark_filter=Baton --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <thread>

#include "controlled/baton.hpp"
#include "controlled/fiber_stacks.hpp"

namespace {

using tangle::detail::BatonThreads;
using tangle::detail::Context;
using tangle::detail::FiberStacks;
using tangle::detail::Transfer;
using Clock = std::chrono::steady_clock;

void report(benchmark::State& state, std::uint64_t switches, Clock::duration elapsed) {
  state.counters["ns/switch"] =
      std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(switches);
}

// ---------------------------------------------------------------------------
// Fibers: main -> A; A runs the benchmark loop, each iteration A -> B -> A;
// then A -> main. B never finishes (its stack is simply dropped).

struct FiberPing {
  benchmark::State* state = nullptr;
  Context main = nullptr, a = nullptr, b = nullptr;
  Clock::duration elapsed{};
  std::uint64_t switches = 0;
};

void fiber_b(Transfer t) {
  auto* p = static_cast<FiberPing*>(t.data);
  p->a = t.fctx;
  for (;;) {
    Transfer back = tangle::detail::switch_fiber(nullptr, p->a, p);
    p->a = back.fctx;
  }
}

void fiber_a(Transfer t) {
  auto* p = static_cast<FiberPing*>(t.data);
  p->main = t.fctx;
  const auto start = Clock::now();
  for (auto _ : *p->state) {
    Transfer back = tangle::detail::switch_fiber(nullptr, p->b, p);
    p->b = back.fctx;
    p->switches += 2;
  }
  p->elapsed = Clock::now() - start;
  tangle::detail::switch_fiber(nullptr, p->main, p);
  __builtin_unreachable();
}

void BM_FiberSwitch(benchmark::State& state) {
  FiberStacks stacks;
  stacks.reserve(2);
  FiberPing p;
  p.state = &state;
  p.a = stacks.make(0, &fiber_a);
  p.b = stacks.make(1, &fiber_b);
  tangle::detail::switch_fiber(nullptr, p.a, &p);  // back when A's loop is done
  report(state, p.switches, p.elapsed);
}
BENCHMARK(BM_FiberSwitch);

// ---------------------------------------------------------------------------
// Baton: thread 0 runs the loop, each iteration 0 -> 1 -> 0.

struct BatonPing {
  benchmark::State* state = nullptr;
  BatonThreads* baton = nullptr;
  bool pinned = false;
  bool stop = false;
  Clock::duration elapsed{};
  std::uint64_t switches = 0;
};

void pin_to_cpu0() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}

void baton_0(void* arg, int) {
  auto* p = static_cast<BatonPing*>(arg);
  if (p->pinned) pin_to_cpu0();
  p->baton->pass(0, 1);  // let thread 1 pin itself before the clock starts
  const auto start = Clock::now();
  for (auto _ : *p->state) {
    p->baton->pass(0, 1);
    p->switches += 2;
  }
  p->elapsed = Clock::now() - start;
  p->stop = true;
  p->baton->finish(0, 1);
}

void baton_1(void* arg, int) {
  auto* p = static_cast<BatonPing*>(arg);
  if (p->pinned) pin_to_cpu0();
  while (!p->stop) p->baton->pass(1, 0);
  p->baton->finish(1, -1);
}

void BM_Baton(benchmark::State& state, BatonThreads::Options options, bool pinned) {
  BatonThreads baton(options);
  BatonPing p;
  p.state = &state;
  p.baton = &baton;
  p.pinned = pinned;
  baton.start(0, &baton_0, &p);
  baton.start(1, &baton_1, &p);
  baton.pass(-1, 0);
  report(state, p.switches, p.elapsed);
}
using Wait = BatonThreads::Wait;
BatonThreads::Options baton_policy(Wait wait, int spin) {
  BatonThreads::Options o;
  o.wait = wait;
  o.spin = spin;
  return o;
}
BENCHMARK_CAPTURE(BM_Baton, futex_spin0, baton_policy(Wait::futex, 0), false)->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, futex_spin50, baton_policy(Wait::futex, 50), false)->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, futex_spin200, baton_policy(Wait::futex, 200), false)->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, futex_spin2000, baton_policy(Wait::futex, 2000), false)->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, atomic_wait_spin0, baton_policy(Wait::atomic_wait, 0), false)->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, atomic_wait_spin200, baton_policy(Wait::atomic_wait, 200), false)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, futex_spin0_pinned, baton_policy(Wait::futex, 0), true)->UseRealTime();
BENCHMARK_CAPTURE(BM_Baton, atomic_wait_spin0_pinned, baton_policy(Wait::atomic_wait, 0), true)
    ->UseRealTime();

// ---------------------------------------------------------------------------
// Reference: one OS thread per scenario thread per execution.

void BM_ThreadCreateJoin(benchmark::State& state) {
  std::uint64_t n = 0;
  const auto start = Clock::now();
  for (auto _ : state) {
    std::thread t([] {});
    t.join();
    ++n;
  }
  report(state, n, Clock::now() - start);
}
BENCHMARK(BM_ThreadCreateJoin)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
