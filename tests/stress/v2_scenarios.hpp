// What the engine core v2 test scenarios (v2_scenarios.cpp) leave for the
// tests to read.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace tangle::test_v2 {
// How often each answer of tangle::choose(4) was drawn ("stress-v2/choices").
extern std::array<std::atomic<std::uint64_t>, 4> g_choices;
}  // namespace tangle::test_v2
