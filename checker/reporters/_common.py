"""Helpers shared by the reporters: source lines, repository-relative paths, rule documentation.

A reporter knows findings and rule metadata, nothing of IAM; everything here is plain text work.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from checker.engine.rule import Rule
    from checker.report import Report

# How many actions a message lists before it says "and N more" (the full list stays in JSON/SARIF data).
MAX_LISTED_ACTIONS = 20


@cache
def source_lines(file: str) -> list[str]:
    """The lines of a reported file, or nothing when it cannot be read (reporters never fail on it).

    The lines of ``Path(file).read_text(encoding="utf-8", errors="replace").splitlines()`` (a
    test compares them), read as bytes without pathlib: half the time, which counts when a
    report shows lines of a thousand files."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(file).st_mode):  # a pipe or device is never opened (it would block)
            return []
        with open(file, "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def list_actions(actions: Sequence[str], limit: int = MAX_LISTED_ACTIONS) -> str:
    shown = ", ".join(actions[:limit])
    more = len(actions) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


# --- repository-relative paths (SARIF URIs, GitHub annotations) ----------------------------------


def find_repo_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder, or a file for worktrees)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def base_dir() -> Path:
    """Where repository-relative paths start: the git root around the working directory, else the cwd."""
    cwd = Path.cwd().absolute()
    return find_repo_root(cwd) or cwd


def repo_relative(file: str, base: Path | None = None) -> str:
    """``file`` (as findings give it: relative to the cwd, or absolute) relative to ``base``, POSIX style.

    A file outside ``base`` gets a ``../`` path rather than an absolute one, so that reports never
    carry the machine's absolute paths.
    """
    base = base or base_dir()
    p = Path(file)
    absolute = p if p.is_absolute() else Path.cwd().absolute() / p
    try:
        rel = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        return p.as_posix()
    return Path(rel).as_posix()


# --- rule documentation ----------------------------------------------------------------------------


class RuleDoc(NamedTuple):
    """A rule's docstring split into its sections (``## What it does`` ...)."""

    title: str
    body: str  # everything after the title line, Markdown
    sections: dict[str, str]

    def section(self, name: str) -> str:
        return self.sections.get(name, "")

    @property
    def what(self) -> str:
        return self.section("What it does")

    @property
    def references(self) -> list[str]:
        return re.findall(r"https?://\S+", self.section("References"))


def rule_doc(cls: type[Rule]) -> RuleDoc:
    doc = cls.doc()
    lines = doc.splitlines()
    title = cls.title()
    body = "\n".join(lines[1:]).strip("\n") if lines else ""
    sections: dict[str, str] = {}
    current: str | None = None
    buf: list[str] = []
    for line in body.splitlines():
        m = re.match(r"^##\s+(.+?)\s*$", line)
        if m:
            if current is not None:
                sections[current] = "\n".join(buf).strip()
            current, buf = m.group(1), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        sections[current] = "\n".join(buf).strip()
    return RuleDoc(title=title, body=body, sections=sections)


def plain(markdown: str, *, join: bool = False) -> str:
    """Markdown as plain text: headings, code fences and backticks removed; ``join`` makes one paragraph."""
    text = re.sub(r"^```[a-z]*[ \t]*\n?", "", markdown, flags=re.MULTILINE)
    text = re.sub(r"^#+\s+", "", text, flags=re.MULTILINE).replace("`", "")
    if join:
        return " ".join(text.split())
    return text.strip()


def rule_classes() -> dict[str, type[Rule]]:
    from checker.engine.registry import all_rules

    return {cls.id: cls for cls in all_rules()}


def verdict(report: Report) -> str:
    """``passed`` or ``FAILED`` with the counts, as every human-facing format states it; the
    findings that suppressions, exceptions or the baseline silenced are counted whenever there are."""
    counts = report.counts()
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    return (f"{'passed' if report.passed else 'FAILED'}: {len(report.load.documents)} policies in "
            f"{len(report.load.files)} files, {counts['error']} errors, {counts['warning']} warnings, "
            f"{counts['note']} notes{suppressed} (profile {report.profile.name}, fails on {report.fail_on.value})")
