#!/usr/bin/env python3
"""Speed of the pre-commit hook (``check-permissions pre-commit FILES``), whole process.

Cases, in a synthetic repository of ``--modules`` child modules each called by its own root module:
- ``nothing``: a commit touching only a package.json and a README (the common commit);
- ``policy``: one changed JSON policy;
- ``child``: one changed .tf file of a child module (the repository is walked for its callers and the
  calling root module is judged).

Targets ("milliseconds matter"): ``nothing`` answers without loading the analyser, in about
the time of the interpreter and the command line's start-up; ``policy`` and ``child`` cost what
``check`` costs on the same policy or module. Wall times on this shared 2-core machine are noisy:
compare CPU times.

Run: ``.venv/bin/python benchmarks/bench_precommit.py [--runs 7] [--modules 50]``.
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

BIN = Path(sys.executable).parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CHILD = """variable "actions" {
  type = list(string)
}

resource "aws_iam_policy" "this" {
  name   = "cost-read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}
"""
ROOT = 'module "iam" {\n  source  = "../../modules/m%d"\n  actions = ["ce:GetCostAndUsage"]\n}\n'
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": ["ce:GetCostAndUsage"], "Resource": "*"}]}


def timed(cmd: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` runs after one warm-up."""
    walls, cpus = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
        if i:
            walls.append(wall)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--modules", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        repo = Path(d)
        (repo / ".git").mkdir()  # the repository root marker is all the hook looks for
        for i in range(args.modules):
            (repo / "modules" / f"m{i}").mkdir(parents=True)
            (repo / "modules" / f"m{i}" / "main.tf").write_text(CHILD)
            (repo / "envs" / f"e{i}").mkdir(parents=True)
            (repo / "envs" / f"e{i}" / "main.tf").write_text(ROOT % i)
        (repo / "package.json").write_text('{"name": "x"}')
        (repo / "README.md").write_text("x")
        (repo / "policy.json").write_text(json.dumps(POLICY, indent=2))
        hook = [str(BIN / "check-permissions"), "pre-commit"]
        check = [str(BIN / "check-permissions"), "check"]
        cases = [
            ("nothing", [*hook, "package.json", "README.md"]),
            ("policy", [*hook, "policy.json"]),
            ("check policy.json (reference)", [*check, "policy.json"]),
            ("child", [*hook, "modules/m0/main.tf"]),
            ("check envs/e0/main.tf (reference)", [*check, "envs/e0/main.tf"]),
            ("python -c pass (interpreter start)", [sys.executable, "-c", "pass"]),
        ]
        print(f"{args.modules} root modules calling {args.modules} child modules; median of {args.runs} runs")
        for name, cmd in cases:
            wall, cpu = timed(cmd, repo, args.runs)
            print(f"{name:<40} wall {wall * 1000:7.0f} ms   cpu {cpu * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
