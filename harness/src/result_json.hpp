// One scenario's result as the JSON text a supervised child process sends its
// parent (report::write_json of a one-scenario run), and back. Every runner
// that executes scenarios in children (stress, relacy; the controlled
// engine's supervised runner can use it too) shares this pair. Header-only.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "tangle/report/model.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::detail {

// `engine` only labels the one-scenario wrapper run.
inline std::string result_to_json(const report::ScenarioResult& result, const std::string& engine) {
  report::RunReport run;
  run.engine = engine;
  run.strategy = engine;
  run.scenarios.push_back(result);
  std::ostringstream out;
  report::write_json(run, out);
  return out.str();
}

// Throws std::runtime_error when the text does not hold exactly one scenario
// (and whatever report::read_json throws on malformed JSON).
inline report::ScenarioResult result_from_json(const std::string& text) {
  std::istringstream in(text);
  report::RunReport run = report::read_json(in);
  if (run.scenarios.size() != 1) throw std::runtime_error("a child process sent a malformed result");
  return std::move(run.scenarios.front());
}

}  // namespace tangle::detail
