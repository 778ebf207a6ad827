#!/usr/bin/env python3
"""Cost of the wildcard, service and sensitive-read rules (IAM103, IAM104, IAM301, IAM302) and of a
scoped data read.

    .venv/bin/python benchmarks/bench_sensitive_rules.py [--statements N]

Prints, per rule, the time to judge one policy of N statements (default 20,000; grants computed
once beforehand and shared, as in a run), and the time of a cold check of the onboarding-like
fixture (the first scoped data read reads the small ARN index, not the catalog's details).
Numbers vary with machine load; compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=20_000)
    n = parser.parse_args().statements

    from checker.api import check
    from checker.catalog import get_catalog
    from checker.engine.profiles import load_profile
    from checker.engine.registry import find_rule
    from checker.engine.rule import RuleContext
    from checker.pipeline import load_paths
    from checker.settings import Settings

    t0 = time.perf_counter()
    check([ROOT / "tests" / "fixtures" / "onboarding-like-policy.json"], Settings())
    print(f"onboarding-like fixture, first check in this process: {1000 * (time.perf_counter() - t0):.1f} ms")

    actions = ["s3:GetObject", "ce:Get*", "secretsmanager:DescribeSecret", "logs:GetLogEvents"]
    statements = [{"Effect": "Allow", "Action": [actions[i % 4], "s3:ListBucket"],
                   "Resource": f"arn:aws:s3:::bucket-{i:06d}/reports/*"} for i in range(n)]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.json"
        path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}), encoding="utf-8")
        doc = load_paths([path], Settings()).documents[0]
    ctx = RuleContext(catalog=get_catalog(), profile=load_profile("read-only"))
    t0 = time.perf_counter()
    ctx.grants(doc)
    print(f"{n} statements: grants {1000 * (time.perf_counter() - t0):.0f} ms (shared by every rule)")
    for rule_id in ("IAM103", "IAM104", "IAM301", "IAM302"):
        cls = find_rule(rule_id)
        assert cls is not None
        t0 = time.perf_counter()
        found = list(cls().check(doc, ctx))
        print(f"  {rule_id} {cls.name:<22} {1000 * (time.perf_counter() - t0):7.0f} ms  {len(found)} findings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
