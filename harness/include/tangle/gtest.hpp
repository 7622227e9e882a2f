// GoogleTest integration: one assertion runs a tangle scenario.
//
//   TEST(MyQueue, NoLostItems) {
//     EXPECT_TANGLE_PASS("mine/queue");                           // declared expectations
//     EXPECT_TANGLE_PASS("mine/queue", {.strategy = "random", .executions = 50000});
//   }
//
// The failure message is the verdict reason and every finding with its
// source lines and the `tangle replay` command that re-executes it.
#pragma once

#include <gtest/gtest.h>

#include "tangle/run.hpp"

namespace tangle::testing {

inline ::testing::AssertionResult ScenarioPasses(const std::string& name, const RunSpec& spec = {}) {
  const RunOutcome outcome = tangle::run(name, spec);
  if (outcome.passed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "tangle scenario " << name << ": " << outcome.summary;
}

}  // namespace tangle::testing

#define EXPECT_TANGLE_PASS(name, ...) EXPECT_TRUE(::tangle::testing::ScenarioPasses(name, ##__VA_ARGS__))
#define ASSERT_TANGLE_PASS(name, ...) ASSERT_TRUE(::tangle::testing::ScenarioPasses(name, ##__VA_ARGS__))
