// The console: what a person reads at the end of `tangle run` (console.hpp).
// Trace operations are printed verbatim; classify_op (trace_ops.hpp) only
// picks the marker: '>' for the finding's own events, '!' for a failure
// (check_failed, crash) that is not one of them.
//
// Layout: every cell that holds scenario text goes through terminal_safe and
// is padded by display_width, and every column is as wide as its widest cell
// (plus two spaces), so a 60-character object name moves the next column
// instead of running into it. Colour is added around padded cells, never
// inside a width computation.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "formats.hpp"
#include "tangle/report/console.hpp"
#include "tangle/report/excerpt.hpp"
#include "tangle/report/trace_ops.hpp"
#include "text.hpp"

namespace tangle::report {
namespace {

using detail::display_width;
using detail::found_kinds;
using detail::join_kinds;
using detail::terminal_safe;

// `s` (already terminal-safe) padded with spaces to `width` columns.
std::string pad(std::string s, std::size_t width) {
  const std::size_t w = display_width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", s);
  return buf;
}

// Prefixes are appended, not `"T" + std::to_string(...)`: GCC 12 warns
// -Wrestrict (a false positive) on that pattern once inlined here.
std::string prefixed(char prefix, std::uint64_t n) { return std::string(1, prefix).append(std::to_string(n)); }
std::string thread_label(int thread) {
  return thread < 0 ? std::string("main") : prefixed('T', static_cast<std::uint64_t>(thread));
}

// SGR sequences, or nothing when colour is off.
class Paint {
 public:
  explicit Paint(bool on) : on_(on) {}
  std::string operator()(const std::string& text, const char* sgr) const {
    return on_ && !text.empty() ? std::string("\x1b[") + sgr + "m" + text + "\x1b[0m" : text;
  }

 private:
  bool on_;
};
constexpr const char* kBold = "1";
constexpr const char* kDim = "2";
constexpr const char* kRed = "1;31";
constexpr const char* kGreen = "32";
constexpr const char* kYellow = "33";
constexpr const char* kCyan = "36";

// The lines that say the run did not do all its work ("" when it did).
std::string run_notice(const RunReport& r) {
  std::string text;
  if (!r.interrupted.empty())
    text += "INTERRUPTED by " + r.interrupted + ": the results cover only the work done before it\n";
  if (!r.cut_short.empty()) text += "CUT SHORT: " + terminal_safe(r.cut_short) + "; the results are partial\n";
  return text;
}

// The events of `f` the excerpt picks, as an aligned table with "..." lines
// where events are elided.
void write_events(const Finding& f, std::ostream& out, const ConsoleOptions& options, const Paint& paint) {
  const std::vector<ExcerptRun> runs = excerpt(f, options.context, options.events_per_finding);
  if (runs.empty()) return;
  std::size_t step_w = 0, thread_w = 0, op_w = 0, object_w = 0;
  for (const auto& run : runs)
    for (std::size_t i = run.begin; i < run.end; ++i) {
      const auto& e = f.trace[i];
      step_w = std::max(step_w, std::to_string(e.step).size() + 1);
      thread_w = std::max(thread_w, thread_label(e.thread).size());
      op_w = std::max(op_w, display_width(terminal_safe(e.op)));
      object_w = std::max(object_w, display_width(terminal_safe(e.object)));
    }
  const std::uint64_t total = std::max<std::uint64_t>(f.trace_length, f.trace.size());
  const bool named = std::any_of(f.trace.begin(), f.trace.end(), [](const TraceEvent& e) { return e.highlight; });
  out << "  " << (named ? "events of the finding, in context" : "last events") << " (" << shown_events(runs)
      << " of " << total << "):\n";
  auto gap = [&](std::uint64_t n) {
    if (n > 0) out << "    " << paint("  ... " + std::to_string(n) + " event" + (n == 1 ? "" : "s") + " ...", kDim) << "\n";
  };
  for (const auto& run : runs) {
    gap(run.skipped_before);
    for (std::size_t i = run.begin; i < run.end; ++i) {
      const auto& e = f.trace[i];
      const bool failure = classify_op(e.op) == OpClass::failure;
      const char* marker = e.highlight ? "> " : failure ? "! " : "  ";
      std::string line = pad(prefixed('#', e.step), step_w + 2) + pad(thread_label(e.thread), thread_w + 2) +
                         pad(terminal_safe(e.op), op_w + 2) + pad(terminal_safe(e.object), object_w + 2) +
                         terminal_safe(e.location);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << "    " << (e.highlight ? paint(marker, kRed) + paint(line, kBold) : failure ? paint(marker + line, kRed) : marker + line)
          << "\n";
    }
    if (&run == &runs.back()) gap(run.skipped_after);
  }
}

void write_finding(const ScenarioResult& s, const Finding& f, std::ostream& out, const ConsoleOptions& options,
                   const Paint& paint, const std::string& replay_command) {
  const bool expected = std::find(s.expected.begin(), s.expected.end(), f.kind) != s.expected.end();
  out << "\n[" << paint(terminal_safe(s.name), kBold) << "] " << paint(std::string(to_string(f.kind)), kBold) << " "
      << (expected ? paint("(expected)", kYellow) : paint("(UNEXPECTED)", kRed)) << " in " << f.occurrences << " of "
      << s.executions << " executions, first in #" << f.first_execution;
  if (f.source != "tangle") out << ", reported by " << terminal_safe(f.source);
  out << "\n  " << terminal_safe(f.message) << "\n";
  if (!f.threads.empty()) {
    out << "  threads:";
    for (int t : f.threads) out << " " << t;
    out << "\n";
  }
  if (!f.locations.empty()) {
    out << "  at:";
    for (const auto& l : f.locations) out << " " << terminal_safe(l);
    out << "\n";
  }
  write_events(f, out, options, paint);
  if (!f.replay.empty()) out << "  replay: " << paint(replay_command + " " + f.replay, kCyan) << "\n";
  if (!f.replay_note.empty()) out << "  " << terminal_safe(f.replay_note) << "\n";
}

}  // namespace

std::string terminal_text(std::string_view text) { return terminal_safe(text); }
std::size_t text_width(std::string_view text) { return display_width(text); }

bool color_wanted(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return ::isatty(fd) == 1;
}

void write_console(const RunReport& r, std::ostream& out, const ConsoleOptions& options) {
  const Paint paint(options.color);
  out << "tangle " << r.version << ": " << r.engine << " engine, strategy " << r.strategy;
  if (r.depth > 0) out << " (depth " << r.depth << ")";
  if (!r.granularity.empty()) out << ", " << r.granularity << " granularity";
  out << ", seed " << r.seed << "\n";
  out << run_notice(r) << "\n";

  // The table: each row's cells first, then every column as wide as its
  // widest cell.
  std::vector<std::vector<std::string>> rows{{"SCENARIO", "EXPECTED", "FOUND", "EXECS", "FIRST", "TIME", "VERDICT"}};
  for (const auto& s : r.scenarios) {
    std::string verdict(to_string(s.verdict));
    if (!s.verdict_reason.empty()) verdict += " (" + terminal_safe(s.verdict_reason) + ")";
    if (!s.complete)
      verdict += " [INCOMPLETE" + (s.incomplete_reason.empty() ? "" : ": " + terminal_safe(s.incomplete_reason)) + "]";
    rows.push_back({terminal_safe(s.name), join_kinds(s.expected), join_kinds(found_kinds(s)),
                    std::to_string(s.executions),
                    s.first_failure_execution ? std::to_string(*s.first_failure_execution) : "-",
                    seconds(s.duration_s), verdict});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c + 1 < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (std::size_t c = 0; c + 1 < rows[i].size(); ++c) line += pad(rows[i][c], widths[c] + 2);
    if (i == 0) {
      out << paint(line + rows[i].back(), kBold) << "\n";
      continue;
    }
    const bool pass = r.scenarios[i - 1].verdict == Verdict::pass;
    out << line << paint(rows[i].back(), pass ? kGreen : kRed) << "\n";
  }

  if (options.details) {
    bool header = false;
    for (const auto& s : r.scenarios)
      for (const auto& f : s.findings) {
        if (!header) out << "\n" << paint("Findings", kBold) << "\n--------\n";
        header = true;
        write_finding(s, f, out, options, paint, r.replay_command);
      }
  }

  if (auto notice = run_notice(r); !notice.empty()) out << "\n" << paint(notice.substr(0, notice.size() - 1), kRed) << "\n";
  std::size_t passed = 0;
  for (const auto& s : r.scenarios) passed += s.verdict == Verdict::pass;
  std::string verdict = "verdict: " + std::to_string(passed) + " of " + std::to_string(r.scenarios.size()) +
                        " scenarios as expected";
  if (passed != r.scenarios.size()) verdict += ", " + std::to_string(r.scenarios.size() - passed) + " NOT";
  out << "\n" << paint(verdict, passed == r.scenarios.size() ? kGreen : kRed) << " (" << seconds(r.duration_s) << ")\n";
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
  console.color = options.color;
  return std::make_unique<ConsoleReporter>(console);
}

}  // namespace tangle::report
