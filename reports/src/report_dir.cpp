// Writes every report format into the report directory. Formats are rendered
// to memory first and only then written (each atomically), so a failure in one
// writer never leaves a partial report directory behind.
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "tangle/report/writers.hpp"

namespace tangle::report {

void write_report_dir(const RunReport& report, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw std::runtime_error("cannot create report directory " + dir.string() +
                             (ec ? ": " + ec.message() : ""));
  std::ostringstream json;
  write_json(report, json);
  write_file_atomically(dir / "results.json", json.str());
}

}  // namespace tangle::report
