"""Text for people: findings grouped by file, the source line under each, the actions, a summary line.

```
w.json
  w.json:9: error IAM101 write-action-allowed: Sid 'W' allows 1 action(s) beyond List/Read ...
      9 | "s3:PutObject"
      actions: s3:PutObject

1 finding: IAM101 write-action-allowed (1)
FAILED: 1 policies in 1 files, 1 errors, 0 warnings, 0 notes (profile read-only, fails on error)
```
Colour only when the caller says so (the CLI: a terminal, and no ``NO_COLOR``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from checker.engine.findings import Finding, Severity
from checker.reporters._common import list_actions, source_lines, verdict

if TYPE_CHECKING:
    from checker.api import Report

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}
# A finding spanning several lines shows at most this many of them, each at most this wide.
MAX_SOURCE_LINES = 3
SOURCE_WIDTH = 160


def _c(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _finding(out: list[str], f: Finding, severity: str, lines: list[str], color: bool) -> None:
    """The lines of one finding; ``severity`` is its label as shown, ``lines`` its file's lines."""
    out.append(f"  {f.file}:{f.line}: {severity} {_c(f.rule_id, '1', color)} {f.rule_name}: {f.message}")
    line = f.line
    last = min(f.end_line, line + MAX_SOURCE_LINES - 1)
    count = len(lines)
    width = len(str(last))
    for n in range(line, max(last, line) + 1):
        if not 1 <= n <= count:
            break
        src = _shown(lines[n - 1])
        out.append(f"      {n:>{width}} | {_c(src, '2', color) if n != line else src}")
    if f.end_line > last and 1 <= last <= count:
        out.append(f"      {'':>{width}} | ... (to line {f.end_line})")
    actions = f.actions
    if actions and not (len(actions) == 1 and actions[0] in f.message):
        out.append(f"      actions ({len(actions)}): {list_actions(actions)}")
    if f.address and f.address != f.file:
        out.append(f"      at {f.address}" + (f" ({f.path})" if f.path else ""))


def _shown(text: str) -> str:
    """A source line as shown: stripped, cut to SOURCE_WIDTH characters."""
    text = text.strip()
    return text[: SOURCE_WIDTH - 3] + "..." if len(text) > SOURCE_WIDTH else text


def render(report: Report, *, color: bool = False) -> str:
    out: list[str] = []
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_file[f.file].append(f)
    # Each severity's label once: coloured, and marked when it does not fail the run.
    labels = {s: _c(s.value, _COLORS[s], color) + ("" if s.at_least(report.fail_on) else " (does not fail)")
              for s in Severity}
    for file in sorted(by_file):
        out.append(_c(file, "1", color))
        lines = source_lines(file)
        for f in by_file[file]:
            _finding(out, f, labels[f.severity], lines, color)
        out.append("")
    for s in report.load.skipped:
        out.append(f"skipped {s.address}: {s.reason}")
    if report.findings:
        per_rule = Counter((f.rule_id, f.rule_name) for f in report.findings)
        n = len(report.findings)
        out.append(f"{n} finding{'s' if n != 1 else ''}: "
                   + ", ".join(f"{rid} {name} ({count})" for (rid, name), count in sorted(per_rule.items())))
    line = verdict(report)
    head, _, rest = line.partition(":")
    out.append(_c(head, "32" if report.passed else "31;1", color) + ":" + rest)
    return "\n".join(out) + "\n"
