// main of `tangle` and of tangle::main: the command line over every scenario
// linked into the program (cli/cli_main.cpp).
#include "tangle/cli.hpp"

int main(int argc, char** argv) { return tangle::cli::main(argc, argv); }
