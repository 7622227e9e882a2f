// The console writer: columns stay aligned whatever the names (lengths from 1
// to 120, control bytes, invalid UTF-8, multi-byte text), scenario text cannot
// reach the terminal raw, colour only when asked, and the trace excerpt is
// centred on the events the finding names (excerpt.hpp).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tangle/report/console.hpp"
#include "tangle/report/excerpt.hpp"

namespace tangle::report {
namespace {

// Display columns of a line (code points; the console writes only valid UTF-8).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The display column where `needle` starts in `line` (npos when absent).
std::size_t column_of(const std::string& line, const std::string& needle) {
  const auto at = line.find(needle);
  return at == std::string::npos ? std::string::npos : columns(line.substr(0, at));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// A name of `n` characters mixing what breaks naive padding: an escape
// sequence, a bell, a tab, an invalid byte, and multi-byte characters.
std::string hostile(std::size_t n) {
  static const std::vector<std::string> pieces = {"a", "\x1b[31m", "\xC3\xA9", "\x07", "\t", "\xFF", "\xE2\x9C\x93", "/"};
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += pieces[(i * 7 + n) % pieces.size()];
  return s;
}

TraceEvent event(std::uint64_t step, int thread, std::string op, std::string object, bool highlight = false) {
  TraceEvent e;
  e.step = step;
  e.thread = thread;
  e.op = std::move(op);
  e.object = std::move(object);
  e.location = "scenarios/x.cpp:" + std::to_string(step + 1);
  e.highlight = highlight;
  return e;
}

RunReport hostile_report() {
  RunReport r;
  for (std::size_t n : {1, 2, 7, 8, 9, 23, 24, 25, 60, 120}) {
    ScenarioResult s;
    s.name = "fam/" + hostile(n);
    s.expected = n % 2 ? std::vector<FindingKind>{FindingKind::data_race} : std::vector<FindingKind>{};
    s.executions = n * 1000;
    s.verdict = n % 3 ? Verdict::pass : Verdict::fail;
    s.verdict_reason = s.verdict == Verdict::fail ? "reason " + hostile(n) : "";
    Finding f;
    f.kind = FindingKind::data_race;
    f.message = "message " + hostile(n);
    f.trace_length = 6;
    // Objects and operations of every length, threads main and T0..T11.
    f.trace = {event(0, -1, "start", ""), event(1, 11, "lock", hostile(n)),
               event(2, 0, "try_lock_shared", hostile(n / 2 + 1), true), event(3, 3, hostile(n % 13 + 1), "o"),
               event(4, -1, "check_failed", ""), event(5, 2, "w", hostile(3 * n), true)};
    s.findings.push_back(f);
    r.scenarios.push_back(s);
  }
  return r;
}

TEST(Console, HostileNamesOfEveryLengthKeepTheColumnsAligned) {
  std::ostringstream out;
  write_console(hostile_report(), out);
  const auto lines = lines_of(out.str());
  // The summary table: every row's cells start where the header's do.
  std::size_t header = 0;
  while (header < lines.size() && lines[header].rfind("SCENARIO", 0) != 0) ++header;
  ASSERT_LT(header, lines.size());
  const std::size_t expected_col = column_of(lines[header], "EXPECTED");
  const std::size_t execs_col = column_of(lines[header], "EXECS");
  const RunReport r = hostile_report();
  for (std::size_t k = 0; k < r.scenarios.size(); ++k) {
    const auto& row = lines[header + 1 + k];
    // EXPECTED holds "data_race" or "none" (no name holds either).
    const std::size_t e = std::min(column_of(row, "  data_race"), column_of(row, "  none"));
    ASSERT_NE(e, std::string::npos) << row;
    EXPECT_EQ(e + 2, expected_col) << row;
    // EXECS: the executions (no name holds a digit).
    const std::size_t x = column_of(row, "  " + std::to_string(r.scenarios[k].executions) + " ");
    ASSERT_NE(x, std::string::npos) << row;
    EXPECT_EQ(x + 2, execs_col) << row;
  }
  // Each finding's events: the location column starts at one column.
  std::size_t finding_lines = 0;
  std::size_t loc_col = std::string::npos;
  for (const auto& l : lines) {
    if (l.rfind("  events of the finding", 0) == 0) {
      loc_col = std::string::npos;
      continue;
    }
    const auto at = column_of(l, "scenarios/x.cpp:");
    if (at == std::string::npos || l.rfind("    ", 0) != 0) continue;
    if (loc_col == std::string::npos) loc_col = at;
    EXPECT_EQ(at, loc_col) << l;
    ++finding_lines;
  }
  EXPECT_GT(finding_lines, 30u);
}

TEST(Console, ScenarioTextNeverReachesTheTerminalRaw) {
  std::ostringstream out;
  write_console(hostile_report(), out);
  const std::string text = out.str();
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || u == '\n') << "control byte " << int(u) << " printed";
  }
  EXPECT_EQ(text.find('\xFF'), std::string::npos);
  EXPECT_NE(text.find("\\x1b[31m"), std::string::npos) << "the escape sequence is shown escaped";
  EXPECT_NE(text.find("\\xff"), std::string::npos) << "the invalid byte is shown as \\xff";
  EXPECT_NE(text.find("\xC3\xA9"), std::string::npos) << "valid UTF-8 stays as it is";
}

TEST(Console, ColourOnlyWhenAskedAndNoColorIsHonoured) {
  RunReport r = hostile_report();
  std::ostringstream plain, coloured;
  write_console(r, plain);
  ConsoleOptions options;
  options.color = true;
  write_console(r, coloured, options);
  EXPECT_EQ(plain.str().find("\x1b["), std::string::npos);
  EXPECT_NE(coloured.str().find("\x1b[1;31m"), std::string::npos);
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(color_wanted(1));
  ::unsetenv("NO_COLOR");
  // A pipe is not a terminal.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(color_wanted(fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
}

// A trace of 804 events with the finding's two events at steps 400 and 403.
Finding long_race() {
  Finding f;
  f.kind = FindingKind::data_race;
  f.message = "race";
  f.trace_length = 804;
  for (std::uint64_t s = 0; s < 804; ++s)
    f.trace.push_back(event(s, static_cast<int>(s % 2), s == 400 || s == 403 ? "write" : "load",
                            s == 400 || s == 403 ? "counter" : "ticks", s == 400 || s == 403));
  return f;
}

TEST(Excerpt, CentredOnTheNamedEventsWithContextAndGaps) {
  const Finding f = long_race();
  const auto runs = excerpt(f, 3, 8);
  ASSERT_EQ(runs.size(), 1u);  // 397..406: the two windows touch
  EXPECT_EQ(f.trace[runs[0].begin].step, 397u);
  EXPECT_EQ(f.trace[runs[0].end - 1].step, 406u);
  EXPECT_EQ(runs[0].skipped_before, 397u);
  EXPECT_EQ(runs[0].skipped_after, 804u - 407u);
  // Far apart: two runs; a gap of at most two events is shown, not elided.
  Finding g = long_race();
  g.trace[403].highlight = false;
  g.trace[100].highlight = true;
  g.trace[409].highlight = true;
  const auto two = excerpt(g, 3, 8);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].skipped_before, 397u - 104u);
  EXPECT_EQ(g.trace[two[1].begin].step, 397u);
  EXPECT_EQ(g.trace[two[1].end - 1].step, 412u);  // 400±3 and 409±3, with 404..405 filled in
  // Nothing named: the tail.
  Finding h = long_race();
  for (auto& e : h.trace) e.highlight = false;
  const auto tail = excerpt(h, 3, 8);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].end - tail[0].begin, 8u);
  EXPECT_EQ(tail[0].skipped_after, 0u);
}

TEST(Console, LongTraceShowsBothAccessesNotTheTail) {
  RunReport r;
  ScenarioResult s;
  s.name = "x/long";
  s.executions = 1;
  s.findings.push_back(long_race());
  r.scenarios.push_back(s);
  std::ostringstream out;
  write_console(r, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("> #400 "), std::string::npos) << text;
  EXPECT_NE(text.find("> #403 "), std::string::npos) << text;
  EXPECT_NE(text.find("... 397 events ..."), std::string::npos) << text;
  EXPECT_NE(text.find("... 397 events ..."), text.rfind("... 397 events ...")) << "before and after: 397 each";
  EXPECT_EQ(text.find("#803"), std::string::npos) << "the tail is not what is shown";
}

}  // namespace
}  // namespace tangle::report
