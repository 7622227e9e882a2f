#include "controlled/baton.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

#include <linux/futex.h>

#include <cerrno>
#include <sched.h>
#include <sys/mman.h>
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

static_assert(std::atomic<std::uint32_t>::is_always_lock_free && sizeof(std::atomic<std::uint32_t>) == 4,
              "the futex word is the atomic's own storage");

BatonThreads::BatonThreads(Options options) : options_(options) {
  if (usable_cpus() <= 1) options_.spin = 0;
  main_.wait = options_.wait;
  main_.spin = options_.spin;
}

BatonThreads::~BatonThreads() {
  for (auto& w : all_) {
    if (!w->joinable) continue;
    if (w->state == Worker::State::running) {
      // Blocked in pass() inside its entry: nothing can unwind it. It sleeps
      // on its own word, which stays allocated with its stack; the process's
      // exit ends it.
      ::pthread_detach(w->thread);
      (void)w.release();
      continue;
    }
    if (w->state != Worker::State::ended) {
      w->shutdown = true;
      w->baton.give();
    }
    release(*w);
  }
}

// Joins an OS thread that has ended or is ending, and unmaps its stack.
void BatonThreads::release(Worker& w) {
  ::pthread_join(w.thread, nullptr);
  w.joinable = false;
  ::munmap(w.stack, w.mapped);
  w.stack = nullptr;
}

void BatonThreads::reap() {
  for (Worker* w : ended_) {
    release(*w);
    std::erase_if(all_, [w](const std::unique_ptr<Worker>& p) { return p.get() == w; });
  }
  ended_.clear();
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
    made->owner = this;
    w = made.get();
    // The stack: a guard, then the usable part (glibc puts the thread's TLS
    // and descriptor at its top).
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t usable = (std::max(options_.stack_size, std::size_t{64 * 1024}) + page - 1) / page * page;
    w->mapped = kGuard + usable;
    void* stack = ::mmap(nullptr, w->mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "BatonThreads: mmap of a stack");
    w->stack = static_cast<char*>(stack);
    ::mprotect(w->stack, kGuard, PROT_NONE);
    pthread_attr_t attr;
    ::pthread_attr_init(&attr);
    ::pthread_attr_setstack(&attr, w->stack + kGuard, usable);
    const int rc = ::pthread_create(&w->thread, &attr, &BatonThreads::worker_main, w);
    ::pthread_attr_destroy(&attr);
    if (rc != 0) {
      ::munmap(w->stack, w->mapped);
      throw std::system_error(rc, std::generic_category(), "BatonThreads: pthread_create");
    }
    w->joinable = true;
    all_.push_back(std::move(made));
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

void* BatonThreads::worker_main(void* worker) {
  auto& w = *static_cast<Worker*>(worker);
  w.owner->worker_loop(w);
  return nullptr;
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
    // the pool (or to the ended, to be joined), then the hand-off; after it,
    // only this worker's own word and locals.
    by_index_[static_cast<std::size_t>(w.index)] = nullptr;
    baton_of_[static_cast<std::size_t>(w.index)] = nullptr;
    w.entry = nullptr;
    const bool reuse = options_.reuse;
    if (reuse) {
      w.state = Worker::State::pooled;
      free_.push_back(&w);
    } else {
      w.state = Worker::State::ended;
      ended_.push_back(&w);
    }
    slot(w.finish_to).give();
    if (!reuse) return;  // the OS thread ends; its thread_local destructors run now
  }
}

}  // namespace tangle::detail
