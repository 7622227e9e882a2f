// pool/workers: pool/lost-task's fixed twin. The completion counter is bumped
// under the queue's lock, and the main thread reads it only after joining
// every worker (join orders each worker's writes before it): every task is
// counted, and nothing races.
#include <deque>
#include <vector>

#include "tangle/tangle.hpp"

namespace {

class Workers : public tangle::MainScenario {
 public:
  explicit Workers(const tangle::Params& p) : workers_(p.get("workers")), tasks_(p.get("tasks")) {
    for (std::int64_t t = 0; t < tasks_; ++t) queue_.push_back(t);
  }

  void main() override {
    std::vector<tangle::Thread> pool;
    for (std::int64_t w = 0; w < workers_; ++w) pool.emplace_back([this] { work(); });
    for (auto& t : pool) t.join();
    // After the joins: ordered after every worker's last write.
    tangle::check(done_.read() == tasks_, "the main thread saw a task uncounted after joining the pool");
  }

  void check() override {
    tangle::check(done_.final_value() == tasks_, [&] {
      return "the pool ran " + std::to_string(tasks_) + " tasks but counted " + std::to_string(done_.final_value());
    });
  }

 private:
  void work() {
    for (;;) {
      tangle::LockGuard<tangle::Mutex> lock(mutex_);
      if (queue_.empty()) return;
      queue_.pop_front();
      done_.update([](std::int64_t& d) { ++d; });  // under the lock
    }
  }

  std::int64_t workers_, tasks_;
  tangle::Mutex mutex_{"tasks"};
  std::deque<std::int64_t> queue_;  // guarded by mutex_
  tangle::Shared<std::int64_t> done_{0, "completed"};
};

TANGLE_SCENARIO(Workers, "pool/workers")
    ->description("A main thread starts workers over a task queue and joins them; every completion is counted")
    ->param("workers", 3, 1, 1000)
    ->param("tasks", 4, 1, 100000);

}  // namespace
