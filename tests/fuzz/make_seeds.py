#!/usr/bin/env python3
"""Writes the JSON seed corpus from the rules' YAML cases and the examples (run after adding cases)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
OUT = Path(__file__).parent / "corpus" / "json"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    seeds: list[bytes] = []
    for path in sorted((REPO / "tests" / "rules").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"].values():
            if "json" in case:
                seeds.append(case["json"].encode("utf-8"))
            elif "policy" in case:
                seeds.append(json.dumps(case["policy"], indent=2).encode("utf-8"))
    for path in sorted((REPO / "examples").glob("*.json")):
        seeds.append(path.read_bytes())
    for data in seeds:
        (OUT / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
