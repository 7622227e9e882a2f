// Writes every report format into the report directory. Formats are rendered
// to memory first and only then written (each atomically), so a failure in one
// writer never leaves a partial report directory behind.
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "tangle/report/writers.hpp"

namespace tangle::report {

void write_report_dir(const RunReport& report, const std::filesystem::path& dir,
                      const std::filesystem::path& source_root) {
  // Render everything first: a writer that throws leaves the directory as it was.
  std::vector<std::pair<const char*, std::string>> files;
  {
    std::ostringstream json;
    write_json(report, json);
    files.emplace_back("results.json", std::move(json).str());
  }
  {
    std::ostringstream junit;
    write_junit(report, junit);
    files.emplace_back("junit.xml", std::move(junit).str());
  }
  {
    std::ostringstream sarif;
    write_sarif(report, sarif, source_root);
    files.emplace_back("results.sarif", std::move(sarif).str());
  }
  {
    std::ostringstream html;
    HtmlOptions options;
    options.source_root = source_root;
    write_html(report, html, options);
    files.emplace_back("index.html", std::move(html).str());
  }

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw std::runtime_error("cannot create report directory " + dir.string() +
                             (ec ? ": " + ec.message() : ""));
  for (const auto& [name, text] : files) write_file_atomically(dir / name, text);
}

}  // namespace tangle::report
