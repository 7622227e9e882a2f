// The console: what a person reads at the end of `tangle run` (console.hpp).
// Trace operations are printed verbatim; classify_op (trace_ops.hpp) only
// picks the marker: '>' for the finding's own events, '!' for a failure
// (check_failed, crash) that is not one of them.
#include <algorithm>
#include <cstdio>
#include <string>

#include "formats.hpp"
#include "tangle/report/console.hpp"
#include "tangle/report/trace_ops.hpp"
#include "text.hpp"

namespace tangle::report {
namespace {

using detail::found_kinds;
using detail::join_kinds;

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// A table cell: `s` padded to `width`, and never touching the next cell
// (operations like "try_lock_shared" are longer than the column).
std::string column(const std::string& s, std::size_t width) {
  return s.size() < width ? pad(s, width) : s + " ";
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", s);
  return buf;
}

// The lines that say the run did not do all its work ("" when it did).
std::string run_notice(const RunReport& r) {
  std::string text;
  if (!r.interrupted.empty())
    text += "INTERRUPTED by " + r.interrupted + ": the results cover only the work done before it\n";
  if (!r.cut_short.empty()) text += "CUT SHORT: " + r.cut_short + "; the results are partial\n";
  return text;
}

}  // namespace

void write_console(const RunReport& r, std::ostream& out, const ConsoleOptions& options) {
  out << "tangle " << r.version << ": " << r.engine << " engine, strategy " << r.strategy;
  if (r.depth > 0) out << " (depth " << r.depth << ")";
  if (!r.granularity.empty()) out << ", " << r.granularity << " granularity";
  out << ", seed " << r.seed << "\n";
  out << run_notice(r) << "\n";

  std::size_t name_w = 8, exp_w = 8, found_w = 5;
  for (const auto& s : r.scenarios) {
    name_w = std::max(name_w, s.name.size());
    exp_w = std::max(exp_w, join_kinds(s.expected).size());
    found_w = std::max(found_w, join_kinds(found_kinds(s)).size());
  }
  out << pad("SCENARIO", name_w + 2) << pad("EXPECTED", exp_w + 2) << pad("FOUND", found_w + 2)
      << pad("EXECS", 9) << pad("FIRST", 7) << pad("TIME", 8) << "VERDICT\n";
  for (const auto& s : r.scenarios) {
    out << pad(s.name, name_w + 2) << pad(join_kinds(s.expected), exp_w + 2)
        << pad(join_kinds(found_kinds(s)), found_w + 2) << pad(std::to_string(s.executions), 9)
        << pad(s.first_failure_execution ? std::to_string(*s.first_failure_execution) : "-", 7)
        << pad(seconds(s.duration_s), 8) << to_string(s.verdict);
    if (!s.verdict_reason.empty()) out << " (" << s.verdict_reason << ")";
    if (!s.complete)
      out << " [INCOMPLETE" << (s.incomplete_reason.empty() ? "" : ": " + s.incomplete_reason) << "]";
    out << "\n";
  }

  if (options.details) {
    bool header = false;
    for (const auto& s : r.scenarios)
      for (const auto& f : s.findings) {
        if (!header) out << "\nFindings\n--------\n";
        header = true;
        const bool expected =
            std::find(s.expected.begin(), s.expected.end(), f.kind) != s.expected.end();
        out << "\n[" << s.name << "] " << to_string(f.kind) << (expected ? " (expected)" : " (UNEXPECTED)")
            << " in " << f.occurrences << " of " << s.executions << " executions, first in #"
            << f.first_execution;
        if (f.source != "tangle") out << ", reported by " << f.source;
        out << "\n  " << f.message << "\n";
        if (!f.threads.empty()) {
          out << "  threads:";
          for (int t : f.threads) out << " " << t;
          out << "\n";
        }
        if (!f.locations.empty()) {
          out << "  at:";
          for (const auto& l : f.locations) out << " " << l;
          out << "\n";
        }
        if (!f.trace.empty()) {
          out << "  last events (of " << f.trace_length << "):\n";
          const std::size_t from =
              f.trace.size() > options.events_per_finding ? f.trace.size() - options.events_per_finding : 0;
          for (std::size_t i = from; i < f.trace.size(); ++i) {
            const auto& e = f.trace[i];
            const char* marker = e.highlight                                ? "> "
                                 : classify_op(e.op) == OpClass::failure ? "! "
                                                                         : "  ";
            out << "    " << marker << pad("#" + std::to_string(e.step), 7)
                << (e.thread < 0 ? std::string("main") : "T" + std::to_string(e.thread)) << "  "
                << column(e.op, 12) << column(e.object, 22) << e.location << "\n";
          }
        }
        if (!f.replay.empty()) out << "  replay: " << r.replay_command << " " << f.replay << "\n";
        if (!f.replay_note.empty()) out << "  " << f.replay_note << "\n";
      }
  }

  if (auto notice = run_notice(r); !notice.empty()) out << "\n" << notice;
  std::size_t passed = 0;
  for (const auto& s : r.scenarios) passed += s.verdict == Verdict::pass;
  out << "\nverdict: " << passed << " of " << r.scenarios.size() << " scenarios as expected";
  if (passed != r.scenarios.size()) out << ", " << r.scenarios.size() - passed << " NOT";
  out << " (" << seconds(r.duration_s) << ")\n";
}

// The console reporter: the table's column widths and the closing verdict
// line need every scenario, so it is written whole in finalize (the CLI
// shows progress while the run goes on).
namespace {
class ConsoleReporter final : public Reporter {
 public:
  explicit ConsoleReporter(ConsoleOptions options) : options_(options) {}
  void finalize(const RunReport& report) override { write_console(report, output(), options_); }

 private:
  ConsoleOptions options_;
};
}  // namespace

std::unique_ptr<Reporter> detail::make_console_reporter(const ReporterOptions& options) {
  ConsoleOptions console;
  console.details = options.details;
  console.events_per_finding = options.events_per_finding;
  return std::make_unique<ConsoleReporter>(console);
}

}  // namespace tangle::report
