"""Replays the fuzzing seeds and every crash fuzzing ever found, without atheris."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from targets import check_json, check_terraform  # noqa: E402


def _files(kind: str) -> list[Path]:
    out: list[Path] = []
    for folder in (HERE / "corpus" / kind, HERE / "regressions" / kind):
        if folder.is_dir():
            out.extend(sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")))
    return out


@pytest.mark.parametrize("path", _files("json"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_json_input(path: Path) -> None:
    check_json(path.read_bytes())


@pytest.mark.parametrize("path", _files("terraform"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_terraform_input(path: Path) -> None:
    check_terraform(path.read_bytes())
