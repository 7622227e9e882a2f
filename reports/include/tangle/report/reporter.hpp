// One reporter interface for every output format, in the manner of
// google/benchmark's BenchmarkReporter (ReportContext / ReportRuns /
// Finalize): a run is announced, each scenario is handed over as it
// completes, and the whole report is handed over at the end. The console,
// results.json, junit.xml, results.sarif and index.html are each one
// Reporter (one source file per format, reports/src/*_writer.cpp), found by
// name in one registry (reporter_formats()). The report directory is "the
// file reporters, written into one atomic set" (write_report_dir), and
// `tangle --format F` is the same reporter aimed at stdout.
//
// Adding a format: a source file defining `make_F_reporter`, plus its
// declaration and one row in reports/src/reporter_registry.cpp. A row with a
// file name joins the report directory's set; one without (the console) is
// for a stream only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tangle/report/model.hpp"

namespace tangle::report {

// The run-level fields, known before the first scenario runs (what
// RunReport holds minus the scenarios and what only the end knows: duration,
// interruption, cut_short).
struct RunInfo {
  std::string tool = "tangle";
  std::string version;
  std::string engine = "controlled";
  std::string strategy = "random";
  int depth = 0;
  std::string granularity;
  std::uint64_t seed = 0;
  std::string run_id;
  std::string command;
};

// The RunInfo of a report (its run-level fields).
RunInfo run_info(const RunReport& report);

// What a reporter may need beyond the report itself.
struct ReporterOptions {
  // Repository root for SARIF relative paths and HTML source excerpts.
  std::filesystem::path source_root;
  // Console: print each finding (false: the summary table only, `-q`).
  bool details = true;
  // Console: the tail shown when a finding names no event.
  std::size_t events_per_finding = 8;
  // Console: ANSI colours.
  bool color = false;
};

// Calls, in this order and on one thread: begin once, scenario once per
// scenario (in report order), finalize once. `finalize` gets the whole
// report, whose run-level fields and scenarios equal what begin and scenario
// saw, plus the fields only the end knows.
//
// Buffering: every built-in format needs the whole run before it can write a
// byte (the console's column widths and closing verdict, JUnit's per-family
// <testsuite> counts, SARIF's de-duplicated results, the JSON document's
// run-level fields ahead of "scenarios", the HTML summary), so they ignore
// begin and scenario and write everything in finalize; the hooks are there
// for reporters that stream (a progress feed, a live dashboard). Cost of the
// built-ins: linear in the report, written once.
//
// Output: a reporter writes only to output(), std::cout unless
// set_output() aimed it elsewhere (a string stream for the report
// directory, std::cerr). The stream must outlive the reporter's last call.
//
// Threading: a reporter is not thread-safe; call it from one thread.
// Different reporter objects share nothing and may run on different threads
// (each on its own stream).
class Reporter {
 public:
  virtual ~Reporter() = default;

  virtual void begin(const RunInfo&) {}
  virtual void scenario(const ScenarioResult&) {}
  virtual void finalize(const RunReport& report) = 0;

  void set_output(std::ostream& out) { out_ = &out; }
  std::ostream& output() const { return *out_; }

 protected:
  Reporter();

 private:
  std::ostream* out_;
};

// Drives `reporter` through `report`: begin(run_info(report)), scenario()
// for each scenario, finalize(report).
void report_to(Reporter& reporter, const RunReport& report);

// One format of the registry.
struct ReporterFormat {
  std::string_view name;  // the --format value: "console", "json", ...
  std::string_view file;  // its file in the report directory; "" for none
  std::unique_ptr<Reporter> (*make)(const ReporterOptions&);
};

// Every format this build knows, console first, then the report directory's
// files in the order they are written. Constant for the process.
std::span<const ReporterFormat> reporter_formats();

// The format called `name`, or nullptr.
const ReporterFormat* find_format(std::string_view name);

// A new reporter for `name`, or nullptr when no format has that name.
std::unique_ptr<Reporter> make_reporter(std::string_view name, const ReporterOptions& options = {});

// The format names joined with ", " ("console, json, junit, sarif, html"),
// for usage messages.
std::string format_names();

}  // namespace tangle::report
