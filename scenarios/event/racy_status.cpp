// event/racy-status: the gate with the status outside any lock, and the door
// signalling before it updates the status. The people thread reads a status
// the door writes with nothing ordering them (data_race), and can let a person
// in while the status still says closed (invariant_violation).
#include "tangle/tangle.hpp"

namespace {

enum Door : int { kClosed = 0, kOpen = 1 };

class RacyGate : public tangle::Scenario {
 public:
  explicit RacyGate(const tangle::Params& p)
      : cycles_(p.get("cycles")), persons_(p.get("persons")) {}

  void thread(int index) override {
    if (index == 0) door();
    else people();
  }

 private:
  void door() {
    for (std::int64_t c = 0; c < cycles_; ++c) {
      open_.set();             // BUG: signals before the status says open,
      status_.write(kOpen);    // and writes the status with no lock
      status_.write(kClosed);
      open_.clear();
    }
    open_.set();
    status_.write(kOpen);
  }

  void people() {
    for (std::int64_t p = 0; p < persons_; ++p) {
      open_.wait();
      const int seen = status_.read();  // BUG: unordered with the door's writes
      tangle::check(seen == kOpen, "a person went through the door while its status said closed");
    }
  }

  std::int64_t cycles_, persons_;
  tangle::Event open_{"door_open"};
  tangle::Shared<int> status_{kClosed, "door_status"};
};

TANGLE_SCENARIO(RacyGate, "event/racy-status")
    ->description("The door signals before updating an unguarded status")
    ->fixed_threads(2)
    ->param("cycles", 2, 0, 1000000)
    ->param("persons", 2, 0, 1000000)
    ->expect({tangle::Kind::data_race, tangle::Kind::invariant_violation});

}  // namespace
