// relacy_models_main — runs every Relacy model (or the ones named) and prints one line
// per scenario: name, iterations, seconds, executions/second, failed [, failure].
//
// usage: relacy_models_main [ITERATIONS] [random|full|context] [SCENARIO...]
//        (defaults: 200000 iterations, random scheduler, every scenario)
#include "relacy_scenarios.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    namespace rb = tangle::relacy_bench;
    try {
        std::uint64_t iterations = 200000;
        std::string scheduler = "random";
        if (argc > 1) iterations = std::stoull(argv[1]);
        if (argc > 2) scheduler = argv[2];
        if (iterations == 0) throw std::invalid_argument("iterations must be at least 1");
        std::vector<std::string> names(argv + (argc > 3 ? 3 : argc), argv + argc);
        if (names.empty()) names = rb::scenarios();
        // Validate everything before printing the header line.
        if (scheduler != "random" && scheduler != "full" && scheduler != "context")
            throw std::invalid_argument("unknown scheduler '" + scheduler +
                                        "' (expected random, full or context)");
        for (const auto& name : names) {
            bool known = false;
            for (const auto& s : rb::scenarios()) known = known || s == name;
            if (!known) throw std::invalid_argument("no Relacy model for scenario '" + name + "'");
        }

        std::printf("%-24s %12s %10s %14s  %s\n", "scenario", "iterations", "seconds",
                    "exec/s", "failed");
        for (const auto& name : names) {
            rb::Result const r = rb::run(name, iterations, scheduler);
            std::printf("%-24s %12llu %10.3f %14.0f  %s%s%s\n", r.scenario.c_str(),
                        static_cast<unsigned long long>(r.iterations), r.seconds,
                        r.executions_per_second, r.failed ? "true" : "false",
                        r.failed ? "  " : "", r.failure.c_str());
            std::fflush(stdout);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "relacy_models_main: %s\n", e.what());
        return 2;
    }
}
