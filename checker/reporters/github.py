"""GitHub Actions workflow commands: one annotation per finding, and a job summary.

```
::error file=policies/w.json,line=9,endLine=9,title=IAM101 write-action-allowed::Sid 'W' allows ...
```
``error`` / ``warning`` / ``notice`` follow the finding's severity. Paths are relative to the
repository root (the git root around the working directory, which is ``GITHUB_WORKSPACE`` in a
job), as GitHub needs them to place the annotation on the pull request's diff. Values are escaped
as GitHub's toolkit does: ``%``, ``\\r`` and ``\\n`` in messages; also ``:`` and ``,`` in properties.

When ``GITHUB_STEP_SUMMARY`` names a file, a Markdown summary (verdict and a table per rule) is
appended to it: that is GitHub's job summary.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from checker.engine.findings import Finding, Severity
from checker.reporters._common import base_dir, list_actions, repo_relative, verdict

if TYPE_CHECKING:
    from checker.report import Report

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
MESSAGE_ACTIONS = 30


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding, file: str) -> str:
    start = max(f.line, 1)
    props = {
        "file": file,
        "line": str(start),
        "endLine": str(max(f.end_line, start)),
        "title": f"{f.rule_id} {f.rule_name}",
    }
    text = f.message
    if f.actions and not (len(f.actions) == 1 and f.actions[0] in f.message):
        text += f"\nActions ({len(f.actions)}): {list_actions(f.actions, MESSAGE_ACTIONS)}"
    if f.address and f.address != f.file:
        text += f"\nPolicy: {f.address}" + (f" ({f.path})" if f.path else "")
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{_COMMAND[f.severity]} {joined}::{escape_data(text)}"


def write_step_summary(report: Report) -> None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` when it is set (inside a job)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from checker.reporters import get_reporter

    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(get_reporter("markdown")(report) + "\n")
    except OSError as exc:
        from checker.settings import InputError

        raise InputError(f"GITHUB_STEP_SUMMARY: cannot write {target}: {exc.strerror or exc}") from None


def render(report: Report, *, color: bool = False) -> str:
    base = base_dir()
    files: dict[str, str] = {}
    out = []
    for f in report.findings:
        if f.file not in files:
            files[f.file] = repo_relative(f.file, base)
        out.append(command(f, files[f.file]))
    out.append(verdict(report))
    write_step_summary(report)
    return "\n".join(out) + "\n"
