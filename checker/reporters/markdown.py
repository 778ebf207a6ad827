"""Markdown for pull-request comments, job summaries and audit reports.

A heading with the verdict, the counts, a table of findings (severity, rule, location, policy,
message) and, for findings with more actions than a table cell can hold, a collapsible list of
every action. The whole text stays under GitHub's comment limit (65,536 characters): beyond
``MAX_CHARS`` the table is cut and says how many findings it left out.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from checker.engine.findings import Finding, Severity
from checker.reporters._common import rule_classes, verdict

if TYPE_CHECKING:
    from checker.report import Report

MAX_CHARS = 60_000
CELL_ACTIONS = 5
DETAIL_ACTIONS = 100
_ICON = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟠 warning", Severity.NOTE: "🔵 note"}


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks as <br>, HTML inert."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def code(text: str) -> str:
    """Inline code that survives backticks in the value."""
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _actions_cell(f: Finding) -> str:
    if not f.actions:
        return ""
    shown = ", ".join(code(a) for a in f.actions[:CELL_ACTIONS])
    more = len(f.actions) - CELL_ACTIONS
    return shown + (f" and {more} more" if more > 0 else "")


def summary_table(report: Report) -> list[str]:
    """The verdict and a table of counts per rule and severity (also the GitHub job summary)."""
    mark = "✅" if report.passed else "❌"
    out = [f"### {mark} check-permissions {verdict(report)}", ""]
    if not report.findings:
        return out
    classes = rule_classes()
    per_rule = Counter((f.rule_id, f.severity) for f in report.findings)
    out += ["| rule | severity | findings | fails the gate |", "|------|----------|---------:|:---:|"]
    for (rule_id, severity), n in sorted(per_rule.items(), key=lambda kv: (-kv[0][1].rank, kv[0][0])):
        cls = classes.get(rule_id)
        title = f"[{rule_id}]({cls.help_url()}) {cls.name}" if cls else rule_id
        fails = "yes" if severity.at_least(report.fail_on) else "no"
        out.append(f"| {title} | {severity.value} | {n} | {fails} |")
    out.append("")
    return out


def _details(f: Finding, where: str) -> str:
    listed = f.actions[:DETAIL_ACTIONS]
    more = len(f.actions) - len(listed)
    return (f"<details><summary>{f.rule_id} at {cell(where)}: {len(f.actions)} actions</summary>\n\n"
            + "\n".join(f"- {code(a)}" for a in listed)
            + (f"\n- and {more} more (every one is in the JSON and SARIF reports)" if more > 0 else "")
            + "\n\n</details>\n")


def findings_table(report: Report, budget: int) -> list[str]:
    """One row per finding; then the long action lists, as far as the size budget allows."""
    out = ["| severity | rule | location | policy | message | actions |",
           "|----------|------|----------|--------|---------|---------|"]
    details: list[str] = []
    used = sum(map(len, out))
    shown = 0
    for f in report.findings:
        where = f"{f.file}:{f.line}" + (f"-{f.end_line}" if f.end_line > f.line else "")
        row = (f"| {_ICON[f.severity]} | {f.rule_id} {f.rule_name} | {code(where)} | {cell(f.address)} "
               f"| {cell(f.message)} | {_actions_cell(f)} |")
        if used + len(row) + 200 > budget:
            break
        out.append(row)
        used += len(row) + 1
        shown += 1
        if len(f.actions) > CELL_ACTIONS:
            details.append(_details(f, where))
    if shown < len(report.findings):
        out.append(f"\n_{len(report.findings) - shown} more findings left out to keep this under "
                   "GitHub's size limit: see the JSON or SARIF report._")
    kept = []
    for d in details:
        if used + len(d) > budget:
            break
        kept.append(d)
        used += len(d)
    if kept:
        out += ["", *kept]
    return out


def render(report: Report, *, color: bool = False) -> str:
    out = ["## check-permissions", "", *summary_table(report)]
    if report.findings:
        out += ["#### Findings", "", *findings_table(report, MAX_CHARS - sum(map(len, out)))]
    if report.load.skipped:
        out += ["", "#### Skipped", ""]
        out += [f"- {code(s.address)}: {cell(s.reason)}" for s in report.load.skipped[:200]]
        if len(report.load.skipped) > 200:
            out.append(f"- and {len(report.load.skipped) - 200} more")
    return "\n".join(out).rstrip("\n") + "\n"
