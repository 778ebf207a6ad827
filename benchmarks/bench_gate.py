#!/usr/bin/env python3
"""Whole-process speed of the gate on JSON policies, side by side with parliament.

Targets (issue "Foundation"):
- ``check-permissions check one-policy.json``: at most half of ``parliament --file`` on the same file;
- all 1,645 AWS managed policies as separate files in one folder, one invocation: at most half of
  ``parliament --directory`` on the same folder, and under 3 s.

Run: ``.venv/bin/python benchmarks/bench_gate.py [--runs 7]`` (needs ../shared/data next to the repo).
Prints the median wall time of each command and peak RSS, and whether each target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MANAGED = REPO.parent / "shared" / "data" / "aws-managed-policies.json"


# Byte-code caches as an installed package has them (pip compiles on install); this sandbox sets
# PYTHONDONTWRITEBYTECODE, which would make every run of an editable install compile from source.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall seconds and median CPU seconds over ``runs``, and the peak RSS (MB) of the children.

    Standard input is a pseudo-terminal: parliament refuses ``--file`` when stdin is not a tty.
    One warm-up run first (byte-code caches, file system cache).
    """
    walls, cpus = [], []
    for i in range(runs + 1):
        master, slave = os.openpty()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, stdin=slave, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
                       check=False)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        os.close(master)
        os.close(slave)
        if i:
            walls.append(wall)
            cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(walls), statistics.median(cpus), peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    gate = str(BIN / "check-permissions")
    parliament = str(BIN / "parliament")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one-policy.json"
        one.write_text((REPO / "examples" / "read-only-policy.json").read_text())
        g, gc, g_mem = timed([gate, "check", str(one)], args.runs)
        p, pc, _ = timed([parliament, "--file", str(one)], args.runs)
        met = g <= p / 2
        ok &= met
        print(f"one policy:   check-permissions {g:.3f} s (cpu {gc:.3f})   parliament --file {p:.3f} s "
              f"(cpu {pc:.3f})   ratio {g / p:.2f} (target <= 0.50: {'met' if met else 'MISSED'})")
        if not MANAGED.is_file():
            print(f"skipped the managed-policy run: {MANAGED} not found")
            return 0 if ok else 1
        folder = Path(tmp) / "managed"
        folder.mkdir()
        policies = json.loads(MANAGED.read_text())["policies"]
        for pol in policies:
            (folder / f"{pol['name']}.json").write_text(json.dumps(pol["document"], indent=2))
        runs = max(3, args.runs // 2)
        g, gc, g_mem = timed([gate, "check", str(folder), "--format", "json", "--output",
                              str(Path(tmp) / "r.json")], runs)
        p, pc, _ = timed([parliament, "--directory", str(folder)], runs)
        met = g <= p / 2 and g < 3.0
        ok &= met
        print(f"{len(policies)} managed policies: check-permissions {g:.3f} s (cpu {gc:.3f})   "
              f"parliament --directory {p:.3f} s (cpu {pc:.3f})   ratio {g / p:.2f} "
              f"(target <= 0.50 and < 3 s: {'met' if met else 'MISSED'})")
        print(f"peak RSS of any child: {g_mem:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
