// tangle::Thread: a scenario thread started at run time, like std::thread.
//
//   class Pool : public tangle::MainScenario {
//     void main() override {
//       std::vector<tangle::Thread> workers;
//       for (int i = 0; i < 3; ++i) workers.emplace_back([this] { work(); });
//       for (auto& w : workers) w.join();
//     }
//   };
//
// The start is a scheduling point: the new thread may run before the
// starter's next operation; everything the starter did before the start
// happens before the new thread's first operation, and everything the thread
// did happens before join() returns. A Thread still joinable when destroyed
// is joined (std::jthread's rule, not std::thread's std::terminate): a
// scenario that forgets a join still runs, and the engine still sees every
// thread finish.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "tangle/detail/runtime.hpp"

namespace tangle {

class Thread {
 public:
  Thread() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Thread>>>
  explicit Thread(F&& f, Loc loc = Loc::current()) {
    struct Body final : detail::ThreadBody {
      explicit Body(F&& g) : fn(std::forward<F>(g)) {}
      void run() override { fn(); }
      std::decay_t<F> fn;
    };
    // The engine owns the body from here on (it outlives this handle).
    index_ = detail::current_runtime().spawn_thread(new Body(std::forward<F>(f)), loc);
    loc_ = loc;
  }
  Thread(Thread&& other) noexcept : index_(std::exchange(other.index_, -1)), loc_(other.loc_) {}
  Thread& operator=(Thread&& other) {
    if (this != &other) {
      if (joinable()) join(loc_);
      index_ = std::exchange(other.index_, -1);
      loc_ = other.loc_;
    }
    return *this;
  }
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  // Never throws: when the execution is being stopped (a deadlock elsewhere)
  // the engine returns from this join at once and unwinds the thread at its
  // next operation instead.
  ~Thread() {
    if (joinable()) detail::current_runtime().join_thread(std::exchange(index_, -1), loc_, true);
  }

  bool joinable() const { return index_ >= 0; }
  void join(Loc loc = Loc::current()) {
    const int t = std::exchange(index_, -1);
    if (t >= 0) detail::current_runtime().join_thread(t, loc);
  }
  // The thread's index in findings and traces ("thread 3").
  int index() const { return index_; }

 private:
  int index_ = -1;
  Loc loc_;
};

}  // namespace tangle
