// The CLI's strict parsers and the scenario parameter ranges, in-process:
// the edges of every type (the binaries' tests in cli_test.cpp check that
// each flag uses them).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "cli/cli_support.hpp"
#include "tangle/scenario.hpp"

namespace tangle::cli {
namespace {

constexpr auto kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr auto kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr auto kU64Max = std::numeric_limits<std::uint64_t>::max();

TEST(ParseInt, WholeInt64RangeExactly) {
  EXPECT_EQ(parse_int("9223372036854775807", "x"), kI64Max);
  EXPECT_EQ(parse_int("-9223372036854775808", "x"), kI64Min);
  EXPECT_EQ(parse_int("-0", "x"), 0);
  EXPECT_EQ(parse_int("007", "x"), 7);
  EXPECT_THROW(parse_int("9223372036854775808", "x"), UsageError);
  EXPECT_THROW(parse_int("-9223372036854775809", "x"), UsageError);
}

TEST(ParseInt, RejectsAnythingButDigitsAfterOneMinus) {
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "1e3", "0x10", "1.0", "--1", "1-", "\n1", "١"})
    EXPECT_THROW(parse_int(bad, "x"), UsageError) << bad;
}

TEST(ParseInt, RangeIsInclusiveAndNamedInTheMessage) {
  EXPECT_EQ(parse_int("1", "--depth", 1, 10), 1);
  EXPECT_EQ(parse_int("10", "--depth", 1, 10), 10);
  try {
    parse_int("11", "--depth", 1, 10);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--depth: 11 is out of range 1..10");
  }
}

TEST(ParseUint, WholeUint64RangeAndNoNegativeWrap) {
  EXPECT_EQ(parse_uint("18446744073709551615", "--seed"), kU64Max);
  EXPECT_EQ(parse_uint("0", "--seed"), 0u);
  EXPECT_THROW(parse_uint("18446744073709551616", "--seed"), UsageError);
  try {
    parse_uint("-1", "--seed");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--seed: -1 is out of range 0..18446744073709551615");
  }
  EXPECT_THROW(parse_uint("-0", "--executions", 1, 5), UsageError);
}

TEST(ParseSeconds, FiniteAndPositiveUpToTheMaximum) {
  EXPECT_DOUBLE_EQ(parse_seconds("0.25", "--watchdog", 3600), 0.25);
  EXPECT_DOUBLE_EQ(parse_seconds("1e-3", "--watchdog", 3600), 0.001);
  EXPECT_DOUBLE_EQ(parse_seconds("3600", "--watchdog", 3600), 3600);
  for (const char* bad : {"", "0", "-0", "-1", "nan", "NaN", "inf", "-inf", "3600.5", "1e400", "1e-400", "+1",
                          " 1", "1s", "0x1p3", "1,5"})
    EXPECT_THROW(parse_seconds(bad, "--watchdog", 3600), UsageError) << bad;
}

TEST(OneLine, ControlCharactersAndLengthAreTamed) {
  EXPECT_EQ(one_line("a\nb\tc\r"), "a?b?c?");
  EXPECT_EQ(one_line(std::string(300, 'x')), std::string(200, 'x') + "…");
  EXPECT_EQ(one_line(std::string(300, 'x'), std::string::npos), std::string(300, 'x'));
}

// Every registered scenario: each parameter has a range holding its default,
// `threads` (when declared by threads(n)) is 1..64, and the defaults give a
// thread count the engines run.
TEST(ScenarioRanges, EveryParameterHasARangeHoldingItsDefault) {
  for (const ScenarioInfo* s : registered_scenarios()) {
    ASSERT_EQ(s->ranges.size(), s->defaults.size()) << s->name;
    for (const auto& [name, value] : s->defaults) {
      const ParamRange r = s->ranges.at(name);
      EXPECT_LE(r.min, value) << s->name << " " << name;
      EXPECT_LE(value, r.max) << s->name << " " << name;
    }
    if (auto t = s->ranges.find("threads"); t != s->ranges.end()) {
      EXPECT_GE(t->second.min, 1) << s->name;
      EXPECT_LE(t->second.max, kMaxScenarioThreads) << s->name;
    }
    EXPECT_NO_THROW(check_params(*s, {}, "--param")) << s->name;
  }
}

TEST(ScenarioRanges, BuiltinsDeclareBoundedRanges) {
  for (const ScenarioInfo* s : registered_scenarios())
    for (const auto& [name, range] : s->ranges) {
      if (s->name.rfind("stress-test/", 0) == 0 || s->name.rfind("hostile/", 0) == 0) continue;
      EXPECT_NE(range.min, kI64Min) << s->name << " " << name;
      EXPECT_NE(range.max, kI64Max) << s->name << " " << name;
    }
}

TEST(CheckParams, OutOfRangeNamesScenarioAndRange) {
  const ScenarioInfo* info = find_scenario("counter/locked");
  ASSERT_NE(info, nullptr);
  EXPECT_NO_THROW(check_params(*info, {{"threads", 4096}, {"iterations", 1}}, "--param"));
  try {
    check_params(*info, {{"threads", 4097}}, "--param");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--param threads=4097: counter/locked takes threads in 1..4096");
  }
  // A name the scenario does not declare is not its concern (parse_params
  // rejects names no selected scenario declares).
  EXPECT_NO_THROW(check_params(*info, {{"producers", 1000}}, "--param"));
}

TEST(CheckParams, ThreadCountFromEffectiveParameters) {
  const ScenarioInfo* info = find_scenario("prodcons/bounded-queue");
  ASSERT_NE(info, nullptr);
  EXPECT_NO_THROW(check_params(*info, {{"producers", 2048}, {"consumers", 2048}}, "--param"));
  EXPECT_THROW(check_params(*info, {{"producers", 2048}, {"consumers", 2049}}, "--param"), UsageError);
  // Through parse_params, as the CLI calls it (2 consumers by default).
  EXPECT_THROW(parse_params({"producers=4095"}, {info}), UsageError);
  EXPECT_EQ(parse_params({"producers=4094"}, {info}).at("producers"), 4094);
}

TEST(ScenarioBuilder, DefaultOutsideItsRangeIsARegistrationError) {
  ScenarioInfo info;
  info.name = "test/bad-default";
  ScenarioBuilder b(&info);
  EXPECT_THROW(b.param("n", 0, 1, 10), std::invalid_argument);
  EXPECT_THROW(b.threads(kMaxScenarioThreads + 1), std::invalid_argument);
  b.param("n", 3, 1, 10);
  EXPECT_EQ(info.ranges.at("n").min, 1);
  EXPECT_EQ(info.ranges.at("n").max, 10);
}

}  // namespace
}  // namespace tangle::cli
