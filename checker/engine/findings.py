"""Findings: what a rule reports, as frozen values with a stable fingerprint."""

from __future__ import annotations

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

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(
                self, "fingerprint", fingerprint(self.rule_id, self.file, self.address, self.path)
            )

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

