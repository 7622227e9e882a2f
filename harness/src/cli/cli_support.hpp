// Command-line input shared by tangle and tangle-relacy: scenario selection
// by glob, --param parsing, --expect files, the report directory check.
// Every input error is a UsageError: one line on stderr, exit code 2.
#pragma once

#include <cstdint>
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

// --expect FILE: lines "name: kind[,kind]" or "name: none"; '#' starts a comment.
std::map<std::string, std::vector<report::FindingKind>> read_expect_file(const std::string& path);

// Creates `dir` if needed and proves it writable before anything runs.
void check_report_dir(const std::string& dir);

std::string command_line(int argc, char** argv);

}  // namespace tangle::cli
