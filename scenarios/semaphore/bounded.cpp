// semaphore/bounded: the tutorial's "at most 3 inside" — more threads than
// slots pass through a BoundedSemaphore(3); inside, a counter of occupants is
// checked never to exceed 3, and every acquire is paired with one release.
#include "tangle/tangle.hpp"

namespace {

class BoundedRoom : public tangle::Scenario {
 public:
  explicit BoundedRoom(const tangle::Params& p) : slots_(p.get("slots")), slots_sem_(slots_, "slots") {}

  void thread(int) override {
    slots_sem_.acquire();
    const int now = inside_.fetch_add(1) + 1;
    tangle::check(now <= slots_,
                  [&] { return "more than " + std::to_string(slots_) + " threads inside at once"; });
    inside_.fetch_sub(1);
    slots_sem_.release();
  }

 private:
  std::int64_t slots_;
  tangle::BoundedSemaphore slots_sem_;
  tangle::Atomic<int> inside_{0, "inside"};
};

TANGLE_SCENARIO(BoundedRoom, "semaphore/bounded")
    ->description("Five threads share three slots of a bounded semaphore")
    ->threads(5)
    ->param("slots", 3, 1, 64);

}  // namespace
