// prodcons/if-not-while: a hand-written queue whose consumers wait with `if`
// instead of `while`. The producer wakes every waiting consumer for each item
// (notify_all, as the tutorial's Condition code does); each woken consumer
// re-acquires the mutex in turn, and all but the first find the item already
// taken and go on to an empty queue (invariant_violation). Here the consumer notices and tries again, so
// the program stays well-defined after the finding.
#include <deque>

#include "tangle/tangle.hpp"

namespace {

class IfNotWhile : public tangle::Scenario {
 public:
  explicit IfNotWhile(const tangle::Params& p)
      : consumers_(p.get("consumers")), per_consumer_(p.get("items")) {}

  void thread(int index) override {
    if (index == 0) {
      for (std::int64_t i = 0; i < consumers_ * per_consumer_; ++i) put(static_cast<int>(i));
    } else {
      for (std::int64_t got = 0; got < per_consumer_;) got += try_get();
    }
  }

 private:
  void put(int item) {
    tangle::UniqueLock lock(mutex_);
    items_.modify().push_back(item);
    not_empty_.notify_all();
  }

  int try_get() {
    tangle::UniqueLock lock(mutex_);
    if (items_.view().empty()) not_empty_.wait(lock);  // BUG: `if`, not `while`
    if (!tangle::check(!items_.view().empty(), "a consumer woke up to an empty queue (if instead of while)"))
      return 0;
    items_.modify().pop_front();
    return 1;
  }

  std::int64_t consumers_, per_consumer_;
  tangle::Mutex mutex_{"queue_lock"};
  tangle::CondVar not_empty_{"not_empty"};
  tangle::Shared<std::deque<int>> items_{{}, "items"};
};

TANGLE_SCENARIO(IfNotWhile, "prodcons/if-not-while")
    ->description("Consumers re-check the queue with if instead of while")
    ->threads([](const tangle::Params& p) { return static_cast<int>(1 + p.get("consumers")); })
    ->param("consumers", 2, 1, tangle::kMaxScenarioThreads - 1)
    ->param("items", 1, 1, 1000000)
    ->expect({tangle::Kind::invariant_violation, tangle::Kind::data_race});

}  // namespace
