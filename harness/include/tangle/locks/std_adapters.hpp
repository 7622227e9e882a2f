// StdMutex / StdSharedMutex — baselines: the platform's std::mutex (glibc pthread
// mutex: futex-based, barging, with no spinning in the default kind) and
// std::shared_mutex (pthread_rwlock). They take the Atomic parameter only so they fit
// the strategy list; it is unused, which is why info.instrumented is false: tangle's
// controlled engine cannot schedule them (a blocked std::mutex would block the whole
// engine thread). Verifying code that uses std::mutex unmodified is DESIGN.md §9's
// pthread-interposition route, not this one.
//
// Cost: uncontended ~ one CAS + one RMW plus a call into libc. Contended: sleeps in
// the kernel. Fairness: not FIFO (barging).
#pragma once

#include <atomic>
#include <mutex>
#include <shared_mutex>

#include "tangle/locks/lock_info.hpp"

namespace tangle::locks {

template <template <class> class Atomic = std::atomic>
class StdMutex {
 public:
  static constexpr LockInfo info{.name = "std-mutex",
                                 .instrumented = false,
                                 .summary = "std::mutex (pthread/futex) baseline; barging"};

  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  void unlock() { m_.unlock(); }

 private:
  std::mutex m_;
};

template <template <class> class Atomic = std::atomic>
class StdSharedMutex {
 public:
  static constexpr LockInfo info{.name = "std-shared-mutex",
                                 .kind = LockKind::reader_writer,
                                 .instrumented = false,
                                 .summary = "std::shared_mutex (pthread_rwlock) baseline"};

  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  void unlock() { m_.unlock(); }
  void lock_shared() { m_.lock_shared(); }
  bool try_lock_shared() { return m_.try_lock_shared(); }
  void unlock_shared() { m_.unlock_shared(); }

 private:
  std::shared_mutex m_;
};

}  // namespace tangle::locks
