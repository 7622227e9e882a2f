// Report writers: one per format, each reading only the plain-data model.
//
// Threading: none of these is thread-safe on the same report; each is a pure
// function of its input. Cost: linear in the report size.
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>

#include "tangle/report/model.hpp"

namespace tangle::report {

// results.json (DESIGN.md §6). `read_json` accepts what `write_json` writes and
// throws std::runtime_error with one line on malformed input.
void write_json(const RunReport& report, std::ostream& out);
RunReport read_json(std::istream& in);

// junit.xml: one <testsuite> per scenario family ("counter"), one <testcase>
// per scenario (classname = family, name = full name), a <failure> when the
// verdict is fail. Counts agree with results.json. The element-to-model
// mapping is documented at the top of reports/src/junit_writer.cpp.
void write_junit(const RunReport& report, std::ostream& out);

// results.sarif (SARIF 2.1.0, for GitHub code scanning): one result per
// distinct finding, ruleId = finding kind, every kind described in
// tool.driver.rules, the interleaving as codeFlows/threadFlows. Level "error"
// for findings of scenarios whose verdict is fail, "note" for expected ones.
// Paths are emitted relative to %SRCROOT%; absolute paths under `source_root`
// are made relative to it (an empty root leaves paths as they are).
void write_sarif(const RunReport& report, std::ostream& out,
                 const std::filesystem::path& source_root = {});

struct HtmlOptions {
  // Where trace locations ("scenarios/counter/unprotected.cpp:31") are
  // resolved to show source lines. Empty: no source excerpts. Only files under
  // this root are read (no "../" escapes), each at most once.
  std::filesystem::path source_root;
  int context_lines = 3;               // lines shown on each side of a location
  std::size_t max_trace_events = 200;  // events drawn per timeline (the tail)
  std::size_t open_findings = 12;      // findings expanded on load; rest collapsed
};

// index.html: one self-contained page (inline CSS, JS and SVG; no network).
// Every string that comes from scenario code is HTML-escaped.
void write_html(const RunReport& report, std::ostream& out, const HtmlOptions& options = {});

// Writes `text` to `path` atomically: a temporary file in the same directory,
// then rename(2), so a reader never sees a half-written report.
// Throws std::runtime_error (one line) when the directory is not writable.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// Writes every report format this build knows into `dir` (created if missing):
// results.json, junit.xml, results.sarif, index.html. All are rendered to
// memory first, then each file is written atomically. `source_root` is passed
// to the SARIF and HTML writers (pass the repository root, TANGLE_SOURCE_ROOT).
// Throws std::runtime_error (one line) when `dir` cannot be written.
void write_report_dir(const RunReport& report, const std::filesystem::path& dir,
                      const std::filesystem::path& source_root = {});

}  // namespace tangle::report
