#!/usr/bin/env python3
"""Every built-in on the controlled engine and on Relacy (tangle-relacy), in
one run: executions per second and executions to first failure, side by side.

    python3 bench/engines_side_by_side.py [--build build/release] [--executions N] [--json OUT]

Both engines run the same scenario source with their random scheduler and the
same seed; each binary writes results.json, which this script reads. Relacy
stops at its first failing iteration, so for buggy scenarios its rate is not
comparable — only executions-to-first-failure is.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BUILTINS = [
    "counter/unprotected", "counter/locked", "rlock/plain-mutex", "rlock/recursive",
    "deadlock/lock-order", "deadlock/ordered", "semaphore/over-release", "semaphore/bounded",
    "event/racy-status", "event/gate", "prodcons/if-not-while", "prodcons/lost-wakeup",
    "prodcons/bounded-queue",
]


def run(binary, name, executions, seed):
    with tempfile.TemporaryDirectory() as out:
        cmd = [str(binary), "run", name, "--strategy", "random", "--seed", str(seed),
               "--executions", str(executions), "--report-dir", out, "-q"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
        s = json.loads((Path(out) / "results.json").read_text())["scenarios"][0]
    rate = s["executions"] / s["duration_s"] if s["duration_s"] > 0 else float("inf")
    return {"executions": s["executions"], "exec_per_s": rate,
            "first_failure": s["first_failure_execution"], "verdict": s["verdict"],
            "found": sorted({f["kind"] for f in s["findings"]})}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--executions", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    tangle, relacy = Path(a.build) / "tangle", Path(a.build) / "tangle-relacy"
    if not relacy.exists():
        sys.exit(f"{relacy} is missing (built with relacy-dev, not under the tsan preset)")
    rows = []
    print(f"{'scenario':24} {'controlled exec/s':>18} {'relacy exec/s':>14} {'ratio':>6}   "
          f"{'first failure c/r':>18}  verdicts")
    for name in BUILTINS:
        c, r = run(tangle, name, a.executions, a.seed), run(relacy, name, a.executions, a.seed)
        clean = c["first_failure"] is None and r["first_failure"] is None
        ratio = f"{c['exec_per_s'] / r['exec_per_s']:5.2f}x" if clean else "    -"
        first = f"{c['first_failure'] or '-'} / {r['first_failure'] or '-'}"
        relacy_rate = f"{r['exec_per_s']:14,.0f}" if clean else f"{'-':>14}"
        print(f"{name:24} {c['exec_per_s']:18,.0f} {relacy_rate} {ratio:>6}   {first:>18}  {c['verdict']}/{r['verdict']}")
        rows.append({"name": name, "controlled": c, "relacy": r})
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
