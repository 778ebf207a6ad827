#!/usr/bin/env python3
"""Render the plans of the coverage fixtures (tests/fixtures/coverage/<class>/main.tf) once.

    python scripts/record_coverage_plans.py            # every class
    python scripts/record_coverage_plans.py ssoadmin   # some classes

Each module is copied to a temporary folder with a provider configuration that needs no account
(fake credentials, skip_credentials_validation, skip_requesting_account_id, skip_metadata_api_check),
``terraform init -backend=false -plugin-dir=<mirror>`` (``CHECK_PERMISSIONS_TF_PLUGINS``, default
/opt/tf-plugins) and ``terraform plan`` are run offline, and ``terraform show -json`` of the plan is
stored beside main.tf as plan.json, trimmed (no prior state, drift, timestamps or provider
configuration) and indented so that findings have lines. A module terraform cannot plan (a provider
the mirror does not hold, a module not fetched) gets plan.txt with terraform's own error instead.
tests/terraform/test_coverage.py reads both; CI needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COVERAGE = REPO / "tests" / "fixtures" / "coverage"
PROVIDERS = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
"""
KEEP = ("format_version", "terraform_version", "variables", "planned_values", "resource_changes", "configuration")


def _trim(plan: dict[str, Any]) -> dict[str, Any]:
    out = {k: plan[k] for k in KEEP if k in plan}
    conf = out.get("configuration")
    if isinstance(conf, dict):
        conf.pop("provider_config", None)
    for rc in out.get("resource_changes", []):
        rc.get("change", {}).pop("before_sensitive", None)
    return out


def _tf(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_EC2_METADATA_DISABLED": "true",
           "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(["terraform", f"-chdir={cwd}", *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def render(name: str) -> str:
    src = COVERAGE / name
    for stale in ("plan.json", "plan.txt"):
        (src / stale).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cp-coverage-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work)
        (work / "zz_providers.tf").write_text(PROVIDERS)
        mirror = os.environ.get("CHECK_PERMISSIONS_TF_PLUGINS", "/opt/tf-plugins")
        steps = (["init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={mirror}"],
                 ["plan", "-input=false", "-no-color", "-refresh=false", "-out=plan.out"])
        for step in steps:
            done = _tf(step, work)
            if done.returncode != 0:
                text = (done.stderr or done.stdout).replace(str(work), f"<copy of tests/fixtures/coverage/{name}>")
                (src / "plan.txt").write_text(f"$ terraform {step[0]}\n{text.strip()}\n")
                return f"{name}: terraform {step[0]} failed (plan.txt)"
        shown = _tf(["show", "-json", "plan.out"], work)
        if shown.returncode != 0:
            raise RuntimeError(shown.stderr)
        plan = _trim(json.loads(shown.stdout))
        (src / "plan.json").write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
        return f"{name}: plan.json"


def main(argv: list[str]) -> int:
    names = argv or sorted(p.name for p in COVERAGE.iterdir() if (p / "main.tf").is_file())
    for name in names:
        print(render(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
