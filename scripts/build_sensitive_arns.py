#!/usr/bin/env python3
"""Rebuild checker/data/sensitive_arns.json: the ARN formats of every classified sensitive action.

unscoped-data-read (IAM302) reads this small index instead of the catalog's full details (slower to read).
Run it after rebuilding the catalog or changing checker/data/sensitive_actions.json:

    .venv/bin/python scripts/build_sensitive_arns.py          # write the index
    .venv/bin/python scripts/build_sensitive_arns.py --check  # exit 1 when the committed index is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.analysis.arnscope import INDEX_FILE, build_arn_index  # noqa: E402
from checker.catalog import get_catalog  # noqa: E402

PATH = ROOT / "checker" / "data" / INDEX_FILE


def render() -> str:
    index = build_arn_index(get_catalog())
    lines = ['{"version": 1, "actions": {']
    items = list(index["actions"].items())
    for i, (name, formats) in enumerate(items):
        lines.append(f"  {json.dumps(name)}: {json.dumps(formats)}{',' if i < len(items) - 1 else ''}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare with the committed index")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = PATH.read_text(encoding="utf-8") if PATH.is_file() else ""
        if current != text:
            print(f"{PATH.relative_to(ROOT)} is stale: run scripts/build_sensitive_arns.py", file=sys.stderr)
            return 1
        return 0
    PATH.write_text(text, encoding="utf-8")
    print(f"wrote {PATH.relative_to(ROOT)} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
