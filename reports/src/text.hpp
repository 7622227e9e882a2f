// Private helpers shared by the text-based writers (JUnit, SARIF, HTML).
// Not part of the public surface: include only from reports/src/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tangle/report/model.hpp"

namespace tangle::report::detail {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD, so XML and
// JSON consumers never reject a report because scenario code printed bytes.
std::string valid_utf8(std::string_view text);

// Appends `text` escaped for XML/HTML element content *and* attribute values
// (& < > " ' are replaced), invalid UTF-8 replaced, and control characters
// other than tab/newline/CR (not allowed in XML 1.0) replaced by U+FFFD.
void append_escaped(std::string& out, std::string_view text);
std::string escaped(std::string_view text);

// `text` safe to print on a terminal, one cell per character: control
// bytes (C0, DEL, and the C1 range U+0080..U+009F, which includes CSI) and
// every byte of an invalid UTF-8 sequence become "\xNN", a backslash "\\",
// so scenario strings can neither move the cursor nor recolour the screen,
// and distinct strings stay distinct.
std::string terminal_safe(std::string_view text);

// Columns `text` takes on a terminal: its code points (valid UTF-8, as
// terminal_safe leaves it). Wide (East Asian) characters count as one.
std::size_t display_width(std::string_view text);

// "counter/unprotected" -> "counter"; a name without '/' is its own family.
std::string family_of(std::string_view scenario_name);

// A source position parsed from a location string. Accepts "path:line",
// "path:line:col" and TSan frames ("#0 f() /abs/path.cpp:12:3 (bin+0x1)"):
// the first whitespace-separated token of that form wins.
struct SourcePosition {
  std::string path;
  int line = 0;
  int column = 0;
};
std::optional<SourcePosition> parse_location(std::string_view text);

// Distinct kinds of a scenario's findings, in FindingKind order.
std::vector<FindingKind> found_kinds(const ScenarioResult& scenario);

// Kinds joined with ", " ("none" when empty).
std::string join_kinds(const std::vector<FindingKind>& kinds);

// One line: "data_race: message (at scenarios/x.cpp:31)".
std::string finding_summary(const Finding& finding);

// Why a scenario failed: its verdict_reason, or a sentence derived from the
// expected and found kinds when the engine left the reason empty.
std::string failure_reason(const ScenarioResult& scenario);

// A short stable hex digest (FNV-1a 64) for fingerprints; not cryptographic.
std::string short_hash(std::string_view text);

}  // namespace tangle::report::detail
