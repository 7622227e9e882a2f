#!/usr/bin/env bash
# The replay command that a failing EXPECT_TANGLE_PASS prints, pasted into a
# shell as it is printed, reproduces the finding.
# Usage: replay_pasted.sh BANK_TESTS_BINARY
set -euo pipefail
out=$(mktemp)
elsewhere=$(mktemp -d)
trap 'rm -rf "$out" "$elsewhere"' EXIT
if "$1" --gtest_also_run_disabled_tests --gtest_filter='*NaiveTransfers*' >"$out" 2>&1; then
  echo "the naive transfer passed: tangle found no deadlock" >&2; cat "$out" >&2; exit 1
fi
grep -q "deadlock" "$out" || { echo "no deadlock in the failure message" >&2; cat "$out" >&2; exit 1; }
grep -q "mutex account" "$out" || { echo "the accounts' locks are not named in the message (Sync::name)" >&2; cat "$out" >&2; exit 1; }
line=$(grep -m1 -o "replay: .*" "$out" | sed 's/^replay: //')
[[ -n "$line" ]] || { echo "no replay command in the failure message" >&2; cat "$out" >&2; exit 1; }
echo "pasting: $line"
cd "$elsewhere"   # from anywhere, as a user would
replayed=$(bash -c "$line" 2>&1) || { echo "replay failed:" >&2; echo "$replayed" >&2; exit 1; }
echo "$replayed" | tail -3
echo "$replayed" | grep -q "^replay: reproduced" || { echo "not reproduced" >&2; exit 1; }
