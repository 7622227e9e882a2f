// pool/lost-task: a thread pool as a program writes one. The main thread
// starts the workers at run time, they take tasks from a locked queue until
// it is empty, and each finished task bumps a completion counter — with a
// plain read-modify-write outside the lock (the bug). Two workers finishing
// at once lose a bump, so the pool reports fewer tasks done than it ran
// (invariant_violation), and the counter's accesses race (data_race).
#include <deque>
#include <vector>

#include "tangle/tangle.hpp"

namespace {

class LostTask : public tangle::MainScenario {
 public:
  explicit LostTask(const tangle::Params& p) : workers_(p.get("workers")), tasks_(p.get("tasks")) {
    for (std::int64_t t = 0; t < tasks_; ++t) queue_.push_back(t);
  }

  void main() override {
    std::vector<tangle::Thread> pool;
    for (std::int64_t w = 0; w < workers_; ++w) pool.emplace_back([this] { work(); });
    for (auto& t : pool) t.join();
  }

  void check() override {
    tangle::check(done_.final_value() == tasks_, [&] {
      return "the pool ran " + std::to_string(tasks_) + " tasks but counted " + std::to_string(done_.final_value()) +
             " done: a completion was lost";
    });
  }

 private:
  void work() {
    for (;;) {
      mutex_.lock();
      if (queue_.empty()) {
        mutex_.unlock();
        return;
      }
      queue_.pop_front();  // the task itself: nothing shared
      mutex_.unlock();
      const std::int64_t done = done_.read();
      done_.write(done + 1);  // BUG: outside the lock
    }
  }

  std::int64_t workers_, tasks_;
  tangle::Mutex mutex_{"tasks"};
  std::deque<std::int64_t> queue_;  // guarded by mutex_
  tangle::Shared<std::int64_t> done_{0, "completed"};
};

TANGLE_SCENARIO(LostTask, "pool/lost-task")
    ->description("A main thread starts workers over a task queue; completions are counted without the lock")
    ->param("workers", 3, 1, 1000)
    ->param("tasks", 4, 1, 100000)
    ->expect({tangle::Kind::invariant_violation, tangle::Kind::data_race});

}  // namespace
