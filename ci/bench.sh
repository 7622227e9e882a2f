#!/usr/bin/env bash
# Short benchmark run for CI: the controlled engine per built-in next to
# Relacy, the substrates' cost per switch, and the lock strategies. JSON goes
# to $TANGLE_BENCH_OUT (default bench-results/); the console tables go to stdout.
# Usage: bash ci/bench.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TANGLE_BENCH_OUT:-bench-results}
mkdir -p "$out"

bash ci/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

build/release/bench/controlled_bench --benchmark_min_time=0.2 \
  --benchmark_out="$out/controlled_bench.json" --benchmark_out_format=json "$@"
# Cost per switch: fibers vs OS threads passing a baton (baton.hpp).
build/release/bench/substrate_bench --benchmark_min_time=0.2 \
  --benchmark_out="$out/substrate_bench.json" --benchmark_out_format=json "$@"
# What supervision costs: every built-in supervised vs in this process.
build/release/bench/isolation_bench 10000 5 | tee "$out/isolation_bench.txt"
# What --jobs buys: every built-in with --jobs 1 vs --jobs 2 (ratio, load average).
build/release/bench/jobs_bench 50000 5 2 | tee "$out/jobs_bench.txt"
if [[ -x build/release/bench/locks/lock_bench ]]; then
  build/release/bench/locks/lock_bench --benchmark_min_time=0.05 \
    --benchmark_out="$out/lock_bench.json" --benchmark_out_format=json "$@"
  if [[ -f ci/lock_report.py ]]; then
    python3 ci/lock_report.py "$out/lock_bench.json" "$out/locks.html"
    echo "lock report: $out/locks.html"
  fi
fi
