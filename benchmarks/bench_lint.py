#!/usr/bin/env python3
"""Cost of the grammar lint (parliament) and of the trust/escalation/size rules.

    .venv/bin/python benchmarks/bench_lint.py [--runs 5] [--limit 1645]

Prints, as medians over ``--runs`` fresh processes:
- the import of parliament through ``checker.analysis.lint`` (without pkg_resources) and a plain
  ``import parliament`` (with it): the lint's fixed cost per run;
and, in one process over the AWS managed policies of /work/shared/data (one document each):
- parliament's run plus the adapter per document (mean, and total);
- IAM201, IAM501 and IAM515 per document (they need no parliament).

Targets: the read-only gate never imports parliament (tests/test_trust_escalation_lint.py checks
it); the lint adds well under 10 ms per typical document after its import. CPU time is printed
beside wall time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MANAGED = REPO.parent / "shared" / "data" / "aws-managed-policies.json"


def _child(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return float(out.stdout.strip().splitlines()[-1])


def import_costs(runs: int) -> None:
    # Both import checker.analysis.lint (pydantic and the model) first, outside the timing.
    shim = ("import time; from checker.analysis.lint import parliament_module; t = time.perf_counter(); "
            "parliament_module(); print(time.perf_counter() - t)")
    plain = ("import time, warnings; import checker.analysis.lint; warnings.simplefilter('ignore'); "
             "t = time.perf_counter(); import parliament; print(time.perf_counter() - t)")
    for label, code in (("parliament via checker.analysis.lint", shim), ("plain import parliament", plain)):
        times = [_child(code) for _ in range(runs)]
        print(f"{label:42s} median {statistics.median(times) * 1000:7.1f} ms  (min {min(times) * 1000:.1f})")


def per_document(limit: int) -> None:
    from checker.analysis.lint import lint, parliament_module
    from checker.catalog import get_catalog
    from checker.engine.profiles import load_profile
    from checker.engine.registry import find_rule
    from checker.engine.rule import RuleContext
    from checker.model import LoadResult
    from checker.sources.json_policy import load_json_text

    if not MANAGED.is_file():
        print(f"skipped per-document figures: {MANAGED} is absent")
        return
    policies = json.loads(MANAGED.read_text())["policies"][:limit]
    docs = []
    for p in policies:
        docs.extend(load_json_text(json.dumps(p["document"], indent=2), f"{p.get('name', 'p')}.json").documents)
    catalog = get_catalog()
    catalog.details("s3:GetObject")  # the details index is shared by every rule: load it outside the timing
    parliament_module()
    t0, c0 = time.perf_counter(), time.process_time()
    issues = sum(len(lint(d, catalog)) for d in docs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"lint: {len(docs)} documents, {issues} issues kept, {wall:.2f} s wall ({cpu:.2f} s CPU), "
          f"{wall / len(docs) * 1000:.2f} ms per document")
    ctx = RuleContext(catalog=catalog, profile=load_profile("audit"), load=LoadResult(documents=tuple(docs)))
    for rid in ("IAM201", "IAM501", "IAM515"):
        rule_cls = find_rule(rid)
        assert rule_cls is not None
        rule = rule_cls()
        for d in docs:  # grants are shared by every rule: compute them outside the timing
            ctx.grants(d)
        t0 = time.perf_counter()
        found = sum(len(list(rule.check(d, ctx))) for d in docs)
        wall = time.perf_counter() - t0
        print(f"{rid}: {found} findings, {wall:.2f} s, {wall / len(docs) * 1000:.3f} ms per document")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--limit", type=int, default=1645)
    args = ap.parse_args()
    import_costs(args.runs)
    per_document(args.limit)


if __name__ == "__main__":
    main()
