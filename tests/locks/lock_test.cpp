// Tests for tangle::locks under real threads with std::atomic.
//
// These check what real hardware can show quickly (mutual exclusion over many
// increments, try_lock, concurrent readers) plus the contract the core engine relies
// on: lock code touches its Atomic only through the shared member set and calls
// spin_hint() (or wait()) while waiting. Interleaving-level verification — including
// catching BrokenCheckThenSetLock — is the job of the tangle scenarios in
// scenarios/locks.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "tangle/locks/all.hpp"

namespace {

using namespace std::chrono_literals;
namespace tl = tangle::locks;

// ---- Contract check atomic ---------------------------------------------------------
// A stand-in for tangle::Atomic: exactly the member set the engine promises (no
// operators, no test_and_set, ...), so a lock that uses anything else fails to
// compile here. It counts spin_hint() and wait() calls, found by ADL exactly as
// tangle's overload will be.
namespace probe {
inline std::atomic<long> spin_hints{0};
inline std::atomic<long> waits{0};

template <class T>
class CountingAtomic {
 public:
  CountingAtomic() = default;
  constexpr CountingAtomic(T v) noexcept : a_(v) {}  // NOLINT: mirrors std::atomic
  CountingAtomic(const CountingAtomic&) = delete;
  CountingAtomic& operator=(const CountingAtomic&) = delete;

  using mo = std::memory_order;
  T load(mo o = mo::seq_cst) const noexcept { return a_.load(o); }
  void store(T v, mo o = mo::seq_cst) noexcept { a_.store(v, o); }
  T exchange(T v, mo o = mo::seq_cst) noexcept { return a_.exchange(v, o); }
  bool compare_exchange_weak(T& e, T d, mo s = mo::seq_cst, mo f = mo::seq_cst) noexcept {
    return a_.compare_exchange_weak(e, d, s, f == mo::release || f == mo::acq_rel ? mo::relaxed : f);
  }
  bool compare_exchange_strong(T& e, T d, mo s = mo::seq_cst, mo f = mo::seq_cst) noexcept {
    return a_.compare_exchange_strong(e, d, s, f == mo::release || f == mo::acq_rel ? mo::relaxed : f);
  }
  T fetch_add(T v, mo o = mo::seq_cst) noexcept { return a_.fetch_add(v, o); }
  T fetch_sub(T v, mo o = mo::seq_cst) noexcept { return a_.fetch_sub(v, o); }
  T fetch_or(T v, mo o = mo::seq_cst) noexcept { return a_.fetch_or(v, o); }
  T fetch_and(T v, mo o = mo::seq_cst) noexcept { return a_.fetch_and(v, o); }
  void wait(T old, mo o = mo::seq_cst) const noexcept {
    waits.fetch_add(1);
    a_.wait(old, o);
  }
  void notify_one() noexcept { a_.notify_one(); }
  void notify_all() noexcept { a_.notify_all(); }

  const std::atomic<T>& raw() const noexcept { return a_; }

 private:
  std::atomic<T> a_{};
};

template <class T>
void spin_hint(const CountingAtomic<T>& a) noexcept {
  spin_hints.fetch_add(1, std::memory_order_relaxed);
  tangle::spin_hint(a.raw());
}
}  // namespace probe

// fetch_add etc. only exist for integral T in std::atomic; CountingAtomic<bool> and
// CountingAtomic<Node*> are only instantiated for the members a lock calls.

// ---- Typed test over every strategy ------------------------------------------------
template <class Lock>
class LockTest : public ::testing::Test {};

template <class... Ls>
using GTestTypes = ::testing::Types<Ls...>;
using StdLocks = tl::BindAtomicT<tl::CorrectLocks, std::atomic, GTestTypes>;
using StdAllLocks = tl::BindAtomicT<tl::AllLocks, std::atomic, GTestTypes>;
using StdRwLocks = tl::BindAtomicT<tl::ReaderWriterLocks, std::atomic, GTestTypes>;

struct LockName {
  template <class L>
  static std::string GetName(int) {
    std::string n{L::info.name};
    for (char& c : n)
      if (c == '-') c = '_';
    return n;
  }
};
TYPED_TEST_SUITE(LockTest, StdLocks, LockName);

// No more threads than hardware threads: FIFO spin locks (ticket, MCS, CLH) hand the
// lock to a specific waiter, and if that waiter is preempted every thread stalls for a
// scheduler quantum per handoff (a convoy). That is a property worth benchmarking
// (bench/locks runs up to 2x cores) but it turns a 50 ms test into minutes on a loaded
// CI box, so correctness tests stay at <= cores.
const int kThreads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 4u));
constexpr int kIncrements = 50000;

TYPED_TEST(LockTest, MutualExclusionPlainCounter) {
  {
    TypeParam lock;
    long counter = 0;  // plain int: any overlap of critical sections loses updates
    int inside = 0;    // and this catches overlap even when no update is lost
    bool overlap = false;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (int i = 0; i < kIncrements; ++i) {
          lock.lock();
          if (++inside != 1) overlap = true;
          ++counter;
          --inside;
          lock.unlock();
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(counter, long{kThreads} * kIncrements);
    EXPECT_FALSE(overlap);
  }
}

TYPED_TEST(LockTest, MutualExclusionWithTryLock) {
  {
    TypeParam lock;
    long counter = 0;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int i = 0; i < kIncrements / 4; ++i) {
          // Half the threads mix in try_lock so both paths contend with each other.
          if (t % 2 == 0) {
            while (!lock.try_lock()) std::this_thread::yield();
          } else {
            lock.lock();
          }
          ++counter;
          lock.unlock();
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(counter, long{kThreads} * (kIncrements / 4));
  }
}

// try_lock semantics hold for the broken lock too (single-threaded they are fine).
template <class Lock>
class TryLockTest : public ::testing::Test {};
TYPED_TEST_SUITE(TryLockTest, StdAllLocks, LockName);

TYPED_TEST(TryLockTest, TryLockSemantics) {
  TypeParam lock;
  ASSERT_TRUE(lock.try_lock()) << "try_lock on a free lock must succeed";
  bool other_got_it = true;
  std::thread([&] { other_got_it = lock.try_lock(); }).join();
  EXPECT_FALSE(other_got_it) << "try_lock from another thread while held must fail";
  lock.unlock();
  std::thread([&] {
    other_got_it = lock.try_lock();
    if (other_got_it) lock.unlock();
  }).join();
  EXPECT_TRUE(other_got_it) << "after unlock, try_lock must succeed again";
  // After lock() (not try_lock) too.
  lock.lock();
  std::thread([&] { other_got_it = lock.try_lock(); }).join();
  EXPECT_FALSE(other_got_it);
  lock.unlock();
}

TYPED_TEST(LockTest, LockWaitsForHolder) {
  {
    TypeParam lock;
    lock.lock();
    std::atomic<bool> acquired{false};
    std::thread waiter([&] {
      lock.lock();
      acquired = true;
      lock.unlock();
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(acquired.load());
    lock.unlock();
    waiter.join();
    EXPECT_TRUE(acquired.load());
  }
}

template <class Lock>
class RwLockTest : public ::testing::Test {};
TYPED_TEST_SUITE(RwLockTest, StdRwLocks, LockName);

TYPED_TEST(RwLockTest, ReadersShareWritersExclude) {
  {
    TypeParam lock;
    lock.lock_shared();
    // A second reader gets in while the first holds it — from another thread, both
    // with the blocking and the try form.
    bool second = false, try_second = false, writer = true;
    std::thread([&] {
      lock.lock_shared();
      second = true;
      lock.unlock_shared();
      try_second = lock.try_lock_shared();
      if (try_second) lock.unlock_shared();
      writer = lock.try_lock();
      if (writer) lock.unlock();
    }).join();
    EXPECT_TRUE(second);
    EXPECT_TRUE(try_second);
    EXPECT_FALSE(writer) << "writer must be excluded while a reader holds the lock";
    lock.unlock_shared();

    lock.lock();
    bool reader = true;
    std::thread([&] {
      reader = lock.try_lock_shared();
      if (reader) lock.unlock_shared();
    }).join();
    EXPECT_FALSE(reader) << "reader must be excluded while a writer holds the lock";
    lock.unlock();
  }
}

TYPED_TEST(RwLockTest, ReadersOverlapWritersAlone) {
  {
    TypeParam lock;
    std::atomic<int> readers{0}, writers{0}, max_readers{0};
    std::atomic<bool> violation{false};
    long value = 0;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int i = 0; i < 5000; ++i) {
          if ((i + t) % 8 == 0) {
            lock.lock();
            if (writers.fetch_add(1) != 0 || readers.load() != 0) violation = true;
            ++value;
            writers.fetch_sub(1);
            lock.unlock();
          } else {
            lock.lock_shared();
            int r = readers.fetch_add(1) + 1;
            int m = max_readers.load();
            while (r > m && !max_readers.compare_exchange_weak(m, r)) {
            }
            if (writers.load() != 0) violation = true;
            volatile long seen = value;
            (void)seen;
            readers.fetch_sub(1);
            lock.unlock_shared();
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_FALSE(violation.load());
    EXPECT_EQ(value, long{kThreads} * 5000 / 8);
  }
}

// Genuine concurrency of readers, without relying on luck: two readers must both be
// inside at once (each waits inside until it sees the other).
TYPED_TEST(RwLockTest, TwoReadersInsideTogether) {
  {
    TypeParam lock;
    std::atomic<int> inside{0};
    auto reader = [&] {
      lock.lock_shared();
      inside.fetch_add(1);
      auto deadline = std::chrono::steady_clock::now() + 5s;
      while (inside.load() < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      bool both = inside.load() >= 2;
      lock.unlock_shared();
      return both;
    };
    bool a = false, b = false;
    std::thread ta([&] { a = reader(); }), tb([&] { b = reader(); });
    ta.join();
    tb.join();
    EXPECT_TRUE(a && b) << "two readers were never inside at the same time";
  }
}

// ---- The Atomic-parameter contract ---------------------------------------------------
template <class Lock>
class InstrumentedLockTest : public ::testing::Test {};
using ProbeLocks = tl::BindAtomicT<tl::InstrumentedLocks, probe::CountingAtomic, GTestTypes>;
TYPED_TEST_SUITE(InstrumentedLockTest, ProbeLocks, LockName);

constexpr bool correct_and_instrumented(const tl::LockInfo& i) {
  return i.correct && i.instrumented;
}
template <class Lock>
class InstrumentedCorrectLockTest : public ::testing::Test {};
using ProbeCorrectLocks =
    tl::BindAtomicT<tl::FilterLocksT<tl::AllLocks, correct_and_instrumented>,
                    probe::CountingAtomic, GTestTypes>;
TYPED_TEST_SUITE(InstrumentedCorrectLockTest, ProbeCorrectLocks, LockName);

// A waiting thread must give the scheduler a yield point: spin_hint() (spin locks)
// or wait() (sleeping locks). Under tangle's controlled engine a wait loop without
// either would spin forever.
TYPED_TEST(InstrumentedLockTest, WaiterCallsSpinHintOrWait) {
  {
    TypeParam lock;
    lock.lock();
    const long hints0 = probe::spin_hints.load(), waits0 = probe::waits.load();
    std::atomic<bool> done{false};
    std::thread waiter([&] {
      lock.lock();
      done = true;
      lock.unlock();
    });
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (probe::spin_hints.load() == hints0 && probe::waits.load() == waits0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    const bool yielded = probe::spin_hints.load() != hints0 || probe::waits.load() != waits0;
    if (TypeParam::info.correct) {
      EXPECT_FALSE(done.load());
    }
    lock.unlock();
    waiter.join();
    EXPECT_TRUE(yielded) << "waiting lock() never called spin_hint() or wait()";
  }
}

TYPED_TEST(InstrumentedCorrectLockTest, MutualExclusionThroughProbeAtomic) {
  {
    TypeParam lock;
    long counter = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 5000; ++i) {
          lock.lock();
          ++counter;
          lock.unlock();
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(counter, 10000);
  }
}

TEST(LockList, NamesAreUniqueAndNonEmpty) {
  std::vector<std::string_view> names;
  tl::for_each_lock([&]<template <template <class> class> class L>() {
    names.push_back(L<std::atomic>::info.name);
  });
  EXPECT_EQ(names.size(), tl::AllLocks::size);
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_FALSE(names[i].empty());
    for (size_t j = i + 1; j < names.size(); ++j) EXPECT_NE(names[i], names[j]);
  }
}

}  // namespace
