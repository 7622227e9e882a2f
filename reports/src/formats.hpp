// The factories of the built-in formats, one per source file, collected by
// the registry in reporter.cpp. Private to reports/src/.
#pragma once

#include <memory>

#include "tangle/report/reporter.hpp"

namespace tangle::report::detail {

std::unique_ptr<Reporter> make_console_reporter(const ReporterOptions& options);  // console_writer.cpp
std::unique_ptr<Reporter> make_json_reporter(const ReporterOptions& options);     // json_writer.cpp
std::unique_ptr<Reporter> make_junit_reporter(const ReporterOptions& options);    // junit_writer.cpp
std::unique_ptr<Reporter> make_sarif_reporter(const ReporterOptions& options);    // sarif_writer.cpp
std::unique_ptr<Reporter> make_html_reporter(const ReporterOptions& options);     // html_writer.cpp

}  // namespace tangle::report::detail
