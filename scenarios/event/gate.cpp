// event/gate: the tutorial's door and people sharing an Event and a status.
// The door thread opens and closes the gate a few times; the people thread
// lets each person in only while the door is open. The status is guarded by a
// mutex and changes together with the event, so a person never enters a
// closed door and nothing races.
#include "tangle/tangle.hpp"

namespace {

enum Door : int { kClosed = 0, kOpen = 1 };

class Gate : public tangle::Scenario {
 public:
  explicit Gate(const tangle::Params& p) : cycles_(p.get("cycles")), persons_(p.get("persons")) {}

  void thread(int index) override {
    if (index == 0) door();
    else people();
  }

  void check() override {
    tangle::check(entered_.final_value() == persons_, "not every person got in");
  }

 private:
  void door() {
    for (std::int64_t c = 0; c < cycles_; ++c) {
      set_door(kOpen);
      set_door(kClosed);
    }
    set_door(kOpen);  // stays open: everybody still waiting gets in
  }
  void set_door(Door state) {
    tangle::LockGuard guard(lock_);
    status_.write(state);
    if (state == kOpen) open_.set();
    else open_.clear();
  }

  void people() {
    for (std::int64_t p = 0; p < persons_;) {
      open_.wait();
      tangle::LockGuard guard(lock_);
      if (status_.read() != kOpen) continue;  // closed again before we got here
      entered_.write(entered_.read() + 1);
      ++p;
    }
  }

  std::int64_t cycles_, persons_;
  tangle::Mutex lock_{"door_lock"};
  tangle::Event open_{"door_open"};
  tangle::Shared<int> status_{kClosed, "door_status"};
  tangle::Shared<std::int64_t> entered_{0, "entered"};
};

TANGLE_SCENARIO(Gate, "event/gate")
    ->description("A door thread and a people thread share an event and a locked status")
    ->fixed_threads(2)
    ->param("cycles", 2, 0, 1000000)
    ->param("persons", 2, 0, 1000000);

}  // namespace
