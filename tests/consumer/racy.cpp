// A lost update that declares no finding: its discovered test must fail
// (ci/examples.sh runs it apart and wants the failure).
#include "tangle/tangle.hpp"

namespace {

class Racy : public tangle::Scenario {
 public:
  explicit Racy(const tangle::Params&) {}
  void thread(int) override { n_.write(n_.read() + 1); }
  void check() override { tangle::check(n_.final_value() == 2, "lost update"); }

 private:
  tangle::Shared<int> n_{0, "n"};
};

TANGLE_SCENARIO(Racy, "consumer/racy")->threads(2);

}  // namespace
