// tangle::set_name: objects made by generic code (a policy template) named
// after construction show by that name in findings, on the controlled and
// the stress engine; for types that are not tangle primitives it compiles to
// nothing.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "engine_helpers.hpp"
#include "stress/stress_runner.hpp"
#include "tangle/tangle.hpp"

namespace tangle::detail {
namespace {

// Generic code: two locks of a policy's type, taken in opposite orders.
template <class Lock>
struct Pair {
  Lock first, second;
  Pair() {
    set_name(first, std::string("left") + " fork");  // a computed name: tangle keeps a copy
    set_name(second, "right fork");
  }
};

struct NamedLockOrder : Scenario {
  explicit NamedLockOrder(const Params&) {}
  Pair<Mutex> pair;
  void thread(int i) override {
    Mutex& a = i == 0 ? pair.first : pair.second;
    Mutex& b = i == 0 ? pair.second : pair.first;
    LockGuard ga(a);
    LockGuard gb(b);
  }
};

std::string all_messages(const report::ScenarioResult& r) {
  std::string s;
  for (const auto& f : r.findings) s += f.message + "\n";
  return s;
}

TEST(SetName, GenericObjectsAreNamedInFindings) {
  const ScenarioInfo info = info_for<NamedLockOrder>(2);
  RunOptions options;
  options.executions = 200;
  const std::string controlled = all_messages(run_scenario(info, Params(info.defaults), options));
  EXPECT_NE(controlled.find("mutex left fork"), std::string::npos) << controlled;
  EXPECT_NE(controlled.find("mutex right fork"), std::string::npos) << controlled;
  EXPECT_EQ(controlled.find("mutex #"), std::string::npos) << controlled;

  StressOptions stress;
  stress.executions = 50;
  stress.isolate = false;
  const std::string real = all_messages(run_scenario_stress(info, Params(info.defaults), stress));
  EXPECT_NE(real.find("mutex left fork"), std::string::npos) << real;
}

TEST(SetName, IsANoOpForOtherTypes) {
  Pair<std::mutex> plain;  // compiles, and needs no engine
  std::lock_guard<std::mutex> g(plain.first);
  int x = 0;
  set_name(x, "x");
  EXPECT_EQ(x, 0);
}

}  // namespace
}  // namespace tangle::detail
