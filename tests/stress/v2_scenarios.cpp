// Test-only scenarios for engine core v2's primitives on the stress engine
// (rwlock, barrier, latch, once, binary semaphore, threads started at run
// time, data choices). Each bug has a fixed twin that differs only in the
// synchronization the bug leaves out. Registered in the stress_tests binary
// only.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "tangle/tangle.hpp"
#include "v2_scenarios.hpp"

namespace tangle::test_v2 {

std::array<std::atomic<std::uint64_t>, 4> g_choices{};

namespace {

// --- rwlock ---------------------------------------------------------------

// Thread 0 takes the write lock twice: it waits for itself.
class RwWriterRelock : public Scenario {
 public:
  explicit RwWriterRelock(const Params&) {}
  void thread(int index) override {
    if (index == 0) {
      LockGuard<RWLock> outer(lock_);
      value_.write(1);
      LockGuard<RWLock> inner(lock_);  // the bug: the writer locks again
      value_.write(2);
    } else {
      SharedLock<RWLock> reader(lock_);
      (void)value_.read();
    }
  }

 private:
  RWLock lock_{"table"};
  Shared<int> value_{0, "value"};
};
TANGLE_SCENARIO(RwWriterRelock, "stress-v2/rwlock-writer-relock")->fixed_threads(2)->expect({Kind::self_deadlock});

// One writer, readers that share the lock (and re-lock it for reading, which
// a reader may): no race, no self_deadlock.
class RwReadersShare : public Scenario {
 public:
  explicit RwReadersShare(const Params&) {}
  void thread(int index) override {
    for (int i = 0; i < 20; ++i) {
      if (index == 0) {
        LockGuard<RWLock> writer(lock_);
        value_.write(value_.read() + 1);
      } else {
        SharedLock<RWLock> reader(lock_);
        SharedLock<RWLock> again(lock_);
        (void)value_.read();
      }
    }
  }
  void check() override { tangle::check(value_.final_value() == 20, "the writer's updates were lost"); }

 private:
  RWLock lock_{"table"};
  Shared<int> value_{0, "value"};
};
TANGLE_SCENARIO(RwReadersShare, "stress-v2/rwlock-readers-share")->fixed_threads(4);

// Readers that *write* under their read lock race with each other: readers
// do not synchronise with readers.
class RwReadersWrite : public Scenario {
 public:
  explicit RwReadersWrite(const Params&) {}
  void thread(int) override {
    SharedLock<RWLock> reader(lock_);
    hits_.write(hits_.read() + 1);
  }

 private:
  RWLock lock_{"table"};
  Shared<int> hits_{0, "hits"};
};
TANGLE_SCENARIO(RwReadersWrite, "stress-v2/rwlock-readers-write")->fixed_threads(2)->expect({Kind::data_race});

// --- barrier --------------------------------------------------------------

// Three phases over one slot per thread: write your own slot, read your
// neighbour's, write your own again. `with_barrier` orders the phases.
template <bool with_barrier>
class Phases : public Scenario {
 public:
  explicit Phases(const Params&) {}
  void thread(int i) override {
    const int next = (i + 1) % kThreads;
    slots_[i].write(i + 1);
    sync();
    seen_[i].write(slots_[next].read());
    sync();
    slots_[i].write(100 + i);
    sync();
    tangle::check(slots_[next].read() == 100 + next, "a phase-three value was not seen after the barrier");
  }
  void check() override {
    for (int i = 0; i < kThreads; ++i)
      tangle::check(seen_[i].final_value() == (i + 1) % kThreads + 1, "a phase-one value was not seen");
  }

 private:
  static constexpr int kThreads = 3;
  void sync() {
    if constexpr (with_barrier) barrier_.arrive_and_wait();
  }
  Barrier barrier_{kThreads, "phase"};
  Shared<int> slots_[kThreads] = {Shared<int>{0, "slot0"}, Shared<int>{0, "slot1"}, Shared<int>{0, "slot2"}};
  Shared<int> seen_[kThreads] = {Shared<int>{0, "seen0"}, Shared<int>{0, "seen1"}, Shared<int>{0, "seen2"}};
};
TANGLE_SCENARIO(Phases<true>, "stress-v2/barrier-phases")->fixed_threads(3);
TANGLE_SCENARIO(Phases<false>, "stress-v2/barrier-missing")
    ->fixed_threads(3)
    ->expect({Kind::data_race, Kind::invariant_violation});

// A barrier for three parties that only two threads ever reach: a deadlock.
class BarrierShort : public Scenario {
 public:
  explicit BarrierShort(const Params&) {}
  void thread(int) override { barrier_.arrive_and_wait(); }

 private:
  Barrier barrier_{3, "phase"};
};
TANGLE_SCENARIO(BarrierShort, "stress-v2/barrier-short")->fixed_threads(2)->expect({Kind::deadlock});

// --- latch ----------------------------------------------------------------

// Three threads count a latch of two down: the last goes below zero.
class LatchBelowZero : public Scenario {
 public:
  explicit LatchBelowZero(const Params&) {}
  void thread(int) override { done_.count_down(); }

 private:
  Latch done_{2, "done"};
};
TANGLE_SCENARIO(LatchBelowZero, "stress-v2/latch-below-zero")->fixed_threads(3)->expect({Kind::invariant_violation});

// Workers fill their slot and count down; thread 0 waits, then reads all.
class LatchGate : public Scenario {
 public:
  explicit LatchGate(const Params&) {}
  void thread(int i) override {
    if (i == 0) {
      ready_.wait();
      int sum = 0;
      for (auto& s : slots_) sum += s.read();
      tangle::check(sum == 1 + 2 + 3, "a worker's slot was read before it was written");
    } else {
      slots_[i - 1].write(i);
      ready_.count_down();
    }
  }

 private:
  Latch ready_{3, "ready"};
  Shared<int> slots_[3] = {Shared<int>{0, "slot1"}, Shared<int>{0, "slot2"}, Shared<int>{0, "slot3"}};
};
TANGLE_SCENARIO(LatchGate, "stress-v2/latch-gate")->fixed_threads(4);

// --- once -----------------------------------------------------------------

// Every thread calls the initialiser; it runs once, and its write is seen by
// all without a race (call_once's release/acquire).
class OnceInit : public Scenario {
 public:
  explicit OnceInit(const Params&) {}
  void thread(int) override {
    once_.call([this] {
      runs_.write(runs_.read() + 1);
      config_.write(42);
    });
    tangle::check(config_.read() == 42, "the once-initialised value was not visible");
  }
  void check() override { tangle::check(runs_.final_value() == 1, "the once function ran more than once"); }

 private:
  Once once_{"init"};
  Shared<int> runs_{0, "runs"};
  Shared<int> config_{0, "config"};
};
TANGLE_SCENARIO(OnceInit, "stress-v2/once-init")->fixed_threads(4);

// The once function calls its own call_once again.
class OnceReentered : public Scenario {
 public:
  explicit OnceReentered(const Params&) {}
  void thread(int) override {
    once_.call([this] { once_.call([] {}); });
  }

 private:
  Once once_{"init"};
};
TANGLE_SCENARIO(OnceReentered, "stress-v2/once-reentered")->fixed_threads(1)->expect({Kind::self_deadlock});

// --- binary semaphore -----------------------------------------------------

// `release_first`: thread 0 releases a semaphore it never acquired. When
// the semaphore is available (count 1, bound 1) that is an over-release;
// when thread 1 holds it, the release lets thread 0 in beside thread 1 — the
// broken mutual exclusion the over-release stands for, seen as a race or a
// lost update. Otherwise the semaphore is a lock.
template <bool release_first>
class Binary : public Scenario {
 public:
  explicit Binary(const Params&) {}
  void thread(int index) override {
    if (release_first && index == 0) sem_.release();
    for (int i = 0; i < 10; ++i) {
      sem_.acquire();
      count_.write(count_.read() + 1);
      sem_.release();
    }
  }
  void check() override { tangle::check(count_.final_value() == 20, "an update was lost"); }

 private:
  BinarySemaphore sem_{true, "token"};
  Shared<int> count_{0, "count"};
};
TANGLE_SCENARIO(Binary<true>, "stress-v2/binary-overrelease")
    ->fixed_threads(2)
    ->expect({Kind::semaphore_overrelease, Kind::data_race, Kind::invariant_violation});
TANGLE_SCENARIO(Binary<false>, "stress-v2/binary-lock")->fixed_threads(2);

// --- threads started at run time ------------------------------------------

// Main starts `workers` threads that add to one counter, with or without a
// lock, then joins them and checks the total.
template <bool locked>
class Spawned : public MainScenario {
 public:
  explicit Spawned(const Params& p) : workers_(static_cast<int>(p.get("workers"))), iterations_(p.get("iterations")) {}
  void main() override {
    std::vector<Thread> threads;
    for (int w = 0; w < workers_; ++w)
      threads.emplace_back([this] {
        for (std::int64_t i = 0; i < iterations_; ++i) {
          if constexpr (locked) {
            LockGuard<Mutex> g(mu_);
            counter_.write(counter_.read() + 1);
          } else {
            counter_.write(counter_.read() + 1);
          }
        }
      });
    for (auto& t : threads) t.join();
    // After the joins every increment happens before this read.
    tangle::check(counter_.read() == workers_ * iterations_, "increments were lost");
  }

 private:
  int workers_;
  std::int64_t iterations_;
  Mutex mu_{"counter_lock"};
  Shared<std::int64_t> counter_{0, "counter"};
};
TANGLE_SCENARIO(Spawned<false>, "stress-v2/spawn-unlocked")
    ->param("workers", 3, 1, 4096)
    ->param("iterations", 100, 1, 1000000)
    ->expect({Kind::data_race, Kind::invariant_violation});
TANGLE_SCENARIO(Spawned<true>, "stress-v2/spawn-locked")
    ->param("workers", 3, 1, 4096)
    ->param("iterations", 100, 1, 1000000);

// A worker writes; main reads after the join (clean) or before it (a race).
template <bool read_after_join>
class JoinVisibility : public MainScenario {
 public:
  explicit JoinVisibility(const Params&) {}
  void main() override {
    Thread worker([this] { result_.write(42); });
    if (!read_after_join) (void)result_.read();
    worker.join();
    tangle::check(result_.read() == 42, "the worker's write was not visible after join");
  }

 private:
  Shared<int> result_{0, "result"};
};
TANGLE_SCENARIO(JoinVisibility<true>, "stress-v2/join-visibility");
TANGLE_SCENARIO(JoinVisibility<false>, "stress-v2/read-before-join")->expect({Kind::data_race});

// The spawner's writes before the start happen before the thread's reads,
// two generations deep (a worker starts a grandchild).
class SpawnHandsOver : public MainScenario {
 public:
  explicit SpawnHandsOver(const Params&) {}
  void main() override {
    input_.write(7);
    Thread child([this] {
      middle_.write(input_.read() + 1);
      Thread grandchild([this] { output_.write(middle_.read() + 1); });
    });  // joined by its destructor (thread.hpp), and the grandchild by the child's
    child.join();
    tangle::check(output_.read() == 9, "a value was lost between generations");
  }

 private:
  Shared<int> input_{0, "input"}, middle_{0, "middle"}, output_{0, "output"};
};
TANGLE_SCENARIO(SpawnHandsOver, "stress-v2/spawn-hands-over");

// Many threads at once, each incrementing under a lock and an atomic.
class SpawnMany : public MainScenario {
 public:
  explicit SpawnMany(const Params& p) : n_(static_cast<int>(p.get("workers"))) {}
  void main() override {
    std::vector<Thread> threads;
    threads.reserve(static_cast<std::size_t>(n_));
    for (int w = 0; w < n_; ++w)
      threads.emplace_back([this] {
        hits_.fetch_add(1);
        LockGuard<Mutex> g(mu_);
        count_.write(count_.read() + 1);
      });
    for (auto& t : threads) t.join();
    tangle::check(count_.read() == n_ && hits_.load() == n_, "a thread's increment was lost");
  }

 private:
  int n_;
  Mutex mu_{"count_lock"};
  Shared<int> count_{0, "count"};
  Atomic<int> hits_{0, "hits"};
};
TANGLE_SCENARIO(SpawnMany, "stress-v2/spawn-many")->param("workers", 200, 1, 4096);

// Main holds a lock while joining a worker that needs it: each waits for the
// other (a wait-for cycle through a join).
class JoinUnderLock : public MainScenario {
 public:
  explicit JoinUnderLock(const Params&) {}
  void main() override {
    LockGuard<Mutex> g(mu_);
    Thread worker([this] { LockGuard<Mutex> w(mu_); });
    worker.join();
  }

 private:
  Mutex mu_{"state"};
};
TANGLE_SCENARIO(JoinUnderLock, "stress-v2/join-under-lock")->expect({Kind::deadlock});

// A thread joined twice (through the runtime: tangle::Thread cannot).
class JoinTwice : public MainScenario {
 public:
  explicit JoinTwice(const Params&) {}
  void main() override {
    Thread worker([] {});
    const int index = worker.index();
    worker.join();
    detail::current_runtime().join_thread(index, Loc::current());
  }
};
TANGLE_SCENARIO(JoinTwice, "stress-v2/join-twice")->expect({Kind::invariant_violation});

// --- data choices ---------------------------------------------------------

// Each thread draws from 4 choices; the test reads the tally (g_choices).
class Choices : public Scenario {
 public:
  explicit Choices(const Params&) {}
  void thread(int) override {
    const std::uint64_t c = tangle::choose(4);
    tangle::check(c < 4, "a choice outside [0, 4)");
    if (c < 4) g_choices[c].fetch_add(1, std::memory_order_relaxed);
  }
};
TANGLE_SCENARIO(Choices, "stress-v2/choices")->fixed_threads(2);

}  // namespace
}  // namespace tangle::test_v2
