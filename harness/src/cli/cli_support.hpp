// Command-line input shared by tangle and tangle-relacy: scenario selection
// by glob, --param parsing, --expect files, the report directory check, and
// the end of a run or gate (expectation overrides, "gate:" lines, exit code).
// Every input error is a UsageError: one line on stderr, exit code 2.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `what` names the input in the message ("--param threads").
std::int64_t parse_int(const std::string& text, const std::string& what);

// Registered scenarios matching any of the globs (all when none), by name.
// A glob that matches nothing is an error naming `list_command`.
std::vector<const ScenarioInfo*> select(const std::vector<std::string>& patterns,
                                        const std::string& list_command = "tangle list");

// NAME=VALUE items; NAME must be declared by a selected scenario.
Params::Map parse_params(const std::vector<std::string>& items,
                         const std::vector<const ScenarioInfo*>& selected);

// Expected finding kinds by scenario name, as read from an --expect file.
using Expectations = std::map<std::string, std::vector<report::FindingKind>>;

// --expect FILE: lines "name: kind[,kind]" or "name: none"; '#' starts a comment.
Expectations read_expect_file(const std::string& path);

// When `expectations` names `scenario`: its kinds replace result.expected and
// the verdict (and verdict_reason) is judged again against them.
void apply_expectations(const Expectations& expectations, const std::string& scenario,
                        report::ScenarioResult& result);

// The exit code of run and gate: 0 when every scenario passed, else 1. With
// `gate`, also prints "gate: PASS — …" or "gate: FAIL — unexpected outcomes:"
// followed by one "  name: reason" line per failed scenario.
int finish_gate(const report::RunReport& rep, bool gate, std::ostream& out);

// Creates `dir` if needed and proves it writable before anything runs.
void check_report_dir(const std::string& dir);

std::string command_line(int argc, char** argv);

}  // namespace tangle::cli
