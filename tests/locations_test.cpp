// Locations as program counters (Loc::from_pc, symbolize.hpp): Shared<T>'s
// compound operators name their caller's file:line in findings — this
// file's, which is built with line tables — on the controlled engine, in
// process and supervised (where the parent renders what the child saw).
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "engine_helpers.hpp"
#include "model/finding.hpp"
#include "runner.hpp"
#include "source_path.hpp"
#include "symbolize.hpp"
#include "tangle/tangle.hpp"

namespace tangle::detail {
namespace {

constexpr std::uint32_t kIncrementLine = __LINE__ + 6;  // the `+=` below
class CompoundIncrement final : public Scenario {
 public:
  explicit CompoundIncrement(const Params&) {}
  void thread(int) override {
    for (int i = 0; i < 2; ++i) {
      counter_ += 1;
    }
  }
  void check() override { tangle::check(counter_.final_value() == 4, "lost update"); }

 private:
  Shared<int> counter_{0, "counter"};
};

const std::string kHere = "tests/locations_test.cpp:" + std::to_string(kIncrementLine);

report::ScenarioResult run(bool isolate) {
  ScenarioInfo info = info_for<CompoundIncrement>(2);
  info.name = "test/compound-increment";
  RunOptions options;
  options.executions = 200;
  options.isolate = isolate;
  return run_scenario(info, Params(info.defaults), options);
}

void expect_race_at_caller(const report::ScenarioResult& r) {
  bool race = false;
  for (const report::Finding& f : r.findings) {
    if (f.kind != report::FindingKind::data_race) continue;
    race = true;
    ASSERT_FALSE(f.locations.empty());
    for (const std::string& l : f.locations) {
      EXPECT_EQ(l, kHere) << f.message;
      EXPECT_EQ(l.find("shared.hpp"), std::string::npos) << f.message;
    }
    EXPECT_NE(f.message.find(kHere), std::string::npos) << f.message;
  }
  EXPECT_TRUE(race);
}

TEST(Locations, CompoundOperatorsNameTheirCallerInProcess) { expect_race_at_caller(run(false)); }
TEST(Locations, CompoundOperatorsNameTheirCallerSupervised) { expect_race_at_caller(run(true)); }

TEST(Locations, AProgramCounterIsItsOwnKindOfLoc) {
  const Loc line = Loc::current();
  EXPECT_FALSE(line.is_pc());
  EXPECT_EQ(line.pc(), nullptr);
  const Loc pc = Loc::from_pc(reinterpret_cast<const void*>(&symbolize));
  EXPECT_TRUE(pc.is_pc());
  EXPECT_STREQ(pc.file_name(), "");
  EXPECT_NE(pc.line(), 0u);  // a location is known
  // Not a return address into a line table here: a name, not garbage.
  EXPECT_FALSE(location_string(pc).empty());
}

// A pc's dedup key is its offset in its module: equal for equal pcs, and
// distinct from another pc's.
TEST(Locations, ModuleOffsetsTellPcsApart) {
  const auto* a = reinterpret_cast<const char*>(&symbolize);
  EXPECT_EQ(module_offset(a), module_offset(a));
  EXPECT_NE(module_offset(a), module_offset(a + 16));
  EXPECT_EQ(finding_signature(report::FindingKind::data_race, std::array<Loc, 1>{Loc::from_pc(a)}, ""),
            finding_signature(report::FindingKind::data_race, std::array<Loc, 1>{Loc::from_pc(a)}, ""));
  EXPECT_NE(finding_signature(report::FindingKind::data_race, std::array<Loc, 1>{Loc::from_pc(a)}, ""),
            finding_signature(report::FindingKind::data_race, std::array<Loc, 1>{Loc::from_pc(a + 16)}, ""));
}

}  // namespace
}  // namespace tangle::detail
