from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.api import check
from checker.engine.findings import Finding
from checker.report import Report
from checker.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


Run = Callable[..., Report]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run(files, target=".", **settings)``: write the files under a temporary folder (the working
    directory), check ``target`` and return the report."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TF_VAR_actions", raising=False)

    def _run(files: dict[str, str], target: str = ".", **settings: object) -> Report:
        write_tree(tmp_path, files)
        return check([Path(target)], Settings(**settings))  # type: ignore[arg-type]

    return _run


def found(report: Report, rule: str | None = None) -> list[tuple[str, str, int, str, tuple[str, ...]]]:
    """(rule, file, line, address, actions) of each finding (of one rule), sorted."""
    return sorted((f.rule_id, f.file, f.line, f.address, f.actions) for f in report.findings
                  if rule is None or f.rule_id == rule)


def errors(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.severity.value == "error"]
