#!/usr/bin/env bash
# Builds the Debian package of a configured and built tree (cpack -G DEB) and
# checks what a user gets from `apt-get install ./tangle_<version>_<arch>.deb`:
# the CLI on PATH, the headers, the CMake package, and Depends: that name the
# -dev packages the CMake package finds for a consumer plus the shared
# libraries of the binaries (dpkg-shlibdeps).
# Usage: check_deb.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log" >&2; exit 1; }
deb="$out/tangle_${version}_$(dpkg --print-architecture).deb"
[[ -f "$deb" ]] || { echo "no $deb; cpack made: $(ls "$out")" >&2; exit 1; }

fail=0
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for path in ./usr/bin/tangle ./usr/include/tangle/tangle.hpp ./usr/include/tangle/gtest.hpp \
            ./usr/include/tangle/cli.hpp ./usr/include/tangle/report/model.hpp \
            ./usr/lib/cmake/tangle/tangleConfig.cmake ./usr/lib/cmake/tangle/tangleConfigVersion.cmake \
            ./usr/lib/cmake/tangle/tangleTargets.cmake ./usr/lib/cmake/tangle/tangleFunctions.cmake \
            ./usr/lib/cmake/tangle/tangleDiscover.cmake ./usr/lib/libtangle_harness.a ./usr/lib/libtangle_main.a; do
  grep -qxF "$path" <<<"$contents" || { echo "missing from the package: $path" >&2; fail=1; }
done
# Nothing of tangle's own build or tests.
if grep -E "tangle_tests|/tests/|CMakeFiles" <<<"$contents"; then echo "build or test files in the package" >&2; fail=1; fi

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Package names, each alternative of "a (>= 1) | b" on its own line.
names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for dep in libboost-context-dev libdw-dev libc6 libstdc++6; do
  grep -qxF "$dep" <<<"$names" || { echo "Depends: lacks $dep" >&2; fail=1; }
done
[[ $(dpkg-deb -f "$deb" Package) == tangle && $(dpkg-deb -f "$deb" Version) == "$version" ]] ||
  { echo "wrong Package/Version fields" >&2; fail=1; }

# The binary in the package runs (its shared libraries are the Depends').
dpkg-deb -x "$deb" "$out/root"
"$out/root/usr/bin/tangle" --version | grep -qF "$version" || { echo "packaged tangle --version" >&2; fail=1; }
exit $fail
