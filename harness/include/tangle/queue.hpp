// BoundedQueue<T>: a blocking FIFO of fixed capacity (Python's queue.Queue),
// built on the instrumented Mutex and two CondVars, so every put/get is
// scheduled and checked like hand-written code would be.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>

#include "tangle/sync.hpp"

namespace tangle {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity, const char* name = "queue",
                        Loc loc = Loc::current())
      : capacity_(capacity), mutex_(name, loc), not_full_("not_full", loc),
        not_empty_("not_empty", loc) {}

  void put(T item, Loc loc = Loc::current()) {
    UniqueLock<Mutex> lock(mutex_, loc);
    while (items_.size() >= capacity_) not_full_.wait(lock, loc);
    items_.push_back(std::move(item));
    not_empty_.notify_one(loc);
    lock.unlock(loc);
  }

  T get(Loc loc = Loc::current()) {
    UniqueLock<Mutex> lock(mutex_, loc);
    while (items_.empty()) not_empty_.wait(lock, loc);
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one(loc);
    lock.unlock(loc);
    return item;
  }

  // Unchecked, for check() after all threads finished.
  std::size_t final_size() const { return items_.size(); }

 private:
  std::size_t capacity_;
  Mutex mutex_;
  CondVar not_full_;
  CondVar not_empty_;
  std::deque<T> items_;  // guarded by mutex_
};

}  // namespace tangle
