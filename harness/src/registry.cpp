// The scenario registry: filled by file-level statics (TANGLE_SCENARIO) before
// main, read-only afterwards.
#include <algorithm>
#include <deque>
#include <stdexcept>

#include "tangle/scenario.hpp"

namespace tangle {
namespace {
// A deque keeps element addresses stable while statics register.
std::deque<ScenarioInfo>& registry() {
  static std::deque<ScenarioInfo> r;
  return r;
}
}  // namespace

Params::Params(const Map& values) : values_(values) {
  for (const auto& [k, v] : values_) flat_.emplace_back(k, v);
}

void Params::missing(std::string_view name) {
  throw std::out_of_range("scenario parameter '" + std::string(name) + "' is not declared");
}

ScenarioBuilder* ScenarioBuilder::threads(int default_count) {
  param("threads", default_count, 1, kMaxScenarioThreads);
  info_->thread_count = [](const Params& p) { return static_cast<int>(p.get("threads")); };
  return this;
}

ScenarioBuilder* ScenarioBuilder::fixed_threads(int count) {
  info_->thread_count = [count](const Params&) { return count; };
  return this;
}

ScenarioBuilder* ScenarioBuilder::threads(std::function<int(const Params&)> from_params) {
  info_->thread_count = std::move(from_params);
  return this;
}

ScenarioBuilder* ScenarioBuilder::param(const std::string& name, std::int64_t default_value, std::int64_t min,
                                        std::int64_t max) {
  // A registration bug, found at start-up of every binary that links it.
  if (default_value < min || default_value > max)
    throw std::invalid_argument(info_->name + ": default " + name + "=" + std::to_string(default_value) +
                                " is outside its range " + std::to_string(min) + ".." + std::to_string(max));
  info_->defaults[name] = default_value;
  info_->ranges[name] = ParamRange{min, max};
  return this;
}

ScenarioBuilder* ScenarioBuilder::expect(std::initializer_list<Kind> kinds) {
  info_->expected.assign(kinds.begin(), kinds.end());
  return this;
}

ScenarioBuilder* ScenarioBuilder::description(const std::string& text) {
  info_->description = text;
  return this;
}

std::vector<const ScenarioInfo*> registered_scenarios() {
  std::vector<const ScenarioInfo*> out;
  for (const auto& s : registry()) out.push_back(&s);
  std::sort(out.begin(), out.end(),
            [](const ScenarioInfo* a, const ScenarioInfo* b) { return a->name < b->name; });
  return out;
}

const ScenarioInfo* find_scenario(const std::string& name) {
  for (const auto& s : registry())
    if (s.name == name) return &s;
  return nullptr;
}

namespace detail {
ScenarioBuilder* register_scenario(ScenarioInfo info) {
  if (!info.thread_count) info.thread_count = [](const Params&) { return 1; };
  registry().push_back(std::move(info));
  // Builders live as long as the program, like google/benchmark's.
  static std::deque<ScenarioBuilder> builders;
  builders.emplace_back(&registry().back());
  return &builders.back();
}
}  // namespace detail

}  // namespace tangle
