#!/usr/bin/env bash
# tangle as a user's project sees it (run by ci/test.sh after the release
# suite, from the built release tree):
#  1. `cmake --install` into a fresh temporary prefix; examples/bank configured
#     against it with -DCMAKE_PREFIX_PATH (find_package(tangle)), built, and its
#     ctest passed — its scenarios through tangle_discover_scenarios, its
#     GoogleTest suite, and the pasted replay of a failing EXPECT_TANGLE_PASS;
#     Then tests/consumer against the same prefix: scenarios in a STATIC,
#     SHARED, OBJECT and INTERFACE library each stay registered
#     (tangle_add_scenarios), WITH_BUILTINS brings tangle's own, and a
#     discovered scenario whose verdict fails fails in ctest;
#  2. the example again against the Debian package's files (cpack, dpkg-deb -x);
#  3. the same example built with tangle's source added as a subdirectory
#     (only the libraries and the CLI are built there: no tests, benchmarks or
#     Relacy), and its ctest passed.
# Usage: bash ci/examples.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
jobs=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== examples: install into $work/prefix"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
"$work/prefix/bin/tangle" --version
cmake -S examples/bank -B "$work/installed" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/installed" -j "$jobs"
ctest --test-dir "$work/installed" -j "$jobs" --output-on-failure
# Discovery found the example's scenario (a discovery that finds nothing
# would pass the line above with only the gtest tests).
ctest --test-dir "$work/installed" -N | grep -q "bank/transfer" || {
  echo "examples: tangle_discover_scenarios found no bank/transfer test" >&2
  exit 1
}
cmake -S tests/consumer -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" -j "$jobs"
ctest --test-dir "$work/consumer" -j "$jobs" --output-on-failure -LE must-fail
if ctest --test-dir "$work/consumer" -L must-fail >/dev/null; then
  echo "examples: a discovered scenario whose verdict fails passed in ctest" >&2
  exit 1
fi

echo "== examples: the Debian package's CMake package"
# What `apt-get install ./tangle_*.deb` would put under /usr, unpacked
# elsewhere: the package's config files must not depend on where they lie.
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/deb" >/dev/null
dpkg-deb -x "$work"/deb/tangle_*.deb "$work/debroot"
cmake -S examples/bank -B "$work/from-deb" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/debroot/usr" >/dev/null
cmake --build "$work/from-deb" -j "$jobs"
ctest --test-dir "$work/from-deb" -j "$jobs" --output-on-failure

echo "== examples: tangle as a subdirectory"
# Under build/ so that ccache (CCACHE_BASEDIR) can share the release tree's objects.
subdir=build/example-subdir
cmake -S examples/bank -B "$subdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTANGLE_SOURCE_DIR="$PWD" >/dev/null
cmake --build "$subdir" -j "$jobs"
for t in tangle_tests controlled_bench tangle-relacy; do
  if [[ -n $(find "$subdir" -name "$t" -type f) ]]; then
    echo "examples: $t was built inside another project" >&2
    exit 1
  fi
done
ctest --test-dir "$subdir" -j "$jobs" --output-on-failure
