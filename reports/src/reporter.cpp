// The reporter base, its driver and the registry of formats (reporter.hpp).
#include "tangle/report/reporter.hpp"

#include <iostream>

#include "formats.hpp"

namespace tangle::report {
namespace {

// The registry: one row per format. The rows with a file are the report
// directory's set, written in this order (write_report_dir); their names are
// a contract (DESIGN.md §6). Adding a format: its factory in formats.hpp and
// one row here.
constexpr ReporterFormat kFormats[] = {
    {"console", "", detail::make_console_reporter},
    {"json", "results.json", detail::make_json_reporter},
    {"junit", "junit.xml", detail::make_junit_reporter},
    {"sarif", "results.sarif", detail::make_sarif_reporter},
    {"html", "index.html", detail::make_html_reporter},
};

}  // namespace

Reporter::Reporter() : out_(&std::cout) {}

RunInfo run_info(const RunReport& r) {
  RunInfo info;
  info.tool = r.tool;
  info.version = r.version;
  info.engine = r.engine;
  info.strategy = r.strategy;
  info.depth = r.depth;
  info.granularity = r.granularity;
  info.seed = r.seed;
  info.run_id = r.run_id;
  info.command = r.command;
  return info;
}

void report_to(Reporter& reporter, const RunReport& report) {
  reporter.begin(run_info(report));
  for (const ScenarioResult& s : report.scenarios) reporter.scenario(s);
  reporter.finalize(report);
}

std::span<const ReporterFormat> reporter_formats() { return kFormats; }

const ReporterFormat* find_format(std::string_view name) {
  for (const ReporterFormat& f : kFormats)
    if (f.name == name) return &f;
  return nullptr;
}

std::unique_ptr<Reporter> make_reporter(std::string_view name, const ReporterOptions& options) {
  const ReporterFormat* format = find_format(name);
  return format ? format->make(options) : nullptr;
}

std::string format_names() {
  std::string names;
  for (const ReporterFormat& f : kFormats) names += (names.empty() ? "" : ", ") + std::string(f.name);
  return names;
}

}  // namespace tangle::report
