// Objects keyed by address on the stress engine: real threads make their
// first uses of one address concurrently (address_counter.hpp).
#include <gtest/gtest.h>

#include "../address_counter.hpp"
#include "stress/stress_runner.hpp"

namespace tangle::detail {
namespace {

using report::FindingKind;

// The stress engine (real threads, concurrent first uses of one address).
struct StressRawCounter : RawCounter<false> {
  using RawCounter::RawCounter;
};
struct StressLockedCounter : RawCounter<true> {
  using RawCounter::RawCounter;
};
TANGLE_SCENARIO(StressRawCounter, "stress-test/address-raw-counter")->fixed_threads(2)->expect({Kind::data_race});
TANGLE_SCENARIO(StressLockedCounter, "stress-test/address-locked-counter")->fixed_threads(2);

report::ScenarioResult stress(const char* name, std::uint64_t executions) {
  StressOptions o;
  o.executions = executions;
  o.time_budget_s = 20;
  o.isolate = false;
  const ScenarioInfo* info = find_scenario(name);
  return run_scenario_stress(*info, Params(info->defaults), o);
}

TEST(AddressObjects, StressEngineJudgesAddressObjectsToo) {
  const auto racy = stress("stress-test/address-raw-counter", 200);
  bool race = false;
  for (const auto& f : racy.findings) race = race || f.kind == FindingKind::data_race;
  EXPECT_TRUE(race);
  const auto locked = stress("stress-test/address-locked-counter", 200);
  for (const auto& f : locked.findings) ADD_FAILURE() << to_string(f.kind) << ": " << f.message;
}

}  // namespace
}  // namespace tangle::detail
