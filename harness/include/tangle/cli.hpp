// tangle's command line as a library function: `list`, `run`, `replay` and
// `gate` over every scenario registered in the calling program. The `tangle`
// binary's main is one call to it; so is tangle::main's (link it with your own
// scenarios, or use tangle_add_scenarios from the CMake package).
#pragma once

namespace tangle::cli {

// Parses argv and runs the command; returns the process exit code (0 as
// expected, 1 unexpected, 2 usage error, 3 internal error).
int main(int argc, char** argv);

}  // namespace tangle::cli
