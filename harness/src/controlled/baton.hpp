// OS threads passing a baton: the controlled engine's second substrate.
//
// Fibers (fiber_stacks.hpp) share one OS thread, so thread_local variables,
// errno and every library that keeps per-thread state (TLS-using allocators,
// locale, a TSan runtime's thread state) are shared by all scenario threads.
// An unmodified program needs each of its threads to be a real OS thread.
// BatonThreads gives each scenario thread its own OS thread and keeps the
// controlled engine's rule that exactly one runs at a time: a thread runs only
// while it holds the baton, and hands it on explicitly.
//
// Calls map one to one onto the engine's fiber calls, so the engine can pick a
// substrate with one predictable branch per switch:
//   add_thread's stacks_.make(i, …)        -> start(i, entry, arg)
//   switch_to(next)                        -> pass(current, next)
//   thread_body's final switch_fiber(next) -> finish(index, next); return
// Index -1 is the main (engine) context, which is whatever OS thread calls
// pass(-1, …): it need not be a thread this class made.
//
// Hand-off: each OS thread has its own baton word (a cache line). pass(a, b)
// is a release store of `go` into b's word, a wake of b only if b sleeps
// there, then a wait on a's own word; the receiver's acquire load of `go`
// synchronizes-with the store, so everything the sender did happens-before
// everything the receiver does. ThreadSanitizer sees those std::atomic
// operations, so the hand-off is a synchronizing edge for it too (the futex
// syscalls only block and wake; they carry no ordering TSan must know).
// A waiter that sleeps marks its word, so the giver makes the wake syscall
// only then. A waiter may poll its word first (Options::spin) to catch a
// baton that comes straight back without sleeping; by default it does not:
// measured here, the spin window was wasted (see below).
//
// Costs (bench/substrate_bench.cpp, AMD EPYC VM, 2 vCPUs shared with other
// builds, load ~3; medians of 5, two runs; ns per switch, one hand-off):
//   fiber switch (tangle_jump_fcontext)           ~3-4
//   baton, futex, sleep at once (the default)     ~2500-3400
//   baton, std::atomic wait/notify, no spin       ~2600-3700
//   baton, either, both threads pinned to one CPU ~2200-4000
//   baton, futex, spin 50 / 200 / 2000 polls      ~3500-5400 / ~7000-12000 / ~50000-80000
//   std::thread create + join (per thread)        ~60000-220000
// So a baton switch costs ~800 fiber switches: a sleep and a wake-up through
// the kernel's scheduler. The spin cost grows by the whole window (~43 ns per
// pause): the baton practically never came back while the waiter polled — the giver
// needs a CPU to run on, and the polling thread holds one (on a VM, pause
// loops may also exit to the hypervisor). With a CPU idle for each thread a
// short spin might win; Options::spin keeps it measurable. The raw futex is
// the default (Wait::futex): libstdc++'s atomic wait adds its waiter table
// and spin/yield rounds, for 0-10% more (within the noise here).
//
// Pool: with Options::reuse, OS threads are kept across executions: start()
// takes a parked pool thread when one is free and creates one only otherwise,
// so a steady run creates no threads after its first. A thread returns to the
// pool once its entry function has returned (its C++ stack fully unwound).
// But a reused OS thread keeps its thread_local values, errno and TLS from
// its previous scenario thread, so an execution would depend on the ones
// before it. The controlled engine therefore runs without reuse (the
// default): a thread whose entry returned hands the baton on and ends, its
// thread_local destructors running as the OS thread exits (outside the
// baton's order, as in a real program); reap() joins such threads, and every
// execution's threads start with fresh thread_local state. That costs one
// thread create + join per scenario thread and execution (~60-220 us here,
// see above) on a substrate whose switches already cost ~3 us each.
//
// Stacks: each OS thread runs on a stack of Options::stack_size that this
// class maps, with a 64 KiB guard below it (a frame larger than one page
// must not jump over the guard), so a fault in a guard is known to be that
// thread's stack overflow (guard_of), as on the fibers' stacks.
//
// Threading rule: every call (start, pass, finish, the destructor) is made by
// the thread that holds the baton, with `from` its own index; the main
// context holds it before the first pass and after the last hand-off to -1.
// All state other than the baton words is touched only by the holder, so it
// needs no locks: the hand-off orders it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <pthread.h>

namespace tangle::detail {

class BatonThreads {
 public:
  using Entry = void (*)(void* arg, int index);
  // How a thread without the baton waits for it.
  enum class Wait : std::uint8_t {
    futex,        // spin, then FUTEX_WAIT_PRIVATE on its word (the default)
    atomic_wait,  // spin, then std::atomic::wait (libstdc++: its own spin, yields, futex)
  };
  struct Options {
    Wait wait = Wait::futex;
    // Polls of the baton word before sleeping (each a pause instruction,
    // ~40 ns here): a baton that comes back within that window costs no
    // syscall. 0 (sleep at once) measured fastest; see above. Forced to 0
    // when the process may use one CPU only.
    int spin = 0;
    // Keep finished OS threads for later start()s (see "Pool").
    bool reuse = false;
    // Usable stack of each OS thread (mapped on demand by the kernel).
    std::size_t stack_size = 8 * 1024 * 1024;
  };

  BatonThreads() : BatonThreads(Options{}) {}
  explicit BatonThreads(Options options);
  // Joins every pooled thread and every started thread that never ran. A
  // thread still inside its entry (blocked in pass(), e.g. after an exception
  // left the engine) cannot be unwound from outside: it is left asleep,
  // detached, and its few bytes of state are leaked, so shutdown never hangs.
  ~BatonThreads();
  BatonThreads(const BatonThreads&) = delete;
  BatonThreads& operator=(const BatonThreads&) = delete;

  // Thread `index` (>= 0, not currently started) is parked until the baton is
  // passed to it; then it calls entry(arg, index) on its own OS thread. The
  // entry must call finish() and then return. Reuses a pool thread when one
  // is free; otherwise creates one (std::thread, default stack size).
  void start(int index, Entry entry, void* arg);
  // Hands the baton from `from` (the caller; -1 = main) to `to` (!= from),
  // and returns when someone passes it back to `from`.
  void pass(int from, int to) {
    Baton& mine = slot(from);
    slot(to).give();
    mine.take();
  }
  // The caller (thread `from`, inside its entry) is done: the baton goes to
  // `to` once entry has returned — its remaining unwinding still runs alone —
  // and the OS thread then goes back to the pool. Returns at once.
  void finish(int from, int to);

  // Joins the OS threads that ended since the last call (without reuse: each
  // ends after its finish()). Called by the holder between executions; a
  // thread that has handed the baton on needs nothing more to end.
  void reap();

  // The started thread whose stack guard holds `address`, or -1 (a fault
  // address; async-signal-safe: plain loads of the holder's own state).
  int guard_of(const void* address) const noexcept {
    const auto* a = static_cast<const char*>(address);
    for (std::size_t i = 0; i < by_index_.size(); ++i) {
      const Worker* w = by_index_[i];
      if (w != nullptr && a >= w->stack && a < w->stack + kGuard) return static_cast<int>(i);
    }
    return -1;
  }

  // OS threads this object has created (tests: a reused thread is not new).
  std::uint64_t threads_created() const { return created_; }
  // OS threads currently parked in the pool with nothing to run.
  std::size_t pooled() const { return free_.size(); }

 private:
  // One baton word, on its own cache line so the owner's spin does not slow
  // the holder's stores to neighbouring words.
  // The wait policy is copied into each word: a thread that has just handed
  // the baton on must not read this object any more (the new holder may be
  // destroying it).
  struct alignas(64) Baton {
    // kIdle: not holding it; kGo: it was passed here; kSleeping: the owner
    // sleeps on this word (the giver must wake it).
    static constexpr std::uint32_t kIdle = 0, kGo = 1, kSleeping = 2;
    std::atomic<std::uint32_t> word{kIdle};
    Wait wait = Wait::futex;
    int spin = 0;
    // Called by the holder: the baton goes to this word's owner.
    void give();
    // Called by the owner: returns once the baton was given to it.
    void take();
  };
  static constexpr std::size_t kGuard = 64 * 1024;
  // What the holder knows of an OS thread. Fields other than the baton are
  // written and read only by the baton's holder.
  struct Worker {
    enum class State : std::uint8_t { pooled, started, running, ended };
    Baton baton;
    BatonThreads* owner = nullptr;
    pthread_t thread{};
    bool joinable = false;
    char* stack = nullptr;  // the mapping: guard, then the usable stack
    std::size_t mapped = 0;
    State state = State::pooled;
    bool shutdown = false;
    bool finished = false;  // finish() was called by this run of entry
    Entry entry = nullptr;
    void* arg = nullptr;
    int index = -1;
    int finish_to = -1;
  };
  static void* worker_main(void* worker);
  void release(Worker& w);
  Baton& slot(int index) { return index < 0 ? main_ : *baton_of_[static_cast<std::size_t>(index)]; }
  void worker_loop(Worker& w);

  Options options_;
  Baton main_;
  std::vector<std::unique_ptr<Worker>> all_;  // every OS thread made, for shutdown
  std::vector<Worker*> by_index_;             // started thread index -> its OS thread
  std::vector<Baton*> baton_of_;              // ... and that thread's baton (inline pass())
  std::vector<Worker*> free_;                 // the pool: parked, nothing to run
  std::vector<Worker*> ended_;                // ended OS threads, not yet joined (reap)
  std::uint64_t created_ = 0;
};

}  // namespace tangle::detail
