#!/usr/bin/env bash
# The main job: set up, build, run every built-in scenario on the controlled
# engine and write the reports. Extra arguments go to `tangle run`.
# Exit code: tangle's (0: every scenario as expected).
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target tangle
./build/release/tangle run --report-dir tangle-report "$@"
