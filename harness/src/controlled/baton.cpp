#include "controlled/baton.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include <linux/futex.h>

#include <cerrno>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tangle::detail {

namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

struct ErrnoKept {
  int saved = errno;
  ~ErrnoKept() { errno = saved; }
};

// The word is a std::atomic<uint32_t>; the kernel sees its 4 bytes.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
            nullptr, 0);
}
void futex_wake_one(std::atomic<std::uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

// Spinning only helps when the giver can run meanwhile: on one CPU it only
// delays the giver.
int usable_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

}  // namespace

// What the engine knows of a pool thread. Fields other than the baton are
// written and read only by the baton's holder.
struct BatonThreads::Worker {
  enum class State : std::uint8_t { pooled, started, running };
  Baton baton;
  std::thread thread;
  State state = State::pooled;
  bool shutdown = false;
  bool finished = false;  // finish() was called by this run of entry
  Entry entry = nullptr;
  void* arg = nullptr;
  int index = -1;
  int finish_to = -1;
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free && sizeof(std::atomic<std::uint32_t>) == 4,
              "the futex word is the atomic's own storage");

BatonThreads::BatonThreads(Options options) : options_(options) {
  if (usable_cpus() <= 1) options_.spin = 0;
  main_.wait = options_.wait;
  main_.spin = options_.spin;
}

BatonThreads::~BatonThreads() {
  for (auto& w : all_) {
    if (!w->thread.joinable()) continue;
    if (w->state == Worker::State::running) {
      // Blocked in pass() inside its entry: nothing can unwind it. It sleeps
      // on its own word, which stays allocated; the process's exit ends it.
      w->thread.detach();
      (void)w.release();
      continue;
    }
    w->shutdown = true;
    w->baton.give();
    w->thread.join();
  }
}

// Release order on the hand-off: the receiver's acquire load of kGo makes the
// giver's writes (to the engine's state, the scenario's memory) visible.
// exchange, not store: the previous value says whether the owner sleeps.
// give() and take() leave errno as they found it: a futex call that fails
// with EAGAIN (the word moved on first) sets it, and the scenario thread
// whose code is between two operations must see its own errno unchanged.
void BatonThreads::Baton::give() {
  const ErrnoKept keep;
  if (wait == Wait::futex) {
    if (word.exchange(kGo, std::memory_order_release) == kSleeping) futex_wake_one(word);
  } else {
    word.store(kGo, std::memory_order_release);
    word.notify_one();
  }
}

void BatonThreads::Baton::take() {
  const ErrnoKept keep;
  for (int i = 0; i < spin; ++i) {
    if (word.load(std::memory_order_acquire) == kGo) {
      word.store(kIdle, std::memory_order_relaxed);
      return;
    }
    cpu_relax();
  }
  std::uint32_t w = word.load(std::memory_order_acquire);
  if (wait == Wait::futex) {
    while (w != kGo) {
      // Announce the sleep; a giver that got in first leaves kGo (w reloads).
      if (w == kIdle && !word.compare_exchange_weak(w, kSleeping, std::memory_order_acquire)) continue;
      futex_wait(word, kSleeping);  // returns at once if the word moved on
      w = word.load(std::memory_order_acquire);
    }
  } else {
    while (w != kGo) {
      word.wait(w, std::memory_order_acquire);
      w = word.load(std::memory_order_acquire);
    }
  }
  // Only the owner resets its word, while it holds the baton: nobody can give
  // it the baton again before it has passed it on.
  word.store(kIdle, std::memory_order_relaxed);
}

void BatonThreads::start(int index, Entry entry, void* arg) {
  if (index < 0) throw std::invalid_argument("BatonThreads::start: index must be >= 0");
  if (static_cast<std::size_t>(index) >= by_index_.size()) {
    by_index_.resize(static_cast<std::size_t>(index) + 1);
    baton_of_.resize(static_cast<std::size_t>(index) + 1);
  }
  Worker*& bound = by_index_[static_cast<std::size_t>(index)];
  if (bound) throw std::logic_error("BatonThreads::start: thread " + std::to_string(index) + " is already started");
  Worker* w;
  if (!free_.empty()) {
    w = free_.back();  // most recently freed first: its stack is warm
    free_.pop_back();
  } else {
    auto made = std::make_unique<Worker>();
    made->baton.wait = options_.wait;
    made->baton.spin = options_.spin;
    w = made.get();
    all_.push_back(std::move(made));
    try {
      w->thread = std::thread([this, w] { worker_loop(*w); });
    } catch (...) {
      all_.pop_back();
      throw;
    }
    ++created_;
  }
  w->state = Worker::State::started;
  w->entry = entry;
  w->arg = arg;
  w->index = index;
  bound = w;
  baton_of_[static_cast<std::size_t>(index)] = &w->baton;
}

void BatonThreads::finish(int from, int to) {
  Worker& w = *by_index_[static_cast<std::size_t>(from)];
  w.finish_to = to;
  w.finished = true;
}

void BatonThreads::worker_loop(Worker& w) {
  for (;;) {
    w.baton.take();
    if (w.shutdown) return;
    w.state = Worker::State::running;
    w.finished = false;
    w.entry(w.arg, w.index);
    if (!w.finished) {
      // Nobody would get the baton: every thread would wait forever.
      std::fprintf(stderr, "tangle: internal error: baton thread %d returned without finish()\n", w.index);
      std::abort();
    }
    // Entry has returned: this OS thread's stack holds nothing of it. Back to
    // the pool, then the hand-off; after it, only this worker's own word.
    by_index_[static_cast<std::size_t>(w.index)] = nullptr;
    baton_of_[static_cast<std::size_t>(w.index)] = nullptr;
    w.state = Worker::State::pooled;
    w.entry = nullptr;
    free_.push_back(&w);
    slot(w.finish_to).give();
  }
}

}  // namespace tangle::detail
