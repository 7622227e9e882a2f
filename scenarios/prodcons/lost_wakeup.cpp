// prodcons/lost-wakeup: the consumer checks for an item and, in a separate
// critical section, starts waiting. A producer that puts its item and notifies
// in between notifies nobody; the consumer then waits for a notification that
// already happened. With the producer finished, every live thread is blocked:
// deadlock.
#include <deque>

#include "tangle/tangle.hpp"

namespace {

class LostWakeup : public tangle::Scenario {
 public:
  explicit LostWakeup(const tangle::Params& p) : items_count_(p.get("items")) {}

  void thread(int index) override {
    if (index == 0) {
      for (std::int64_t i = 0; i < items_count_; ++i) {
        tangle::UniqueLock lock(mutex_);
        items_.modify().push_back(static_cast<int>(i));
        not_empty_.notify_one();
      }
      return;
    }
    for (std::int64_t i = 0; i < items_count_; ++i) {
      bool empty;
      {
        tangle::UniqueLock lock(mutex_);
        empty = items_.view().empty();
      }
      // BUG: the check above and the wait below are separate critical sections.
      tangle::UniqueLock lock(mutex_);
      if (empty) not_empty_.wait(lock);
      items_.modify().pop_front();
    }
  }

 private:
  std::int64_t items_count_;
  tangle::Mutex mutex_{"queue_lock"};
  tangle::CondVar not_empty_{"not_empty"};
  tangle::Shared<std::deque<int>> items_{{}, "items"};
};

TANGLE_SCENARIO(LostWakeup, "prodcons/lost-wakeup")
    ->description("A consumer checks, unlocks, then waits: a notify in between is lost")
    ->fixed_threads(2)
    ->param("items", 2, 1, 1000000)
    ->expect({tangle::Kind::deadlock});

}  // namespace
