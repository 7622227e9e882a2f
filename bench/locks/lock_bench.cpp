// lock_bench — every strategy in tangle::locks::AllLocks under four workloads, plus
// the physical floor (one uncontended atomic RMW) and each lock's uncontended cost.
//
//   floor/<op>                     one uncontended atomic operation
//   uncontended/<lock>             lock()+unlock(), one thread, no contention
//   uncontended-shared/<lock>      lock_shared()+unlock_shared() (reader-writer locks)
//   short/<lock>/…/threads:N       critical section = increment a shared counter
//   long/<lock>/…/threads:N        critical section = ~300 ns of dependent arithmetic
//   handoff/<lock>/…/threads:N     producer/consumer through a lock-protected ring
//   read-mostly/<lock>/…/threads:N 7 of 8 operations read a shared table (shared mode
//                                  for reader-writer locks, exclusive otherwise)
// N runs 1, 2, 4, … up to 2 × hardware threads (oversubscription is where spin locks
// and queue locks fall apart, so it is in range on purpose).
//
// Contended runs are one iteration of a fixed time window (--window_ms=N, default
// 100; see contended() for why), reported as manual time.
//
// User counters (contended workloads):
//   acq_per_s   lock acquisitions per second, all threads together
//   items_per_s handoff only: items moved producer -> consumer per second
//   fairness    Jain's index over per-thread acquisition counts in the window:
//               1 = equal shares, 1/N = one thread got everything
//   p50_ns, p99_ns  lock() latency, sampled on every 64th acquisition per thread
//
// Why the sampled TSC clock: steady_clock::now() costs ~20 ns through the vDSO, which
// would dominate the ~10 ns being measured. rdtsc is ~7 ns on this class of CPU, and
// sampling 1/64 of acquisitions keeps even that out of the throughput numbers.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "tangle/locks/all.hpp"

namespace {

namespace tl = tangle::locks;

// ---- Clock ---------------------------------------------------------------------------
inline std::uint64_t now_ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// Nanoseconds per tick, measured once against steady_clock (invariant TSC assumed,
// which every x86 CPU of the last decade has: cpuinfo flag constant_tsc).
double ns_per_tick() {
#if defined(__x86_64__) || defined(__i386__)
  static const double value = [] {
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t c0 = now_ticks();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto t1 = std::chrono::steady_clock::now();
    std::uint64_t c1 = now_ticks();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() /
           static_cast<double>(c1 - c0);
  }();
  return value;
#else
  return 1.0;
#endif
}

// Smallest non-zero step of now_ticks(), in ns. Under some hypervisors the TSC
// advances in coarse steps; latencies at this value mean "below resolution".
double clock_step_ns() {
  std::uint64_t best = UINT64_MAX;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t a = now_ticks();
    std::uint64_t b = now_ticks();
    while (b == a) b = now_ticks();
    best = std::min(best, b - a);
  }
  return static_cast<double>(best) * ns_per_tick();
}

// ---- Work inside the long critical section -------------------------------------------
// A dependent multiply-add chain: cannot be vectorised or overlapped, touches no
// memory, so its duration does not depend on the lock's cache traffic.
inline std::uint64_t busy_work(std::uint64_t x, int n) noexcept {
  for (int i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    benchmark::DoNotOptimize(x);
  }
  return x;
}

constexpr double kLongCriticalSectionNs = 300.0;

int long_work_iterations() {
  static const int value = [] {
    constexpr int kProbe = 1 << 20;
    auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(busy_work(1, kProbe));
    auto t1 = std::chrono::steady_clock::now();
    double ns_per_iter = std::chrono::duration<double, std::nano>(t1 - t0).count() / kProbe;
    return std::max(1, static_cast<int>(kLongCriticalSectionNs / ns_per_iter));
  }();
  return value;
}

// ---- Shared state of one contended benchmark ----------------------------------------
constexpr int kMaxThreads = 256;
constexpr std::uint64_t kSampleMask = 63;  // sample 1 in 64 acquisitions
constexpr std::uint64_t kClockMask = 63;   // look at the clock every 64 acquisitions
constexpr std::size_t kRing = 64;
constexpr int kTable = 16;

// Length of one contended measurement (--window_ms=N, default 100).
double g_window_ms = 100.0;

// Latency samples per thread: a ring, so a long window keeps its most recent
// kMaxSamples samples instead of only its beginning.
constexpr std::size_t kMaxSamples = std::size_t{1} << 18;

struct alignas(64) ThreadSlot {
  std::uint64_t acquisitions = 0;
  std::uint64_t sampled = 0;           // samples taken (may exceed kMaxSamples)
  std::vector<std::uint32_t> samples;  // lock() latency in ticks, ring of kMaxSamples
};

template <class Lock>
struct Shared {
  alignas(64) Lock lock;
  alignas(64) std::uint64_t counter = 0;      // guarded by lock
  std::array<std::uint64_t, kTable> table{};  // guarded by lock (read-mostly)
  std::array<std::uint64_t, kRing> ring{};    // guarded by lock (handoff)
  std::size_t head = 0, count = 0;
  alignas(64) std::atomic<bool> stop{false};
  std::uint64_t deadline = 0;  // in ticks; written by thread 0 before the start barrier
  std::array<ThreadSlot, kMaxThreads> slots;
};

enum class Workload { short_cs, long_cs, handoff, read_mostly };

double jain_index(const std::vector<double>& x) {
  double sum = 0, sum_sq = 0;
  for (double v : x) {
    sum += v;
    sum_sq += v * v;
  }
  return sum_sq == 0 ? 1.0 : (sum * sum) / (static_cast<double>(x.size()) * sum_sq);
}

template <class Lock>
inline void lock_for(Lock& l, bool shared) {
  if constexpr (tl::ReaderWriterLock<Lock>) {
    if (shared) return l.lock_shared();
  }
  (void)shared;
  l.lock();
}
template <class Lock>
inline void unlock_for(Lock& l, bool shared) {
  if constexpr (tl::ReaderWriterLock<Lock>) {
    if (shared) return l.unlock_shared();
  }
  (void)shared;
  l.unlock();
}

// One contended measurement = exactly one benchmark iteration in which every thread
// acquires the lock in a loop until a shared deadline (--window_ms). Why not let
// Google Benchmark pick the iteration count: (1) it gives every thread the same
// count, which makes per-thread fairness unmeasurable; (2) FIFO locks under
// oversubscription convoy — cost per acquisition jumps from ns to ms once a queued
// waiter is preempted — and the iteration estimate, taken on a short run before the
// convoy formed, then asks for minutes. A fixed window bounds every run's time and
// lets each thread's share fall where the lock puts it.
template <class Lock, Workload W>
void contended(benchmark::State& state) {
  // One Shared per (lock, workload), reused across runs. Thread 0 resets it before
  // the loop's start barrier; other threads touch it only after that barrier.
  static Shared<Lock> s;
  const int tid = state.thread_index();
  const int nthreads = state.threads();
  if (tid == 0) {
    s.counter = 0;
    s.head = s.count = 0;
    s.stop.store(false, std::memory_order_relaxed);
    s.deadline = 0;
    for (int t = 0; t < nthreads; ++t) {
      s.slots[t].acquisitions = 0;
      s.slots[t].sampled = 0;
      s.slots[t].samples.resize(kMaxSamples);
    }
  }
  const int work = W == Workload::long_cs ? long_work_iterations() : 0;
  // Handoff roles: with one thread it alternates; otherwise even ids produce, odd
  // ids consume.
  const bool alone = nthreads == 1;
  const bool producer = tid % 2 == 0;
  const std::uint64_t window_ticks =
      static_cast<std::uint64_t>(g_window_ms * 1e6 / ns_per_tick());

  std::uint64_t n = 0, items = 0;
  double elapsed_s = 0;
  for (auto _ : state) {
    ThreadSlot& slot = s.slots[tid];
    const std::uint64_t start = now_ticks();
    const std::uint64_t deadline = start + window_ticks;  // each thread's own view
    while (!s.stop.load(std::memory_order_relaxed)) {
      const bool shared_mode = W == Workload::read_mostly && ((n + tid) & 7) != 0;
      const bool sample = (n & kSampleMask) == 0;
      const std::uint64_t t0 = sample ? now_ticks() : 0;
      lock_for(s.lock, shared_mode);
      if (sample) {
        slot.samples[slot.sampled++ % kMaxSamples] =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(now_ticks() - t0, UINT32_MAX));
      }
      switch (W) {
        case Workload::short_cs:
          ++s.counter;
          break;
        case Workload::long_cs:
          s.counter = busy_work(s.counter, work);
          break;
        case Workload::handoff: {
          const bool push = alone ? (n % 2 == 0) : producer;
          if (push) {
            if (s.count < kRing) s.ring[(s.head + s.count++) % kRing] = n;
          } else if (s.count > 0) {
            benchmark::DoNotOptimize(s.ring[s.head]);
            s.head = (s.head + 1) % kRing;
            --s.count;
            ++items;
          }
          break;
        }
        case Workload::read_mostly:
          if (shared_mode) {
            std::uint64_t sum = 0;
            for (auto v : s.table) sum += v;
            benchmark::DoNotOptimize(sum);
          } else {
            for (auto& v : s.table) ++v;
          }
          break;
      }
      unlock_for(s.lock, shared_mode);
      ++n;
      // Any thread may end the window: a starved thread cannot look at the clock.
      if ((n & kClockMask) == 0 && now_ticks() >= deadline) {
        s.stop.store(true, std::memory_order_relaxed);
      }
    }
    slot.acquisitions = n;
    elapsed_s = static_cast<double>(now_ticks() - start) * ns_per_tick() * 1e-9;
    state.SetIterationTime(elapsed_s);
  }
  // After the loop's end barrier every thread's slot is final. Counters are summed
  // over threads; rates divide by the (thread-averaged) manual time = the window.
  state.counters["acq_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  if (W == Workload::handoff) {
    state.counters["items_per_s"] =
        benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
  }
  if (tid == 0) {
    std::vector<double> shares;
    std::vector<std::uint32_t> all;
    for (int t = 0; t < nthreads; ++t) {
      shares.push_back(static_cast<double>(s.slots[t].acquisitions));
      const auto kept = static_cast<std::ptrdiff_t>(
          std::min<std::uint64_t>(s.slots[t].sampled, kMaxSamples));
      all.insert(all.end(), s.slots[t].samples.begin(), s.slots[t].samples.begin() + kept);
    }
    // Set by thread 0 only: a key present in one thread keeps its value when
    // Google Benchmark sums the threads' counters.
    state.counters["fairness"] = jain_index(shares);
    if (!all.empty()) {
      auto pct = [&](double q) {
        std::size_t k = static_cast<std::size_t>(q * static_cast<double>(all.size() - 1));
        std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
        return static_cast<double>(all[k]) * ns_per_tick();
      };
      state.counters["p50_ns"] = pct(0.50);
      state.counters["p99_ns"] = pct(0.99);
    }
    if (W == Workload::long_cs) {
      state.counters["cs_ns"] = kLongCriticalSectionNs;
    }
    state.SetLabel(std::string(Lock::info.summary));
  }
}

template <class Lock>
void uncontended(benchmark::State& state) {
  Lock lock;
  for (auto _ : state) {
    lock.lock();
    benchmark::ClobberMemory();
    lock.unlock();
  }
  state.SetLabel(std::string(Lock::info.summary));
}

template <class Lock>
void uncontended_shared(benchmark::State& state) {
  Lock lock;
  for (auto _ : state) {
    lock.lock_shared();
    benchmark::ClobberMemory();
    lock.unlock_shared();
  }
}

void floor_fetch_add(benchmark::State& state) {
  std::atomic<std::uint64_t> x{0};
  for (auto _ : state) x.fetch_add(1, std::memory_order_acq_rel);
  benchmark::DoNotOptimize(x.load());
  state.SetLabel("one uncontended lock xadd: the cost floor of any lock");
}

void floor_exchange_store(benchmark::State& state) {
  std::atomic<int> x{0};
  for (auto _ : state) {
    benchmark::DoNotOptimize(x.exchange(1, std::memory_order_acquire));
    x.store(0, std::memory_order_release);
  }
  state.SetLabel("exchange + release store: a TAS lock with nothing around it");
}

void register_all() {
  const int hw = std::max(1u, std::thread::hardware_concurrency());
  const int max_threads = std::min(kMaxThreads, 2 * hw);

  benchmark::RegisterBenchmark("floor/atomic-fetch-add", floor_fetch_add);
  benchmark::RegisterBenchmark("floor/exchange+store", floor_exchange_store);

  tl::for_each_lock([&]<template <template <class> class> class L>() {
    using Lock = L<std::atomic>;
    if constexpr (Lock::info.correct) {  // the broken lock would race on the counter
      const std::string name{Lock::info.name};
      benchmark::RegisterBenchmark(("uncontended/" + name).c_str(), uncontended<Lock>);
      if constexpr (tl::ReaderWriterLock<Lock>) {
        benchmark::RegisterBenchmark(("uncontended-shared/" + name).c_str(),
                                     uncontended_shared<Lock>);
      }
    }
  });

  auto add = [&]<template <template <class> class> class L, Workload W>(const char* wl) {
    using Lock = L<std::atomic>;
    if constexpr (Lock::info.correct) {
      benchmark::RegisterBenchmark((std::string(wl) + "/" + std::string(Lock::info.name)).c_str(),
                                   contended<Lock, W>)
          ->ThreadRange(1, max_threads)
          ->Iterations(1)
          ->UseManualTime();
    }
  };
  tl::for_each_lock([&]<template <template <class> class> class L>() {
    add.template operator()<L, Workload::short_cs>("short");
  });
  tl::for_each_lock([&]<template <template <class> class> class L>() {
    add.template operator()<L, Workload::long_cs>("long");
  });
  tl::for_each_lock([&]<template <template <class> class> class L>() {
    add.template operator()<L, Workload::handoff>("handoff");
  });
  tl::for_each_lock([&]<template <template <class> class> class L>() {
    add.template operator()<L, Workload::read_mostly>("read-mostly");
  });
}

}  // namespace

int main(int argc, char** argv) {
  // Our one flag, removed before Google Benchmark parses the rest.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--window_ms=", 0) == 0) {
      g_window_ms = std::stod(std::string(a.substr(12)));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ns_per_tick();           // calibrate before any timed run
  long_work_iterations();
  benchmark::AddCustomContext("long_cs_target_ns", std::to_string(kLongCriticalSectionNs));
  benchmark::AddCustomContext("long_cs_work_iterations", std::to_string(long_work_iterations()));
  benchmark::AddCustomContext("latency_sampling", "1 in 64 acquisitions, rdtsc");
  benchmark::AddCustomContext("window_ms", std::to_string(g_window_ms));
  benchmark::AddCustomContext("tsc_resolution_ns", std::to_string(clock_step_ns()));
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
