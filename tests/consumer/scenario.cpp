// One scenario, compiled into a library of the type under test; its name
// says which (CONSUMER_TYPE).
#include "tangle/tangle.hpp"

namespace {

class Locked : public tangle::Scenario {
 public:
  explicit Locked(const tangle::Params&) {}
  void thread(int) override {
    tangle::LockGuard g(mu_);
    n_.write(n_.read() + 1);
  }
  void check() override { tangle::check(n_.final_value() == 2, "lost update"); }

 private:
  tangle::Mutex mu_{"mu"};
  tangle::Shared<int> n_{0, "n"};
};

TANGLE_SCENARIO(Locked, "consumer/" CONSUMER_TYPE)->threads(2);

}  // namespace
