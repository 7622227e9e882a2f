// Report writers: one per format, each reading only the plain-data model.
//
// Threading: none of these is thread-safe on the same report; each is a pure
// function of its input. Cost: linear in the report size.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "tangle/report/model.hpp"

namespace tangle::report {

// results.json (DESIGN.md §6). `read_json` accepts what `write_json` writes and
// throws std::runtime_error with one line on malformed input.
void write_json(const RunReport& report, std::ostream& out);
RunReport read_json(std::istream& in);

// Writes `text` to `path` atomically: a temporary file in the same directory,
// then rename(2), so a reader never sees a half-written report.
// Throws std::runtime_error (one line) when the directory is not writable.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// Writes every report format this build knows into `dir` (created if missing).
// Throws std::runtime_error (one line) when `dir` cannot be written.
void write_report_dir(const RunReport& report, const std::filesystem::path& dir);

}  // namespace tangle::report
