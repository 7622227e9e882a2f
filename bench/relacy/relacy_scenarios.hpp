// Relacy models of tangle's built-in scenarios, for a side-by-side speed benchmark.
//
// Each model mirrors the shape (threads, primitives, operations, final check) of the
// tangle scenario with the same name (DESIGN.md §4), written against Relacy's rl::
// types so Relacy's executions/second can be compared with tangle's controlled engine.
//
// This header is deliberately Relacy-free: it can be included from C++20 code. Only
// relacy_scenarios.cpp (compiled as C++17) includes <relacy/relacy.hpp>, whose macros
// (`new`, `delete`, `assert`, `$`, ...) must not leak into other translation units.
//
// Relacy keeps its simulation context in a process-wide global: run() is NOT
// thread-safe; call it from one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tangle::relacy_bench {

struct Result {
    std::string scenario;           // tangle scenario name, e.g. "counter/locked"
    std::uint64_t iterations;       // executions Relacy actually ran (up to and
                                    // including the failing one, if any)
    double seconds;                 // wall time of the rl::simulate call(s)
    double executions_per_second;   // iterations / seconds
    bool failed;                    // Relacy reported a failure (race, deadlock, assert…)
    std::string failure;            // Relacy's verdict, e.g. "DATA RACE (iteration 3)"
};

// Runs the Relacy model of `scenario` for `iterations` iterations with Relacy's random
// scheduler ("random"), or with its exhaustive schedulers: "full" (fair full search)
// or "context" (fair context-bound search; context bound = Relacy's default, 1). The
// exhaustive schedulers ignore `iterations` and stop when the search space is done.
// Relacy stops at the first failing execution, as it always does.
// Throws std::invalid_argument for an unknown scenario or scheduler name.
Result run(const std::string& scenario, std::uint64_t iterations,
           const std::string& scheduler = "random");

// Names of every modelled scenario, in a stable order.
std::vector<std::string> scenarios();

}  // namespace tangle::relacy_bench
