#!/usr/bin/env python3
"""Whole-process speed of the gate on JSON policies, side by side with parliament.

Targets (the one-policy budget allows for typer as the only parser):
- ``check-permissions check one-policy.json``: at most 0.6 of ``parliament --file`` on the same file;
- all 1,645 AWS managed policies as separate files in one folder, one invocation: at most half of
  ``parliament --directory`` on the same folder, and under 3 s.

Run: ``.venv/bin/python benchmarks/bench_gate.py [--runs 7]`` (needs ../shared/data next to the repo).
Prints the median wall time of each command and peak RSS, and whether each target is met. The
folder is checked three ways: as a user runs it (the text report; ``--jobs`` left at its default,
one process per CPU for this many files), ``--jobs 1`` (one process), and the JSON report. The
target is judged on the default run.
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


def run_once(cmd: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + sys of the child), exit code and standard error of one run.

    Standard input is a pseudo-terminal: parliament refuses ``--file`` when stdin is not a tty.
    """
    master, slave = os.openpty()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdin=slave, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV,
                          check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.close(master)
    os.close(slave)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    return wall, cpu, proc.returncode, proc.stderr.decode("utf-8", "replace")


def interleaved(cmds: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float, int, str]]:
    """Median wall and CPU seconds of each command, run in turn (A, B, C, A, B, C, ...) so that a
    machine whose speed drifts (this one does, by a third) slows them alike; one warm-up round first."""
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    last: dict[str, tuple[int, str]] = {}
    for i in range(runs + 1):
        for name, cmd in cmds.items():
            wall, cpu, code, err = run_once(cmd)
            last[name] = (code, err)
            if i:
                walls[name].append(wall)
                cpus[name].append(cpu)
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k]), *last[k]) for k in cmds}


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
        got = interleaved({"gate": [gate, "check", str(one)], "parliament": [parliament, "--file", str(one)]},
                          args.runs)
        (g, gc, _, _), (p, pc, _, _) = got["gate"], got["parliament"]
        met = g <= 0.6 * p
        ok &= met
        print(f"one policy:   check-permissions {g:.3f} s (cpu {gc:.3f})   parliament --file {p:.3f} s "
              f"(cpu {pc:.3f})   ratio {g / p:.2f} (target <= 0.60: {'met' if met else 'MISSED'})")
        if not MANAGED.is_file():
            print(f"skipped the managed-policy run: {MANAGED} not found")
            return 0 if ok else 1
        folder = Path(tmp) / "managed"
        folder.mkdir()
        policies = json.loads(MANAGED.read_text())["policies"]
        for pol in policies:
            (folder / f"{pol['name']}.json").write_text(json.dumps(pol["document"], indent=2))
        runs = max(3, args.runs // 2)
        report = str(Path(tmp) / "report.txt")
        got = interleaved({
            "gate": [gate, "check", str(folder), "--output", report],
            "gate --jobs 1": [gate, "check", str(folder), "--jobs", "1", "--output", report],
            "gate json": [gate, "check", str(folder), "--format", "json", "--output", report],
            "parliament": [parliament, "--directory", str(folder)],
        }, runs)
        p, pc, p_code, p_err = got["parliament"]
        print(f"{len(policies)} managed policies (median of {runs}, interleaved): "
              f"parliament --directory {p:.3f} s (cpu {pc:.3f})")
        if p_code != 0:
            last = p_err.strip().splitlines()[-1] if p_err.strip() else f"exit code {p_code}"
            print(f"  parliament stops with an error before the end of the folder ({last}): its time "
                  "covers only the files it read until then")
        for name in ("gate", "gate --jobs 1", "gate json"):
            g, gc, _, _ = got[name]
            met = g <= p / 2 and g < 3.0
            print(f"  check-permissions {name[5:] or '(default: text report, --jobs auto)'}: {g:.3f} s (cpu {gc:.3f})   "
                  f"ratio {g / p:.2f}   half of parliament: {'met' if g <= p / 2 else 'MISSED'}, "
                  f"under 3 s: {'met' if g < 3.0 else 'MISSED'}")
            if name == "gate":
                ok &= met
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS of any child: {peak:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
