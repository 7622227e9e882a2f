// Console output a person can act on: a summary table, then per finding its
// kind, message, threads, source lines, the events of the interleaving the
// finding names with a few around each (excerpt.hpp) and the replay command.
// Every string from scenario code is printed through terminal_safe (control
// bytes and invalid UTF-8 escaped), and columns are padded by display width,
// so no name can break the layout or the terminal.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "tangle/report/model.hpp"

namespace tangle::report {

struct ConsoleOptions {
  std::size_t events_per_finding = 8;  // tail shown when the finding names no event
  std::size_t context = 3;             // events shown on each side of a named one
  bool details = true;                 // print each finding, not just the table
  bool color = false;                  // ANSI colours (the CLI: a terminal, NO_COLOR unset)
};

// `text` safe to print on a terminal: control bytes and invalid UTF-8
// escaped as \xNN (a backslash as \\), so scenario strings cannot move the
// cursor or recolour the screen. What the console prints of scenario text.
std::string terminal_text(std::string_view text);
// Columns terminal_text's result takes (its code points).
std::size_t text_width(std::string_view text);

// Whether output to file descriptor `fd` should be coloured: it is a
// terminal, NO_COLOR (no-color.org) is unset or empty, and TERM is not
// "dumb".
bool color_wanted(int fd);

void write_console(const RunReport& report, std::ostream& out, const ConsoleOptions& options = {});

}  // namespace tangle::report
