#!/usr/bin/env python3
"""The one-off costs that design decisions in the code rest on (figures once quoted in docstrings).

    .venv/bin/python benchmarks/bench_costs.py [--repeat N]

Each cost is measured in a fresh interpreter (nothing cached, nothing imported beforehand), best of
N runs (default 5), and printed as one line. benchmarks/README.md says which design decision each
one backs; re-run this after a dependency upgrade and update the README's table.
Numbers vary with machine load; compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (setup, timed statement): each runs in a fresh interpreter; only the statement is timed.
COSTS: dict[str, tuple[str, str]] = {
    "import typer and click (every start of the command line)": (
        "", "import typer"),
    "import parliament with the pkg_resources shim (parliament_lint.parliament_module)": (
        "from checker.analysis.lint import parliament_module", "parliament_module()"),
    "import pkg_resources (what the shim avoids)": (
        "import warnings; warnings.simplefilter('ignore')", "import pkg_resources"),
    "validate a built-in profile (profiles._trusted skips it)": (
        "import tomllib; from checker.engine.profiles import Profile; from importlib import resources; "
        "d = tomllib.loads(resources.files('checker.policies').joinpath('read-only.toml').read_text())",
        "Profile.model_validate(d)"),
    "load a built-in profile without validation (profiles._trusted)": (
        "from checker.engine.profiles import load_profile", "load_profile('read-only')"),
    "build the sensitive-action table (sensitivity.sensitive_candidates, large grants only)": (
        "from checker.analysis.sensitivity import sensitive_by_name", "sensitive_by_name()"),
    "read the catalog's details (arnscope: what the sensitive ARN index avoids)": (
        "from checker.catalog import get_catalog; c = get_catalog()", "c.details('s3:GetObject')"),
    "read the sensitive ARN index instead (checker/data/sensitive_arns.json)": (
        "from checker.analysis.arnscope import resource_scope; from checker.catalog import get_catalog; c = get_catalog()",
        "resource_scope('arn:aws:s3:::b/*', 's3:GetObject', c)"),
    "load a small Terraform module again (terraform_source.PARALLEL_MIN_ROOTS)": (
        "from pathlib import Path; from checker.terraform.to_model import load_terraform; "
        "load_terraform(Path('infra/aws/onboarding'))",
        "load_terraform(Path('infra/aws/onboarding'))"),
    "start one process-pool worker and get an answer (what --jobs adds per worker)": (
        "from concurrent.futures import ProcessPoolExecutor",
        "with ProcessPoolExecutor(1) as ex: ex.submit(int).result()"),
}


def measure(setup: str, stmt: str) -> float:
    code = (f"import time\n{setup}\nt = time.perf_counter()\n{stmt}\n"
            "print(time.perf_counter() - t)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"failed: {stmt}\n{done.stderr.strip().splitlines()[-1]}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    n = parser.parse_args().repeat
    for name, (setup, stmt) in COSTS.items():
        best = min(measure(setup, stmt) for _ in range(n))
        print(f"{1000 * best:8.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
