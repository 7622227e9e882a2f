// GoogleTest integration: one assertion runs a tangle scenario (link
// tangle::gtest).
//
//   TEST(MyQueue, NoLostItems) {
//     EXPECT_TANGLE_PASS("mine/queue");                           // declared expectations
//     EXPECT_TANGLE_PASS("mine/queue", {.strategy = "random", .executions = 50000});
//   }
//
// The RunSpec is taken with the environment's overrides (TANGLE_SEED,
// TANGLE_EXECUTIONS, TANGLE_STRATEGY, TANGLE_ENGINE, TANGLE_TIME_BUDGET,
// TANGLE_REPORT_DIR: tangle::with_environment), so CI can raise the effort
// without recompiling; a malformed value fails the assertion naming it.
//
// The failure message is the verdict reason and every finding with its
// source lines and a command that replays it: this test binary itself,
// `/path/to/test_binary --tangle_replay=TOKEN`. With that flag the binary
// replays the token (as `tangle replay TOKEN` would, with every scenario
// linked into it) before any test runs, and exits with replay's exit code
// (0 reproduced, 1 not, 2 a bad token).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tangle/run.hpp"

namespace tangle::testing {

::testing::AssertionResult ScenarioPasses(const std::string& name, const RunSpec& spec = {});

// The replay command printed with a finding, up to the token:
// "'/abs/path/to/this/binary' --tangle_replay=".
std::string replay_command_prefix();

}  // namespace tangle::testing

#define EXPECT_TANGLE_PASS(name, ...) EXPECT_TRUE(::tangle::testing::ScenarioPasses(name, ##__VA_ARGS__))
#define ASSERT_TANGLE_PASS(name, ...) ASSERT_TRUE(::tangle::testing::ScenarioPasses(name, ##__VA_ARGS__))
