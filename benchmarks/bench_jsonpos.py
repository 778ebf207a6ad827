"""Speed and memory of checker.sources.jsonpos.parse_json.

Targets: the 1,645 AWS managed policies, parsed as separate documents, in well under
1 s in total; a generated 50 MB policy-like file in well under 30 s and under 1 GB peak memory.
The managed policies are also parsed by the reference tokenizer the tests use as the oracle
(tests/jsonpos_oracle.py), and by json.loads, for comparison.

    .venv/bin/python benchmarks/bench_jsonpos.py [--size-mb 50] [--statements 200000]

The big file is parsed in a child process from bytes (as a file is read), so that its peak
resident memory (VmHWM) is the parse's own: file bytes + decoded text + node tree. With
--tracemalloc a second child measures the same parse under tracemalloc (Python allocations
only; several times slower). CPU time is printed beside wall time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))

from jsonpos_oracle import parse_reference  # noqa: E402

from checker.sources.jsonpos import parse_json  # noqa: E402

MANAGED = Path("/work/shared/data/aws-managed-policies.json")


def managed_policies() -> None:
    documents = [p["document"] for p in json.loads(MANAGED.read_text())["policies"]]
    for indent, label in ((4, " (indent=4)"), (None, " (one line each)")):
        texts = [json.dumps(d, indent=indent) for d in documents]
        size = sum(len(t) for t in texts)
        timed(texts, size, label)


def timed(texts: list[str], size: int, label: str) -> None:
    for name, parse in (
        ("parse_json", parse_json),
        ("the oracle (tests/jsonpos_oracle.py)", parse_reference),
        ("json.loads (reference)", json.loads),
    ):
        best = best_cpu = float("inf")
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            for text in texts:
                parse(text)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        print(
            f"managed policies{label}: {len(texts)} documents, {size / 1e6:.2f} MB, {name}: "
            f"{best * 1000:.0f} ms wall, {best_cpu * 1000:.0f} ms CPU (best of 5)"
        )


def generate(size_mb: float, statements: int, path: Path) -> int:
    """One policy object with ``statements`` statements, indented, padded to about size_mb."""
    documents = [p["document"] for p in json.loads(MANAGED.read_text())["policies"]]
    actions = sorted(
        {
            a
            for d in documents
            for s in d.get("Statement", [])
            for a in (s.get("Action") or [])
            if isinstance(a, str)
        }
    )
    rng = random.Random(1)
    per_statement = size_mb * 1e6 / statements
    items = []
    for i in range(statements):
        stmt: dict[str, object] = {
            "Sid": f"Statement{i}",
            "Effect": "Allow" if i % 7 else "Deny",
            "Action": [rng.choice(actions)],
            "Resource": f"arn:aws:s3:::bucket-{i}/*",
        }
        if i % 10 == 0:
            stmt["Condition"] = {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}
        text = json.dumps(stmt, indent=2)
        length = len(text) + 4 * (text.count("\n") + 1) + 2  # as nested two levels deep
        acts = stmt["Action"]
        assert isinstance(acts, list)
        while length < per_statement:
            action = rng.choice(actions)
            acts.append(action)
            length += len(action) + 12
        items.append(stmt)
    text = json.dumps({"Version": "2012-10-17", "Statement": items}, indent=2)
    path.write_text(text, encoding="utf-8")
    return len(text.encode())


def peak_rss_kib() -> int:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited over exec)."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str, trace: bool) -> None:
    import tracemalloc

    base_rss = peak_rss_kib()
    if trace:
        tracemalloc.start()
    start, start_cpu = time.perf_counter(), time.process_time()
    data = Path(path).read_bytes()
    parsed = parse_json(data)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    peak_rss = peak_rss_kib()
    statements = parsed.root.get("Statement")
    count = len(statements.items) if statements else 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        print(f"big file under tracemalloc: {elapsed:.2f} s, tracemalloc peak {peak / 2**20:.0f} MiB")
    else:
        print(
            f"big file: {len(data) / 1e6:.1f} MB, {count} statements, parse_json(bytes) {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
            f"peak RSS {peak_rss / 1024:.0f} MiB (interpreter at start {base_rss / 1024:.0f} MiB)"
        )
        start, start_cpu = time.perf_counter(), time.process_time()
        json.loads(data)
        print(
            f"big file: json.loads (reference) {time.perf_counter() - start:.2f} s wall, "
            f"{time.process_time() - start_cpu:.2f} s CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=float, default=50.0)
    parser.add_argument("--statements", type=int, default=200_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure under tracemalloc (slow)")
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.trace)
        return
    managed_policies()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        size = generate(args.size_mb, args.statements, path)
        print(f"generated {path.name}: {size / 1e6:.1f} MB, {args.statements} statements")
        for extra in ([], ["--trace"]) if args.tracemalloc else ([],):
            subprocess.run(
                [sys.executable, __file__, "--child", str(path), *extra], check=True, env=os.environ
            )

    start = time.perf_counter()
    try:
        parse_json("[" * 200_000)
    except ValueError as exc:
        print(f"200,000 nested '[': {(time.perf_counter() - start) * 1000:.1f} ms -> {exc}")


if __name__ == "__main__":
    main()
