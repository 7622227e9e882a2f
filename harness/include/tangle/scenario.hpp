// Scenario API: what a user writes.
//
//   class Counter : public tangle::Scenario {
//    public:
//     explicit Counter(const tangle::Params& p) : iterations_(p.get("iterations")) {}
//     void thread(int index) override { ... instrumented operations ... }
//     void check() override { tangle::check(total_.final_value() == ..., "lost update"); }
//    private:
//     int iterations_;
//     tangle::Shared<int> total_{0, "total"};
//   };
//   TANGLE_SCENARIO(Counter, "counter/unprotected")
//       ->threads(2)->param("iterations", 2, 1, 1000000)
//       ->expect({tangle::Kind::data_race, tangle::Kind::invariant_violation});
//
// A fresh instance is constructed for every execution (like a googletest
// fixture), with the execution's runtime current, so member primitives are
// fresh too. `thread(i)` runs as scenario thread i; `check()` runs after every
// thread finished. Do not mark code that calls tangle operations `noexcept`:
// an execution that must stop (deadlock, misuse, step bound) is unwound by an
// exception thrown from each thread's pending operation. Registration follows google/benchmark: a file-level static
// filled by one registrar, configured by chained calls.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <utility>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tangle/report/model.hpp"

namespace tangle {

using Kind = report::FindingKind;

// Scenario parameters (`--param NAME=VALUE`): integers, with declared defaults.
// A scenario reads them in its constructor, once per execution, so lookup is
// a scan of a small flat array rather than a map of strings.
class Params {
 public:
  using Map = std::map<std::string, std::int64_t, std::less<>>;
  Params() = default;
  explicit Params(const Map& values);
  // Throws std::out_of_range for an undeclared name (a bug in the scenario).
  std::int64_t get(std::string_view name) const {
    for (const auto& [key, value] : flat_)
      if (key == name) return value;
    missing(name);
  }
  const Map& values() const { return values_; }

 private:
  [[noreturn]] static void missing(std::string_view name);
  Map values_;
  std::vector<std::pair<std::string, std::int64_t>> flat_;
};

// The fixed thread count of a scenario (`threads` parameter) is 1 to
// kMaxScenarioThreads; threads started at run time (tangle::Thread) count
// toward the same limit of threads alive at once.
inline constexpr int kMaxScenarioThreads = 4096;

// The inclusive range a parameter accepts; the CLI rejects values outside it.
struct ParamRange {
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual void thread(int index) = 0;
  virtual void check() {}
};

// A scenario with one main thread that starts and joins the others itself
// (tangle::Thread, thread.hpp), as a program does: main() runs as thread 0,
// and the registration fixes the thread count at 1.
class MainScenario : public Scenario {
 public:
  virtual void main() = 0;

 private:
  void thread(int) final { main(); }
};

// One registered scenario. Plain data plus a factory.
struct ScenarioInfo {
  std::string name;
  std::string description;
  std::string file;  // source file that registered it
  Params::Map defaults;
  std::map<std::string, ParamRange, std::less<>> ranges;  // one per default
  std::vector<Kind> expected;  // empty: must stay clean
  // Thread count from the effective parameters.
  std::function<int(const Params&)> thread_count;
  std::function<std::unique_ptr<Scenario>(const Params&)> make;
  // Constructs into caller-provided storage (`size` bytes, `align`-aligned):
  // the engine reuses one buffer for every execution instead of allocating.
  Scenario* (*construct)(void* storage, const Params&) = nullptr;
  std::size_t size = 0;
  std::size_t align = 0;
  // The scenario starts threads at run time (it derives from MainScenario):
  // engines with a fixed thread count (Relacy) cannot run it.
  bool spawns_threads = false;
};

// Chained configuration of a registration (google/benchmark style).
class ScenarioBuilder {
 public:
  explicit ScenarioBuilder(ScenarioInfo* info) : info_(info) {}
  // Declares parameter `threads` with this default and the range
  // 1..kMaxScenarioThreads: the thread count.
  ScenarioBuilder* threads(int default_count);
  // A fixed thread count, not a parameter.
  ScenarioBuilder* fixed_threads(int count);
  // Thread count computed from the parameters (e.g. producers + consumers);
  // the CLI rejects parameters that make it fall outside 1..kMaxScenarioThreads.
  ScenarioBuilder* threads(std::function<int(const Params&)> from_params);
  // Declares a parameter accepting min..max (inclusive; default: every int64).
  // Throws std::invalid_argument when the default is outside the range.
  ScenarioBuilder* param(const std::string& name, std::int64_t default_value,
                         std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                         std::int64_t max = std::numeric_limits<std::int64_t>::max());
  ScenarioBuilder* expect(std::initializer_list<Kind> kinds);
  ScenarioBuilder* description(const std::string& text);

 private:
  ScenarioInfo* info_;
};

// Every registered scenario, sorted by name.
std::vector<const ScenarioInfo*> registered_scenarios();
const ScenarioInfo* find_scenario(const std::string& name);

namespace detail {
ScenarioBuilder* register_scenario(ScenarioInfo info);

template <class S>
ScenarioBuilder* register_scenario_type(const char* name, const char* file) {
  ScenarioInfo info;
  info.name = name;
  info.file = file;
  info.make = [](const Params& p) -> std::unique_ptr<Scenario> { return std::make_unique<S>(p); };
  info.construct = [](void* storage, const Params& p) -> Scenario* { return new (storage) S(p); };
  info.size = sizeof(S);
  info.align = alignof(S);
  info.spawns_threads = std::is_base_of_v<MainScenario, S>;
  ScenarioBuilder* builder = register_scenario(std::move(info));
  if constexpr (std::is_base_of_v<MainScenario, S>) builder->fixed_threads(1);
  return builder;
}
}  // namespace detail

}  // namespace tangle

#define TANGLE_PRIVATE_CONCAT2(a, b) a##b
#define TANGLE_PRIVATE_CONCAT(a, b) TANGLE_PRIVATE_CONCAT2(a, b)

// Registers scenario class `Class` (constructible from `const tangle::Params&`)
// under `name`; chain ->threads(), ->param(), ->expect() after it.
#define TANGLE_SCENARIO(Class, name)                                                   \
  [[maybe_unused]] static ::tangle::ScenarioBuilder* TANGLE_PRIVATE_CONCAT(            \
      tangle_scenario_, __LINE__) = ::tangle::detail::register_scenario_type<Class>(   \
      name, __FILE__)
