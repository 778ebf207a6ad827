#!/usr/bin/env python3
"""Coverage-guided fuzzing of the JSON front end with atheris (libFuzzer).

Short run (CI):  python tests/fuzz/fuzz_json.py -max_total_time=60 tests/fuzz/corpus/json
Long run:        python tests/fuzz/fuzz_json.py -max_total_time=14400 -jobs=2 -workers=2 \
                   -artifact_prefix=tests/fuzz/regressions/json- work-corpus tests/fuzz/corpus/json
A crash is written as a file (crash-<sha>); copy it to tests/fuzz/regressions/json/ so that
tests/fuzz/test_regressions.py replays it forever.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["checker"]):
    from targets import check_json  # type: ignore[import-not-found]

    # The front ends import lazily: run once inside the block so every module is instrumented.
    check_json(b'{"Version": "2012-10-17", "Statement": []}')


def main() -> None:
    atheris.Setup(sys.argv, check_json)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
