"""Text for people: findings grouped by file, the source line under each, a summary line.

```
w.json
  w.json:9: error IAM101 write-action-allowed: Sid 'W' allows 1 action(s) beyond List/Read through 's3:PutObject':
    s3:PutObject (Write)
      9 | "s3:PutObject"

1 finding: IAM101 x1; worst policy: w.json (1 error)
FAILED: 1 policies in 1 files, 1 errors, 0 warnings, 0 notes, 2 suppressed (profile read-only, fails on error)
```
No line is wider than ``width`` (the terminal's, else :data:`WIDTH`): messages and action lists
wrap, indented under their finding; source lines are cut. ``quiet`` prints the two summary lines
only; ``show_suppressed`` lists every suppressed finding with its suppression's reason. Colour only
when the caller says so (the CLI: a terminal, and no ``NO_COLOR``).
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from checker.engine.findings import LISTED_ACTIONS, Finding, Severity, listed
from checker.reporters._common import list_actions, source_lines, verdict

if TYPE_CHECKING:
    from checker.engine.suppressions import Suppressed
    from checker.report import Report

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}
# A finding spanning several lines shows at most this many of them.
MAX_SOURCE_LINES = 3
# The width of the text when it does not go to a terminal (a file, a pipe, a CI log).
WIDTH = 120
# Under a finding: its source lines, actions and address; the rest of a long message less indented.
INDENT = " " * 6
MESSAGE_INDENT = " " * 4


def _c(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def wrap(text: str, width: int, indent: str = INDENT) -> list[str]:
    """``text`` as lines of at most ``width`` characters, the second and later ones indented;
    a word longer than a line (an ARN) is cut."""
    if len(text) <= width:
        return [text]
    first = len(text) - len(text.lstrip(" "))
    indent = indent if len(indent) > first else " " * (first + 2)
    if len(indent) >= width // 2:
        indent = ""
    lines = textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False)
    return [line.rstrip() for line in lines] or [text[:width]]


def _finding(out: list[str], f: Finding, severity: str, shown: str, lines: list[str], color: bool,
             width: int) -> None:
    """The lines of one finding; ``severity`` is its label as shown (``shown`` the same without
    colour), ``lines`` its file's lines."""
    head = f"  {f.file}:{f.line}: "
    plain_head = f"{head}{shown} {f.rule_id} {f.rule_name}: "
    wrapped = wrap(plain_head + f.message, width, MESSAGE_INDENT)
    if color and wrapped[0].startswith(plain_head):
        wrapped[0] = f"{head}{severity} {_c(f.rule_id, '1', color)} {f.rule_name}: " + wrapped[0][len(plain_head):]
    out.extend(wrapped)
    line = f.line
    last = min(f.end_line, line + MAX_SOURCE_LINES - 1)
    count = len(lines)
    number = len(str(last))
    for n in range(line, max(last, line) + 1):
        if not 1 <= n <= count:
            break
        src = _cut(lines[n - 1].strip(), width - len(INDENT) - number - 3)
        out.append(f"{INDENT}{n:>{number}} | {_c(src, '2', color) if n != line else src}")
    if f.end_line > last and 1 <= last <= count:
        out.append(f"{INDENT}{'':>{number}} | ... (to line {f.end_line})")
    actions = f.actions
    if actions and not all(a in f.message for a in actions[:LISTED_ACTIONS]):
        out.extend(wrap(f"{INDENT}actions ({len(actions)}): {list_actions(actions)}", width, INDENT + "  "))
    if f.address and f.address != f.file:
        out.extend(wrap(f"{INDENT}at {f.address}" + (f" ({f.path})" if f.path else ""), width, INDENT + "  "))


def _cut(text: str, width: int) -> str:
    """A source line as shown: cut to ``width`` characters (at least 20)."""
    width = max(width, 20)
    return text[: width - 3] + "..." if len(text) > width else text


def summary_line(report: Report) -> str:
    """``12 findings: IAM101 x5, IAM301 x4, ...; worst principal: aws_iam_role.vendor (9 errors)``:
    the counts by rule and the principal (or policy) with the most serious findings. (How many
    findings were suppressed is in the verdict line, which every report has.)"""
    findings = report.findings
    n = len(findings)
    per_rule = Counter(f.rule_id for f in findings)
    parts = [f"{n} finding{'s' if n != 1 else ''}: "
             + ", ".join(f"{rid} x{count}" for rid, count in sorted(per_rule.items()))]
    worst = _worst(report)
    if worst:
        parts.append(worst)
    return "; ".join(parts)


def _worst(report: Report) -> str:
    """``worst principal: NAME (3 errors, 1 warning)``: the principal (role, user or group) whose
    policies have the most errors (then warnings, then notes); ``worst policy`` when no finding
    belongs to a principal's policy."""
    owners: dict[str, list[str]] = defaultdict(list)  # a document's address -> its principals
    for principal in report.load.principals:
        for _, address in (*principal.policies, *((principal.trust,) if principal.trust else ())):
            owners[address].append(principal.address)
    for d in report.load.documents:
        if d.principal and not owners.get(d.address):
            owners[d.address].append(d.principal)
    counts: dict[tuple[str, str], Counter[Severity]] = defaultdict(Counter)
    for f in report.findings:
        keys = [("principal", name) for name in dict.fromkeys(owners.get(f.address, ()))]
        for key in keys or [("policy", f.address or f.file)]:
            counts[key][f.severity] += 1
    if not counts:
        return ""
    ranked = sorted(counts.items(), key=lambda kv: (kv[0][0] != "principal",
                                                    tuple(-kv[1][s] for s in _ORDER), kv[0][1]))
    (kind, name), c = ranked[0]
    said = ", ".join(f"{c[s]} {s.value}{'s' if c[s] != 1 else ''}" for s in _ORDER if c[s])
    return f"worst {kind}: {name} ({said})"


_ORDER = (Severity.ERROR, Severity.WARNING, Severity.NOTE)


def _suppressed(out: list[str], suppressed: list[Suppressed], width: int) -> None:
    out.append(f"suppressed ({len(suppressed)}):")
    for s in suppressed:
        f = s.finding
        where = f"{s.file}:{s.line}" if s.line else s.file
        actions = f" [{listed(f.actions)}]" if f.actions else ""
        out.extend(wrap(f"  {f.file}:{f.line}: {f.severity.value} {f.rule_id} {f.rule_name}{actions}: "
                        f"{s.kind} {where}: {s.reason}", width))
    out.append("")


def render(report: Report, *, color: bool = False, width: int = WIDTH, quiet: bool = False,
           show_suppressed: bool = False) -> str:
    width = max(width, 40)
    out: list[str] = []
    if not quiet:
        by_file: dict[str, list[Finding]] = defaultdict(list)
        for f in report.findings:
            by_file[f.file].append(f)
        # Each severity's label once: coloured, and marked when it does not fail the run.
        shown = {s: s.value + ("" if s.at_least(report.fail_on) else " (does not fail)") for s in Severity}
        labels = {s: _c(s.value, _COLORS[s], color) + shown[s][len(s.value):] for s in Severity}
        for file in sorted(by_file):
            out.extend(_c(part, "1", color) for part in wrap(file, width, ""))
            lines = source_lines(file)
            for f in by_file[file]:
                _finding(out, f, labels[f.severity], shown[f.severity], lines, color, width)
            out.append("")
        if show_suppressed and report.suppressed:
            _suppressed(out, report.suppressed, width)
        for s in report.load.skipped:
            out.extend(wrap(f"skipped {s.address}: {s.reason}", width, "  "))
    elif show_suppressed and report.suppressed:
        _suppressed(out, report.suppressed, width)
    if report.findings:
        out.extend(wrap(summary_line(report), width, "  "))
    line = verdict(report)
    head = line.partition(":")[0]
    closing = wrap(line, width, "  ")
    if closing[0].startswith(head + ":"):
        closing[0] = _c(head, "32" if report.passed else "31;1", color) + closing[0][len(head):]
    out.extend(closing)
    return "\n".join(out) + "\n"
