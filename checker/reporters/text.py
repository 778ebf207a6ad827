"""Text for people: findings grouped by file, the source line under each, a summary line."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from checker.engine.findings import Finding, Severity

if TYPE_CHECKING:
    from checker.api import Report

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}
MAX_LISTED_ACTIONS = 20


def _c(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


@cache
def _source_lines(file: str) -> list[str]:
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _source_line(f: Finding) -> str | None:
    lines = _source_lines(f.file)
    if 1 <= f.line <= len(lines):
        text = lines[f.line - 1].strip()
        return text[:157] + "..." if len(text) > 160 else text
    return None


def render(report: Report, *, color: bool = False) -> str:
    out: list[str] = []
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_file[f.file].append(f)
    for file in sorted(by_file):
        out.append(_c(file, "1", color))
        for f in by_file[file]:
            sev = _c(f.severity.value, _COLORS[f.severity], color)
            out.append(f"  {f.file}:{f.line}: {sev} {f.rule_id} {f.rule_name}: {f.message}")
            src = _source_line(f)
            if src:
                out.append(f"      {f.line} | {src}")
            if f.actions and len(f.actions) > 1:
                shown = list(f.actions[:MAX_LISTED_ACTIONS])
                more = len(f.actions) - len(shown)
                out.append("      actions: " + ", ".join(shown) + (f" (+{more} more)" if more else ""))
            if f.address and f.address != f.file:
                out.append(f"      at {f.address}" + (f" ({f.path})" if f.path else ""))
        out.append("")
    for s in report.load.skipped:
        out.append(f"skipped {s.address}: {s.reason}")
    counts = report.counts()
    verdict = _c("passed", "32", color) if report.passed else _c("FAILED", "31;1", color)
    out.append(
        f"{verdict}: {len(report.load.documents)} policies in {len(report.load.files)} files, "
        f"{counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes "
        f"(profile {report.profile.name}, fails on {report.fail_on.value})"
    )
    return "\n".join(out) + "\n"
