// Parsing a CLI11 command line the way tangle's binaries report errors:
// --help/--version print and exit 0; any parse error is one line on stderr
// ("PROGRAM: message (see: PROGRAM --help)") and exit code 2.
// Header-only: only the binaries that link CLI11 include it.
#pragma once

#include <CLI/CLI.hpp>
#include <concepts>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>

#include "cli/cli_support.hpp"

namespace tangle::cli {

// A numeric option whose value CLI11 hands over as the whole string: the
// strict parsers of cli_support.hpp convert it (or throw UsageError), so
// CLI11's own conversions, which wrap "-1" into 2^64-1, never run. --help
// states the range and the default (the field's value when declared).
template <std::integral T>
CLI::Option* add_int_option(CLI::App* app, const std::string& flag, T& field, T min, T max, const std::string& help) {
  using Wide = std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>;
  const auto parse = [&field, flag, min, max](const std::string& text) {
    if constexpr (std::is_signed_v<T>) field = static_cast<T>(parse_int(text, flag, min, max));
    else field = static_cast<T>(parse_uint(text, flag, min, max));
  };
  return app->add_option_function<std::string>(flag, parse, help + " (" + range_text(Wide{min}, Wide{max}) + ")")
      ->type_name("INT")
      ->default_str(std::to_string(field));
}

// Seconds in (0, max]; `set` stores them (as milliseconds, for --watchdog).
inline CLI::Option* add_seconds_option(CLI::App* app, const std::string& flag, double max,
                                       std::function<void(double)> set, const std::string& help) {
  const auto parse = [flag, max, set = std::move(set)](const std::string& text) {
    set(parse_seconds(text, flag, max));
  };
  std::ostringstream range;
  range << " (0 < SEC <= " << std::setprecision(10) << max << ")";
  return app->add_option_function<std::string>(flag, parse, help + range.str())->type_name("SEC");
}

// Returns the exit code when the process should stop now, nothing when the
// command line parsed and the program should go on.
inline std::optional<int> parse_or_exit(CLI::App& app, int argc, char** argv, const std::string& program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    std::cerr << program << ": " << one_line(what, std::string::npos) << " (see: " << program << " --help)\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace tangle::cli
