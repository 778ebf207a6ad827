"""Findings: what a rule reports, as frozen values with a stable fingerprint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        return _RANK[self] >= _RANK[threshold]


_RANK = {Severity.NOTE: 1, Severity.WARNING: 2, Severity.ERROR: 3}


def fingerprint(rule_id: str, file: str, address: str, path: str) -> str:
    """A finding's identity for baselines and SARIF: never depends on the message or line."""
    import hashlib  # here: a run without findings never loads OpenSSL

    h = hashlib.sha256("\x1f".join((rule_id, file, address, path)).encode("utf-8"))
    return h.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    title: str
    message: str
    file: str
    line: int
    end_line: int
    address: str
    path: str
    actions: tuple[str, ...] = ()
    help_url: str = ""
    fingerprint: str = field(default="")
    # The source line each action came from, in the order of ``actions``, when a finding groups
    # actions reported on several lines of one statement (a suppression comment on one of those
    # lines covers that line's actions); empty when every action is on ``line``.
    action_lines: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(
                self, "fingerprint", fingerprint(self.rule_id, self.file, self.address, self.path)
            )

    def lines_of(self, actions: Sequence[str]) -> tuple[int, ...]:
        """The source lines of ``actions`` (some of this finding's), aligned with them."""
        if not self.action_lines:
            return tuple(self.line for _ in actions)
        where = dict(zip(self.actions, self.action_lines, strict=True))
        return tuple(where.get(a, self.line) for a in actions)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line, self.rule_id, self.address, self.path, self.actions)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON form (key order is part of the contract)."""
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "end_line": self.end_line,
            "address": self.address,
            "path": self.path,
            "actions": list(self.actions),
            "fingerprint": self.fingerprint,
        }


# How many actions a finding's message names before it says "and N more" (the full list is in
# the finding's ``actions``: the JSON and SARIF reports carry it).
LISTED_ACTIONS = 10


def listed(items: Sequence[str], limit: int = LISTED_ACTIONS, show: Callable[[str], str] | None = None) -> str:
    """``a, b, c and 12 more``: the first ``limit`` items (each as ``show`` writes it), then how
    many more there are."""
    head = items if len(items) <= limit else items[:limit]
    text = ", ".join(map(show, head) if show is not None else head)
    return text if len(items) <= limit else f"{text} and {len(items) - limit} more"
