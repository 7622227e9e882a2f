// BatonThreads (controlled/baton.hpp): exactly one OS thread runs at a time,
// the baton goes where pass() says, finished threads go back to the pool and
// are reused, per-thread state (thread_local, errno) is really per thread, and
// shutdown never hangs. Each test runs under every wait policy where the
// policy could matter.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "controlled/baton.hpp"

namespace tangle::detail {
namespace {

using Options = BatonThreads::Options;
using Wait = BatonThreads::Wait;

Options policy(Wait wait, int spin, bool reuse = false) {
  Options o;
  o.wait = wait;
  o.spin = spin;
  o.reuse = reuse;
  return o;
}

const Options kPolicies[] = {
    policy(Wait::futex, 0),        // the default: sleep at once, every hand-off wakes a sleeper
    policy(Wait::futex, 200),      // spin first: a hand-off may find the receiver polling, not asleep
    policy(Wait::atomic_wait, 0),
    policy(Wait::atomic_wait, 200),
};

Options with_reuse(Options o) {
  o.reuse = true;
  return o;
}

std::string name(const Options& o) {
  return std::string(o.wait == Wait::futex ? "futex" : "atomic_wait") + " spin " + std::to_string(o.spin);
}

// ---------------------------------------------------------------------------
// Mutual exclusion over random passes.

struct Exclusion {
  BatonThreads* baton = nullptr;
  int passes_each = 0;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::uint64_t plain_count = 0;  // not atomic: only the baton orders its increments (TSan checks)
  std::mt19937 rng{1};
  std::vector<char> alive;
  int alive_count = 0;

  void critical() {
    const int now = inside.fetch_add(1) + 1;
    int seen = max_inside.load();
    while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
    }
    ++plain_count;
    // Widen the window in which a second running thread would be caught.
    for (int i = 0; i < 200; ++i) {
      if (inside.load(std::memory_order_relaxed) != 1) max_inside.store(2);
    }
    inside.fetch_sub(1);
  }
  // A random live thread other than `me`, or -1 (main) when none is left.
  int other(int me) {
    const int n = static_cast<int>(alive.size());
    const int candidates = alive_count - (alive[static_cast<std::size_t>(me)] ? 1 : 0);
    if (candidates == 0) return -1;
    int k = static_cast<int>(rng() % static_cast<unsigned>(candidates));
    for (int t = 0; t < n; ++t)
      if (t != me && alive[static_cast<std::size_t>(t)] && k-- == 0) return t;
    return -1;
  }

  static void entry(void* arg, int me) {
    auto& w = *static_cast<Exclusion*>(arg);
    for (int k = 0; k < w.passes_each; ++k) {
      w.critical();
      const int next = w.other(me);
      if (next >= 0) w.baton->pass(me, next);
    }
    w.critical();
    w.alive[static_cast<std::size_t>(me)] = 0;
    --w.alive_count;
    w.baton->finish(me, w.other(me));
    // After finish() and before entry returns this thread still runs alone.
    w.critical();
  }
};

TEST(Baton, ExactlyOneThreadRunsAtATime) {
  for (const Options& policy : kPolicies) {
    SCOPED_TRACE(name(policy));
    BatonThreads baton(policy);
    constexpr int kThreads = 6;
    for (int execution = 0; execution < 3; ++execution) {
      Exclusion w;
      w.baton = &baton;
      w.passes_each = 300;
      w.rng.seed(static_cast<unsigned>(execution + 1));
      w.alive.assign(kThreads, 1);
      w.alive_count = kThreads;
      for (int t = 0; t < kThreads; ++t) baton.start(t, &Exclusion::entry, &w);
      baton.pass(-1, 0);  // back when the last thread finishes to main
      EXPECT_EQ(w.max_inside.load(), 1);
      EXPECT_EQ(w.plain_count, static_cast<std::uint64_t>(kThreads) * (w.passes_each + 2));
      EXPECT_EQ(w.alive_count, 0);
    }
  }
}

// ---------------------------------------------------------------------------
// Pass order: a random script of who runs next is followed exactly.

struct Script {
  BatonThreads* baton = nullptr;
  std::vector<int> order;     // who runs, in order
  std::vector<std::size_t> last;  // each thread's last position in `order`
  std::vector<int> log;
  std::size_t pos = 0;

  static void entry(void* arg, int me) {
    auto& s = *static_cast<Script*>(arg);
    for (;;) {
      s.log.push_back(me);
      const std::size_t p = s.pos++;
      const int next = p + 1 < s.order.size() ? s.order[p + 1] : -1;
      if (p == s.last[static_cast<std::size_t>(me)]) return s.baton->finish(me, next);
      s.baton->pass(me, next);
    }
  }
};

TEST(Baton, PassOrderIsHonoured) {
  for (const Options& policy : kPolicies) {
    SCOPED_TRACE(name(policy));
    BatonThreads baton(policy);
    constexpr int kThreads = 5;
    Script s;
    s.baton = &baton;
    std::mt19937 rng(7);
    for (int t = 0; t < kThreads; ++t) s.order.push_back(t);  // everyone runs at least once
    std::shuffle(s.order.begin(), s.order.end(), rng);
    while (s.order.size() < 3000) {
      const int t = static_cast<int>(rng() % kThreads);
      if (t != s.order.back()) s.order.push_back(t);  // never a pass to oneself
    }
    s.last.assign(kThreads, 0);
    for (std::size_t i = 0; i < s.order.size(); ++i) s.last[static_cast<std::size_t>(s.order[i])] = i;
    for (int t = 0; t < kThreads; ++t) baton.start(t, &Script::entry, &s);
    baton.pass(-1, s.order[0]);
    EXPECT_EQ(s.log, s.order);
  }
}

// ---------------------------------------------------------------------------
// The pool.

struct Chain {
  BatonThreads* baton = nullptr;
  int n = 0;
  std::vector<int> runs;
  std::vector<std::thread::id> os_thread;

  // Thread i finishes to i + 1; the last to main.
  static void entry(void* arg, int me) {
    auto& c = *static_cast<Chain*>(arg);
    ++c.runs[static_cast<std::size_t>(me)];
    c.os_thread[static_cast<std::size_t>(me)] = std::this_thread::get_id();
    c.baton->finish(me, me + 1 < c.n ? me + 1 : -1);
  }
  void run(int threads) {
    n = threads;
    runs.assign(static_cast<std::size_t>(n), 0);
    os_thread.assign(static_cast<std::size_t>(n), {});
    for (int t = 0; t < n; ++t) baton->start(t, &Chain::entry, this);
    baton->pass(-1, 0);
  }
};

TEST(Baton, FinishedThreadsAreReusedByLaterStarts) {
  BatonThreads baton(policy(Wait::futex, 0, true));
  Chain c;
  c.baton = &baton;
  c.run(4);
  EXPECT_EQ(baton.threads_created(), 4u);
  EXPECT_EQ(baton.pooled(), 4u);
  const std::set<std::thread::id> first(c.os_thread.begin(), c.os_thread.end());
  EXPECT_EQ(first.size(), 4u);
  EXPECT_EQ(first.count(std::this_thread::get_id()), 0u);
  for (int execution = 0; execution < 20; ++execution) {
    c.run(4);
    for (const auto& id : c.os_thread) EXPECT_EQ(first.count(id), 1u) << "a new OS thread in execution " << execution;
    EXPECT_EQ(c.runs, std::vector<int>(4, 1));
  }
  EXPECT_EQ(baton.threads_created(), 4u);
  c.run(6);  // two more than the pool holds
  EXPECT_EQ(baton.threads_created(), 6u);
  EXPECT_EQ(baton.pooled(), 6u);
}

// A thread started at run time by a running thread takes a pool thread that
// finished earlier in the same execution.
struct Spawner {
  BatonThreads* baton = nullptr;
  int spawned = 0;
  std::vector<int> ran;

  static void child(void* arg, int me) {
    auto& s = *static_cast<Spawner*>(arg);
    s.ran.push_back(me);
    s.baton->finish(me, 0);  // back to its parent
  }
  static void parent(void* arg, int me) {
    auto& s = *static_cast<Spawner*>(arg);
    for (int i = 1; i <= 50; ++i) {
      s.baton->start(i, &Spawner::child, &s);
      s.baton->pass(me, i);  // returns once child i has finished
    }
    s.baton->finish(me, -1);
  }
};

TEST(Baton, ThreadsStartedAtRunTimeReuseFinishedOnes) {
  BatonThreads baton(policy(Wait::futex, 0, true));
  Spawner s;
  s.baton = &baton;
  baton.start(0, &Spawner::parent, &s);
  baton.pass(-1, 0);
  std::vector<int> expected;
  for (int i = 1; i <= 50; ++i) expected.push_back(i);
  EXPECT_EQ(s.ran, expected);
  // The parent, plus one for the first child; every later child took the
  // OS thread its predecessor left in the pool.
  EXPECT_EQ(baton.threads_created(), 2u);
}

// Without reuse (the default, the controlled engine's), every start is a new
// OS thread, so no thread_local state survives from an earlier thread; the
// ended ones are joined by reap(). (Not compared by std::thread::id: a new
// thread's descriptor may land at a freed one's address.)
thread_local int tls_starts = 0;
struct Counted {
  BatonThreads* baton = nullptr;
  std::vector<int> starts;  // per thread: its OS thread's tls_starts after this start
  static void entry(void* arg, int me) {
    auto& c = *static_cast<Counted*>(arg);
    c.starts[static_cast<std::size_t>(me)] = ++tls_starts;
    c.baton->finish(me, me + 1 < static_cast<int>(c.starts.size()) ? me + 1 : -1);
  }
  void run(int threads) {
    starts.assign(static_cast<std::size_t>(threads), 0);
    for (int t = 0; t < threads; ++t) baton->start(t, &Counted::entry, this);
    baton->pass(-1, 0);
  }
};

TEST(Baton, WithoutReuseEveryStartIsANewOsThread) {
  BatonThreads baton;
  Counted c;
  c.baton = &baton;
  for (int execution = 0; execution < 5; ++execution) {
    c.run(4);
    EXPECT_EQ(c.starts, std::vector<int>(4, 1)) << "execution " << execution;
    baton.reap();
  }
  EXPECT_EQ(baton.threads_created(), 20u);
  EXPECT_EQ(baton.pooled(), 0u);
  BatonThreads pooled(with_reuse(BatonThreads::Options{}));
  c.baton = &pooled;
  c.run(4);
  c.run(4);
  EXPECT_EQ(c.starts, std::vector<int>(4, 2));  // the pool's threads kept their count
}

TEST(Baton, AThousandThreadsStartAndFinish) {
  BatonThreads baton;
  Chain c;
  c.baton = &baton;
  c.run(1000);
  EXPECT_EQ(c.runs, std::vector<int>(1000, 1));
  EXPECT_EQ(std::set<std::thread::id>(c.os_thread.begin(), c.os_thread.end()).size(), 1000u);
  baton.reap();
  c.run(1000);
  EXPECT_EQ(c.runs, std::vector<int>(1000, 1));
  EXPECT_EQ(baton.threads_created(), 2000u);
}

// ---------------------------------------------------------------------------
// Per-thread state: what fibers on one OS thread would share.

thread_local int tls_value = 0;

struct PerThread {
  BatonThreads* baton = nullptr;
  int seen_at_start[2] = {-1, -1};
  int tls_after[2] = {-1, -1};
  int errno_after[2] = {-1, -1};
  const void* tls_address[2] = {};
  const void* errno_address[2] = {};

  static void entry(void* arg, int me) {
    auto& p = *static_cast<PerThread*>(arg);
    p.seen_at_start[me] = tls_value;
    tls_value = me == 0 ? 100 : 200;
    errno = me == 0 ? EDOM : ERANGE;
    p.tls_address[me] = &tls_value;
    p.errno_address[me] = &errno;
    // 0 -> 1 -> 0 -> 1: each writes, the other writes, each reads back its own.
    p.baton->pass(me, 1 - me);
    p.tls_after[me] = tls_value;
    p.errno_after[me] = errno;
    p.baton->finish(me, me == 0 ? 1 : -1);
  }
};

TEST(Baton, ThreadLocalAndErrnoArePerThread) {
  for (const Options& policy : kPolicies) {
    SCOPED_TRACE(name(policy));
    BatonThreads baton(policy);
    PerThread p;
    p.baton = &baton;
    tls_value = 7;
    errno = 0;
    baton.start(0, &PerThread::entry, &p);
    baton.start(1, &PerThread::entry, &p);
    baton.pass(-1, 0);
    EXPECT_EQ(p.seen_at_start[0], 0);
    EXPECT_EQ(p.seen_at_start[1], 0);  // not thread 0's 100, not main's 7
    EXPECT_EQ(p.tls_after[0], 100);
    EXPECT_EQ(p.tls_after[1], 200);
    EXPECT_EQ(p.errno_after[0], EDOM);
    EXPECT_EQ(p.errno_after[1], ERANGE);
    EXPECT_NE(p.tls_address[0], p.tls_address[1]);
    EXPECT_NE(p.errno_address[0], p.errno_address[1]);
    EXPECT_EQ(tls_value, 7);
    EXPECT_EQ(errno, 0);
  }
}

// ---------------------------------------------------------------------------
// Shutdown.

struct Parker {
  BatonThreads* baton = nullptr;
  bool ran = false;
  static void blocks_in_pass(void* arg, int me) {
    auto& p = *static_cast<Parker*>(arg);
    p.ran = true;
    p.baton->pass(me, -1);  // main never passes back
    p.baton->finish(me, -1);
  }
  static void never_runs(void*, int) { ADD_FAILURE() << "a started thread ran without the baton"; }
};

// Runs `f` on another thread; false if it has not returned within `limit`
// (the thread is then left behind, so the test fails instead of hanging).
template <class F>
bool returns_within(std::chrono::seconds limit, F f) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  std::thread([f = std::move(f), done]() mutable {
    f();
    done->set_value();
  }).detach();
  return fut.wait_for(limit) == std::future_status::ready;
}

TEST(Baton, ShutdownWithParkedThreadsDoesNotHang) {
  for (const Options& policy : kPolicies) {
    SCOPED_TRACE(name(policy));
    auto baton = std::make_unique<BatonThreads>(with_reuse(policy));
    Chain c;
    c.baton = baton.get();
    c.run(3);  // three pooled threads
    auto parker = std::make_unique<Parker>();  // outlives the leaked thread's last use
    parker->baton = baton.get();
    baton->start(0, &Parker::blocks_in_pass, parker.get());  // a pool thread, blocked inside its body
    baton->start(1, &Parker::never_runs, nullptr);           // started, never given the baton
    baton->start(2, &Parker::never_runs, nullptr);
    baton->start(3, &Parker::never_runs, nullptr);           // a new OS thread, never given the baton
    baton->pass(-1, 0);
    EXPECT_TRUE(parker->ran);
    EXPECT_EQ(baton->threads_created(), 4u);
    BatonThreads* raw = baton.release();
    EXPECT_TRUE(returns_within(std::chrono::seconds(20), [raw] { delete raw; }));
    (void)parker.release();  // the thread left inside its body may still hold it
  }
}

}  // namespace
}  // namespace tangle::detail
