// semaphore/over-release: one thread releases its slot twice (an error path
// that releases again). The BoundedSemaphore's count would exceed its initial
// value: semaphore_overrelease, exactly at the release that overflows (which,
// depending on the interleaving, may be another thread's correct release —
// as with Python's BoundedSemaphore, the count is what is checked).
#include "tangle/tangle.hpp"

namespace {

class OverRelease : public tangle::Scenario {
 public:
  explicit OverRelease(const tangle::Params& p) : slots_(p.get("slots")), slots_sem_(slots_, "slots") {}

  void thread(int index) override {
    slots_sem_.acquire();
    inside_.fetch_add(1);
    inside_.fetch_sub(1);
    slots_sem_.release();
    if (index == 0) slots_sem_.release();  // BUG: released twice
  }

 private:
  std::int64_t slots_;
  tangle::BoundedSemaphore slots_sem_;
  tangle::Atomic<int> inside_{0, "inside"};
};

TANGLE_SCENARIO(OverRelease, "semaphore/over-release")
    ->description("A thread releases a bounded semaphore twice")
    ->threads(5)
    ->param("slots", 3, 1, 64)
    ->expect({tangle::Kind::semaphore_overrelease});

}  // namespace
