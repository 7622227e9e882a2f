#!/usr/bin/env bash
# Installs what tangle needs to build, test and render its reports: Debian
# packages only (DESIGN.md §8). Installs only what is missing, so it is quick
# on a machine that already has everything.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang libclang-rt-14-dev   # toolchains; clang + TSan runtime
  libgtest-dev libgmock-dev libbenchmark-dev       # tests and benchmarks
  libboost-context-dev                             # fibers of the controlled engine
  libdw-dev pkg-config                             # program counters to file:line (elfutils)
  libcli11-dev nlohmann-json3-dev                  # CLI, JSON
  relacy-dev                                       # the reference model checker
  python3                                          # ci/bench.sh's lock report, bench/engines_side_by_side.py
  chromium fonts-dejavu-core                       # renders the HTML report in tests
  libxml2-utils                                    # xmllint checks junit.xml against its XSD in tests
  python3-jsonschema                               # checks results.sarif against the SARIF schema in tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "ci/setup.sh: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "ci/setup.sh: all packages present"
fi
