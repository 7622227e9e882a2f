#!/usr/bin/env bash
# Validates the GitHub Actions workflow files against GitHub's schema with
# npm's @action-validator/cli (installed on demand from the npm registry).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v action-validator >/dev/null 2>&1; then
  npm install -g --silent @action-validator/cli@0.6.0
fi
for f in .github/workflows/*.yml; do
  action-validator "$f"
  echo "valid: $f"
done
