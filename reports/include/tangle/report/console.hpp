// Console output a person can act on: a summary table, then per finding its
// kind, message, threads, source lines, the last events of the interleaving
// and the replay command.
#pragma once

#include <ostream>

#include "tangle/report/model.hpp"

namespace tangle::report {

struct ConsoleOptions {
  std::size_t events_per_finding = 8;  // tail of the interleaving shown
  bool details = true;                 // print each finding, not just the table
};

void write_console(const RunReport& report, std::ostream& out, const ConsoleOptions& options = {});

}  // namespace tangle::report
