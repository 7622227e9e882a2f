// Report writers: one per format, each reading only the plain-data model.
// Each is also a Reporter (reporter.hpp), which is how the CLI and the report
// directory call them; these functions stay for direct use and tests.
//
// Threading: none of these is thread-safe on the same report; each is a pure
// function of its input. Cost: linear in the report size.
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <stdexcept>
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
// tool.driver.rules, the interleaving as codeFlows/threadFlows. A finding of
// a kind its scenario expects is level "note" with an accepted "inSource"
// suppression (code scanning then shows no alert for a deliberate bug);
// every other finding is level "error".
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
  std::size_t max_trace_events = 200;  // tail drawn when a finding names no event
  std::size_t open_findings = 12;      // findings of passing scenarios expanded on load
                                       // (every one of a failing scenario is)
};

// index.html: one self-contained page (inline CSS, JS and SVG; no network).
// Every string that comes from scenario code is HTML-escaped.
void write_html(const RunReport& report, std::ostream& out, const HtmlOptions& options = {});

// Writes `text` to `path` atomically: a temporary file in the same directory,
// then rename(2), so a reader never sees a half-written report.
// Throws std::runtime_error (one line) when the directory is not writable.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// A unique id for one run: "20261201T220501Z-4242-9f3c0a7d5e1b2c48" (UTC
// time, process id, 64 random bits from getrandom). Unique per call and across
// processes; printable ASCII without spaces or slashes, so it is safe in a
// file name, an XML attribute and a URL.
std::string make_run_id();

// What write_report_dir throws when the report directory cannot be written:
// one line naming the file and the reason ("cannot write report file
// tangle-report/index.html: No space left on device").
class ReportWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file reporters (every registered format with a file, reporter.hpp)
// written into `dir` (created if missing) as one set: results.json,
// junit.xml, results.sarif, index.html, all carrying `report.run_id`
// (make_run_id() when it is empty). Each reporter runs through the Reporter
// interface into memory; `source_root` is their ReporterOptions::source_root
// (pass the repository root, TANGLE_SOURCE_ROOT).
//
// Contract (the design is at the top of reports/src/report_dir.cpp):
//  - Atomic set: at every instant each of DIR/results.json, DIR/junit.xml,
//    DIR/results.sarif and DIR/index.html opens a file of one complete set,
//    the new one or the previous one, never a mix and never a partial file.
//    The four names are symlinks into DIR/.tangle/; a reader that opens them
//    one after the other while a write is flipping the set may get files of
//    two sets (compare their run_id) — to read one set for sure, resolve
//    DIR/.tangle/current once and open the files under it.
//  - Crash safety: a writer killed at any moment (SIGKILL, power loss after
//    the data reached the disk) leaves the previous set visible and no
//    `*.tmp*` name; the partial set it left inside DIR/.tangle is removed by
//    the next write.
//  - Failure (full disk, read-only, not a directory): the previous set stays
//    intact, whatever this call created is removed, and ReportWriteError is
//    thrown naming the file and the reason. A throwing writer leaves the
//    directory as it was.
//  - Works when `dir` is a mount point (nothing is ever renamed over it).
//  - Old sets are deleted: a reader that already opened a file keeps reading
//    it; one that resolved a name before the flip but opens after the cleanup
//    may get ENOENT and should retry.
//
// Threading: safe to call concurrently from any threads and processes on the
// same `dir`; writers serialize on an exclusive flock(2) of DIR/.tangle/lock
// (held while writing, flipping and cleaning; rendering happens before it).
// The lock belongs to the open file, so a process forked while a write is in
// progress holds it too until it exits or execs (the descriptor is
// O_CLOEXEC): do not fork long-lived children from another thread mid-write.
// Cost: every format rendered in memory first (peak memory about the total
// size of the four files), each file written once and fsync'ed, plus about a
// dozen metadata calls and fsyncs of DIR/.tangle/sets/NEW, DIR/.tangle and
// DIR; the disk must hold the previous set and the new one at once.
void write_report_dir(const RunReport& report, const std::filesystem::path& dir,
                      const std::filesystem::path& source_root = {});

}  // namespace tangle::report
