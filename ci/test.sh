#!/usr/bin/env bash
# Sets up, builds and runs every test: the release build's suite (with the
# Debian package check), tangle used from a project of its own
# (ci/examples.sh: installed and as a subdirectory), then the harness's own
# tests under ThreadSanitizer (the tsan preset, clang).
# Usage: bash ci/test.sh [--no-tsan]
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
jobs=$(nproc)

cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"
bash ci/examples.sh build/release

if [[ "${1:-}" != "--no-tsan" ]]; then
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j "$jobs"
  ctest --preset tsan -j "$jobs"
fi
