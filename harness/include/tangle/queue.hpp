// BoundedQueue<T>: a blocking FIFO of fixed capacity (Python's queue.Queue),
// built on the instrumented Mutex and two CondVars, so every put/get is
// scheduled and checked like hand-written code would be. The items sit in a
// ring of `capacity` slots allocated once: a scenario makes a fresh queue
// every execution, and a std::deque cost two allocations each time.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "tangle/sync.hpp"

namespace tangle {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity, const char* name = "queue",
                        Loc loc = Loc::current())
      : capacity_(capacity), mutex_(name, loc), not_full_("not_full", loc),
        not_empty_("not_empty", loc), slots_(new std::optional<T>[capacity]) {
    if (capacity == 0) throw std::invalid_argument("a BoundedQueue needs a capacity of at least 1");
  }

  void put(T item, Loc loc = Loc::current()) {
    UniqueLock<Mutex> lock(mutex_, loc);
    while (size_ >= capacity_) not_full_.wait(lock, loc);
    slots_[(head_ + size_) % capacity_].emplace(std::move(item));
    ++size_;
    not_empty_.notify_one(loc);
    lock.unlock(loc);
  }

  T get(Loc loc = Loc::current()) {
    UniqueLock<Mutex> lock(mutex_, loc);
    while (size_ == 0) not_empty_.wait(lock, loc);
    T item = std::move(*slots_[head_]);
    slots_[head_].reset();
    head_ = (head_ + 1) % capacity_;
    --size_;
    not_full_.notify_one(loc);
    lock.unlock(loc);
    return item;
  }

  // Unchecked, for check() after all threads finished.
  std::size_t final_size() const { return size_; }

 private:
  std::size_t capacity_;
  Mutex mutex_;
  CondVar not_full_;
  CondVar not_empty_;
  // Guarded by mutex_: size_ items from slots_[head_] on, wrapping around.
  std::unique_ptr<std::optional<T>[]> slots_;
  std::size_t head_ = 0, size_ = 0;
};

}  // namespace tangle
