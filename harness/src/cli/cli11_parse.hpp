// Parsing a CLI11 command line the way tangle's binaries report errors:
// --help/--version print and exit 0; any parse error is one line on stderr
// ("PROGRAM: message (see: PROGRAM --help)") and exit code 2.
// Header-only: only the binaries that link CLI11 include it.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

namespace tangle::cli {

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
    std::cerr << program << ": " << what << " (see: " << program << " --help)\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace tangle::cli
