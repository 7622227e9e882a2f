#!/usr/bin/env bash
# Sets up, builds and runs every test: the release build's suite, then the
# harness's own tests under ThreadSanitizer (the tsan preset, clang).
# Usage: bash ci/test.sh [--no-tsan]
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
jobs=$(nproc)

cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

if [[ "${1:-}" != "--no-tsan" ]]; then
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j "$jobs"
  ctest --preset tsan -j "$jobs"
fi
