#!/usr/bin/env bash
# Validates the GitHub Actions workflow files: against GitHub's schema with
# npm's @action-validator/cli (installed on demand from the npm registry),
# every action at a major that still runs, and every tool a job calls
# installed by ci/setup.sh in that job's container.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v action-validator >/dev/null 2>&1; then
  npm install -g --silent @action-validator/cli@0.6.0
fi
# The oldest major of each action that still runs: GitHub removed Node 20
# from its runners (2026-09) and retires codeql-action v3 (2026-12); these
# are the first majors on Node 24 (each one's action.yml says `using: node24`).
declare -A min_major=(
  [actions/checkout]=5
  [actions/setup-node]=5
  [actions/upload-artifact]=6
  [actions/download-artifact]=7
  [actions/cache]=5
  [github/codeql-action]=4
)
status=0
for f in .github/workflows/*.yml; do
  action-validator "$f"
  # uses: OWNER/REPO[/PATH]@vN
  while read -r line action major; do
    repo=$(cut -d/ -f1-2 <<<"$action")
    want=${min_major[$repo]:-}
    if [[ -n $want && $major -lt $want ]]; then
      echo "$f:$line: $action@v$major is no longer supported; use v$want or later" >&2
      status=1
    fi
  done < <(grep -n -E '^\s*(-\s*)?uses:\s*[^@]+@v[0-9]+' "$f" |
           sed -E 's/^([0-9]+):.*uses:[[:space:]]*([^@]+)@v([0-9]+).*/\1 \2 \3/')
  echo "valid: $f"
done
# Every job runs in a bare debian:bookworm container and gets its tools from
# ci/setup.sh: a command that a job or a ci/ script runs must come from one
# of its packages (the benchmark job once ran python3 without it).
declare -A package_of=([python3]=python3 [xmllint]=libxml2-utils [chromium]=chromium [jsonschema]=python3-jsonschema)
packages=$(sed -n '/^packages=(/,/^)/p' ci/setup.sh | sed 's/#.*//')
for tool in "${!package_of[@]}"; do
  if grep -q -E "(^|[[:space:];|&(])$tool[[:space:]]" ci/*.sh .github/workflows/*.yml &&
     ! grep -q -E "(^|[[:space:]])${package_of[$tool]}([[:space:]]|$)" <<<"$packages"; then
    echo "a job runs $tool but ci/setup.sh does not install ${package_of[$tool]}" >&2
    status=1
  fi
done
exit $status
