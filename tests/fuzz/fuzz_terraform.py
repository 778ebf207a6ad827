#!/usr/bin/env python3
"""Coverage-guided fuzzing of the Terraform front end (HCL parse, evaluation, IAM extraction).

Short run (CI):  python tests/fuzz/fuzz_terraform.py -max_total_time=60 tests/fuzz/corpus/terraform
Long run:        python tests/fuzz/fuzz_terraform.py -max_total_time=14400 \
                   -artifact_prefix=tests/fuzz/regressions/terraform- work-corpus tests/fuzz/corpus/terraform
Crashes go to tests/fuzz/regressions/terraform/ (replayed by tests/fuzz/test_regressions.py).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["checker"]):
    from targets import check_terraform  # type: ignore[import-not-found]

    # The front ends import lazily: run once inside the block so every module is instrumented.
    check_terraform(b'locals {}')


def main() -> None:
    atheris.Setup(sys.argv, check_terraform)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
