// prodcons/bounded-queue: producers and consumers over tangle::BoundedQueue
// (mutex + not_full/not_empty condition variables, waits in while loops).
// Every item must be consumed exactly once, and each consumer must see each
// producer's items in the order they were put.
#include <vector>

#include "tangle/tangle.hpp"

namespace {

class BoundedQueueScenario : public tangle::Scenario {
 public:
  explicit BoundedQueueScenario(const tangle::Params& p)
      : producers_(p.get("producers")), consumers_(p.get("consumers")), items_(p.get("items")),
        queue_(static_cast<std::size_t>(p.get("capacity"))),
        got_(static_cast<std::size_t>(consumers_)) {}

  void thread(int index) override {
    if (index < producers_) {
      for (std::int64_t i = 0; i < items_; ++i) queue_.put(static_cast<int>(index * kStride + i));
      return;
    }
    // Consumers split the total evenly; the last one takes the remainder.
    const std::int64_t total = producers_ * items_;
    const std::int64_t c = index - producers_;
    std::int64_t quota = total / consumers_;
    if (c == consumers_ - 1) quota += total % consumers_;
    for (std::int64_t i = 0; i < quota; ++i) got_[c].push_back(queue_.get());
  }

  void check() override {
    std::vector<int> seen(static_cast<std::size_t>(producers_ * items_), 0);
    for (const auto& items : got_) {
      std::vector<int> last(static_cast<std::size_t>(producers_), -1);
      for (int item : items) {
        const int producer = item / kStride, seq = item % kStride;
        tangle::check(seq > last[producer], [&] {
          return "a consumer saw producer " + std::to_string(producer) + "'s items out of order";
        });
        last[producer] = seq;
        ++seen[static_cast<std::size_t>(producer * items_ + seq)];
      }
    }
    for (int count : seen)
      tangle::check(count == 1, [&] { return "an item was consumed " + std::to_string(count) + " times"; });
    tangle::check(queue_.final_size() == 0, "items were left in the queue");
  }

 private:
  static constexpr int kStride = 1000;
  std::int64_t producers_, consumers_, items_;
  tangle::BoundedQueue<int> queue_;
  std::vector<std::vector<int>> got_;  // one per consumer, touched only by it
};

TANGLE_SCENARIO(BoundedQueueScenario, "prodcons/bounded-queue")
    ->description("Producers and consumers over a bounded blocking queue")
    ->threads([](const tangle::Params& p) { return static_cast<int>(p.get("producers") + p.get("consumers")); })
    ->param("producers", 2, 1, tangle::kMaxScenarioThreads - 1)
    ->param("consumers", 2, 1, tangle::kMaxScenarioThreads - 1)
    ->param("items", 2, 1, 999)  // below kStride: an item encodes (producer, seq)
    ->param("capacity", 2, 1, 1000000);

}  // namespace
