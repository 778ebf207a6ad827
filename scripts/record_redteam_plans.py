#!/usr/bin/env python3
"""Render the plans of the red-team fixtures (tests/fixtures/redteam/<class>/<probe>/main.tf) once.

    python scripts/record_redteam_plans.py                                  # every probe
    python scripts/record_redteam_plans.py lent_permissions/external_role_lent  # some probes

The same offline recipe as scripts/record_coverage_plans.py (fake credentials, the local provider
mirror, a trimmed and indented ``terraform show -json`` beside main.tf as plan.json, or plan.txt
with terraform's own error): tests/terraform/test_redteam.py reads both; CI needs no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import record_coverage_plans as recorder

REDTEAM = recorder.REPO / "tests" / "fixtures" / "redteam"


def main(argv: list[str]) -> int:
    recorder.COVERAGE = REDTEAM  # render() reads the fixture folder from here
    names = argv or sorted(str(p.parent.relative_to(REDTEAM)) for p in REDTEAM.glob("*/*/main.tf"))
    for name in names:
        print(recorder.render(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
