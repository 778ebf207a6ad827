"""Determinism: the same input gives byte-identical JSON and SARIF, whatever order the file system
lists files in, and with no timestamps or absolute paths."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FILES = {
    f"policies/p{i:02d}.json": {
        "Version": "2012-10-17",
        "Statement": [{"Sid": f"S{i}", "Effect": "Allow",
                       "Action": ["s3:ListBucket", "iam:PassRole" if i % 3 == 0 else "ce:GetCostAndUsage"],
                       "Resource": "*"}],
    }
    for i in range(12)
}
FILES["module/main.tf"] = """
resource "aws_iam_policy" "p" {
  name   = "p"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:PutObject", "s3:ListBucket"], Resource = "*" }]
  })
}
"""


def _make_tree(root: Path, order: list[str]) -> None:
    for rel in order:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        content = FILES[rel]
        p.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")


def _run(cwd: Path, fmt: str) -> bytes:
    r = subprocess.run([sys.executable, str(REPO / "check_permissions.py"), "check", ".", "--format", fmt],
                       cwd=cwd, capture_output=True, timeout=300,
                       env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 1, r.stderr.decode()
    return r.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_byte_identical_whatever_the_listing_order(tmp_path: Path, fmt: str) -> None:
    names = sorted(FILES)
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    a, b = tmp_path / "a" / "work", tmp_path / "b" / "work"
    _make_tree(a, names)
    _make_tree(b, list(reversed(shuffled)))
    out_a1, out_a2, out_b = _run(a, fmt), _run(a, fmt), _run(b, fmt)
    assert out_a1 == out_a2
    assert out_a1 == out_b
    text = out_a1.decode()
    assert str(tmp_path) not in text, "absolute paths leak into the report"
    assert "policies/p00.json" in text and "module/main.tf" in text
