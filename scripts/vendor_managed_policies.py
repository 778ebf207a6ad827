"""Build checker/data/aws_managed_policies.json.gz from the shared copy of AWS managed policies.

    python scripts/vendor_managed_policies.py [SOURCE_JSON]

SOURCE_JSON defaults to ../shared/data/aws-managed-policies.json (iann0036/iam-dataset, MIT). The
output keeps the source's provenance (repository, commit, date, licence) and, per policy, its ARN,
default version and document, as compact JSON compressed with gzip (mtime 0: reproducible).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "aws-managed-policies.json"
OUTPUT = ROOT / "checker" / "data" / "aws_managed_policies.json.gz"


def build(source: Path) -> bytes:
    data = json.loads(source.read_text(encoding="utf-8"))
    policies = {}
    for p in sorted(data["policies"], key=lambda p: p["arn"]):
        policies[p["arn"]] = {"version": p.get("version"), "deprecated": bool(p.get("deprecated")),
                              "document": p["document"]}
    out = {"source": {**data["source"], "vendored_from": source.name}, "policies": policies}
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    blob = build(source)
    OUTPUT.write_bytes(blob)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(blob)} bytes) from {source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
