"""Benchmark of the Terraform IAM front end against its targets.

1. Whole-process gate (``check-permissions check``) on the onboarding module
   (``infra/aws/onboarding`` with its ``terraform.tfvars.example``, about 10 resources and data
   sources), several runs, median; target: under 0.6 s. With ``CHECKOV_BIN`` set (a checkov installed
   in its own virtualenv, never in .venv), checkov's time on the same module too; target: ours under
   a fifth of it.
2. A synthetic tree of 200 root modules holding 2,000 policy documents (each module: a role, its
   trust policy, 3 inline policies in jsonencode, 3 aws_iam_policy_document + role policies, 2
   customer-managed policies attached, 1 AWS-managed attachment): whole-process time and peak
   memory (max RSS of the process tree) with ``--jobs 1`` and ``--jobs 2``; targets: under 20 s,
   under 300 MB.

Run: ``.venv/bin/python benchmarks/bench_terraform_iam.py [--runs N] [--skip-tree]``
The machine is shared: figures vary from run to run; the median of several runs is reported.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONBOARDING = ROOT / "infra" / "aws" / "onboarding"
MODULES = 200
GATE_TARGET = 0.6
TREE_TARGET = 20.0
MEMORY_TARGET_MB = 300


def _cli() -> list[str]:
    exe = Path(sys.executable).parent / "check-permissions"
    return [str(exe)] if exe.exists() else [sys.executable, str(ROOT / "check_permissions.py")]


def _timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, float]:
    """(wall seconds, exit code, CPU seconds (user + system) of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    return elapsed, proc.returncode, cpu


def bench_gate(runs: int) -> None:
    cmd = [*_cli(), "check", str(ONBOARDING), "--var-file", str(ONBOARDING / "terraform.tfvars.example")]
    times = []
    cpus = []
    code = 0
    for _ in range(runs):
        t, code, cpu = _timed(cmd)
        times.append(t)
        cpus.append(cpu)
    med = statistics.median(times)
    print(f"gate on infra/aws/onboarding: median {med:.3f} s over {runs} runs (min {min(times):.3f}, "
          f"max {max(times):.3f}), CPU median {statistics.median(cpus):.3f} s; exit {code}; "
          f"target < {GATE_TARGET} s: {'OK' if med < GATE_TARGET else 'MISSED'} (wall time; a loaded machine "
          "inflates it, compare the CPU time)")
    checkov = os.environ.get("CHECKOV_BIN")
    if not checkov:
        print("checkov: skipped (set CHECKOV_BIN to a checkov installed in its own virtualenv)")
        return
    ctimes = []
    for _ in range(max(1, runs // 2)):
        t, _code, _ = _timed([checkov, "-d", str(ONBOARDING), "--framework", "terraform", "--quiet", "--compact"])
        ctimes.append(t)
    cmed = statistics.median(ctimes)
    print(f"checkov on the same module: median {cmed:.3f} s; ours / checkov = {med / cmed:.2f} "
          f"(target < 0.20: {'OK' if med / cmed < 0.2 else 'MISSED'})")


MODULE_TF = '''
resource "aws_iam_role" "r" {{
  name = "role-{m}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole",
      Principal = {{ AWS = "arn:aws:iam::111122223333:root" }},
      Condition = {{ StringEquals = {{ "sts:ExternalId" = "x-{m}" }} }} }}]
  }})
}}

locals {{
  reads = ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "ce:GetCostAndUsage"]
}}

resource "aws_iam_role_policy" "inline" {{
  for_each = toset(["a", "b", "c"])
  name     = "inline-${{each.key}}"
  role     = aws_iam_role.r.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Sid = "Read${{upper(each.key)}}", Effect = "Allow", Action = local.reads, Resource = "*" }}]
  }})
}}

data "aws_iam_policy_document" "doc" {{
  count = 3
  statement {{
    sid       = "Doc${{count.index}}"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:GetDashboard"]
    resources = ["*"]
  }}
}}

resource "aws_iam_role_policy" "doc" {{
  count  = 3
  role   = aws_iam_role.r.name
  policy = data.aws_iam_policy_document.doc[count.index].json
}}

resource "aws_iam_policy" "managed" {{
  count = 2
  name  = "managed-{m}-${{count.index}}"
  policy = <<EOT
{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["ce:GetTags"], "Resource": "*"}}]}}
EOT
}}

resource "aws_iam_role_policy_attachment" "managed" {{
  count      = 2
  role       = aws_iam_role.r.name
  policy_arn = aws_iam_policy.managed[count.index].arn
}}

resource "aws_iam_role_policy_attachment" "billing" {{
  role       = aws_iam_role.r.name
  policy_arn = "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"
}}
'''


def make_tree(root: Path) -> None:
    for m in range(MODULES):
        d = root / f"account-{m:03d}"
        d.mkdir(parents=True)
        (d / "main.tf").write_text(MODULE_TF.format(m=m), encoding="utf-8")


def bench_tree(runs: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-tf-iam-"))
    try:
        make_tree(tmp)
        for jobs in (1, 2):
            times = []
            peaks = []
            cpus = []
            for _ in range(runs):
                # a fresh measuring process each time, so that ru_maxrss is this run's
                probe = [sys.executable, "-c",
                         "import resource,subprocess,sys,time;t=time.perf_counter();"
                         "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL).returncode;"
                         "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
                         "print(time.perf_counter()-t, r, u.ru_maxrss/1024, u.ru_utime+u.ru_stime)",
                         *_cli(), "check", str(tmp), "--format", "json", "--jobs", str(jobs)]
                out = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.split()
                times.append(float(out[0]))
                peaks.append(float(out[2]))
                cpus.append(float(out[3]))
            med = statistics.median(times)
            peak = max(peaks)
            print(f"tree of {MODULES} modules (2,000 policy documents), --jobs {jobs}: median {med:.2f} s "
                  f"(min {min(times):.2f}), CPU of all processes {statistics.median(cpus):.2f} s; peak RSS of one "
                  f"process {peak:.0f} MB; targets < {TREE_TARGET} s, "
                  f"< {MEMORY_TARGET_MB} MB: {'OK' if med < TREE_TARGET and peak < MEMORY_TARGET_MB else 'MISSED'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_cross_parse() -> None:
    """CPU time of the HashiCorp cross-parse beside python-hcl2's own parse, in this process, on
    the tree's 200 files and on the onboarding module's files (a figure the machine's load does
    not inflate as it does wall time)."""
    import pygohcl

    from checker.terraform import crosscheck
    from checker.terraform import parser as tfparser

    onboarding = [p.read_text(encoding="utf-8") for p in sorted(ONBOARDING.glob("*.tf"))]
    tree_files = [MODULE_TF.format(m=m) for m in range(MODULES)]
    for name, texts in (("onboarding module", onboarding), (f"tree ({MODULES} files)", tree_files)):
        start = time.process_time()
        trees = [tfparser.parse_hcl(t, "main.tf") for t in texts]
        parse = time.process_time() - start
        start = time.process_time()
        for t in texts:
            pygohcl.loads(t + "\n", keep_interpolations=True)
        go = time.process_time() - start
        start = time.process_time()
        verdicts = [crosscheck.cross_check(t + "\n", tree, "main.tf") for t, tree in zip(texts, trees, strict=True)]
        cross = time.process_time() - start
        assert verdicts == [None] * len(texts), verdicts
        print(f"{name}: python-hcl2 parse {parse:.3f} s CPU; "
              f"HashiCorp cross-check {cross:.3f} s CPU, of which pygohcl {go:.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-tree", action="store_true")
    args = parser.parse_args()
    bench_cross_parse()
    bench_gate(args.runs)
    if not args.skip_tree:
        bench_tree(max(1, args.runs // 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
