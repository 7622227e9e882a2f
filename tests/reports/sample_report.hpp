// A hand-built RunReport exercising every part of the report writers:
// passing and failing scenarios, a data race with a trace, a deadlock with a
// wait-for cycle, a lock-order inversion, a TSan finding with stacks, a missed
// expected bug, and hostile strings (markup, quotes, bad UTF-8) everywhere
// scenario code can put text.
#pragma once

#include <filesystem>
#include <string>

#include "tangle/report/model.hpp"

namespace tangle::report::testing {

inline constexpr const char* kHostileName = "evil/<script>alert(1)</script>\"quoted'";

RunReport sample_report();

// Only the deadlock scenario (for the screenshot: finding on top, open).
RunReport deadlock_report();

// `scenarios` scenarios with `per_scenario` findings each, traces of
// `events` events (a synthetic large run).
RunReport large_report(int scenarios, int per_scenario, int events);

// A fresh directory holding scenarios/... source files the sample's
// locations point at, for source excerpts.
std::filesystem::path make_source_root();

// A fresh, empty temporary directory.
std::filesystem::path temp_dir(const std::string& tag);

}  // namespace tangle::report::testing
