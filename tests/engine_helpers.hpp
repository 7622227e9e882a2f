// Small helpers shared by the engine tests (engine_test.cpp, core_v2_test.cpp):
// a ScenarioInfo for a test-only scenario class, and the finding kinds a
// controlled run of it produces.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <utility>

#include "runner.hpp"
#include "tangle/scenario.hpp"

namespace tangle::detail {

template <class S>
ScenarioInfo info_for(int threads, Params::Map defaults = {}) {
  ScenarioInfo info;
  info.name = "test/scenario";
  info.defaults = std::move(defaults);
  info.thread_count = [threads](const Params&) { return threads; };
  info.make = [](const Params& p) -> std::unique_ptr<Scenario> { return std::make_unique<S>(p); };
  return info;
}

// Kinds found over `executions` executions of `strategy`.
inline std::set<report::FindingKind> kinds_found(const ScenarioInfo& info, int executions,
                                                 const char* strategy = "random",
                                                 std::uint64_t max_steps = 100000) {
  RunOptions options;
  options.strategy = strategy;
  options.executions = static_cast<std::uint64_t>(executions);
  options.engine.max_steps = max_steps;
  auto result = run_scenario(info, Params(info.defaults), options);
  std::set<report::FindingKind> out;
  for (const auto& f : result.findings) out.insert(f.kind);
  return out;
}

}  // namespace tangle::detail
