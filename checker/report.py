"""What a run produces: :class:`Report` (``check``) and :class:`ExplainEntry` (``explain``). Data only:
the pipeline builds them, the reporters render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker import __version__
from checker.engine.findings import Finding, Severity
from checker.model import LoadResult, PolicyDocument

if TYPE_CHECKING:
    from checker.analysis.grants import DocumentGrants
    from checker.engine.profiles import Profile
    from checker.engine.suppressions import Suppressed


TOOL_NAME = "check-permissions"


@dataclass
class Report:
    profile: Profile
    catalog: dict[str, Any]
    findings: list[Finding]
    load: LoadResult
    fail_on: Severity
    # Findings silenced by a comment, a config exception or the baseline (checker/engine/suppressions.py).
    suppressed: list[Suppressed] = field(default_factory=list)

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.at_least(self.fail_on)]

    @property
    def passed(self) -> bool:
        fail_on = self.fail_on
        return not any(f.severity.at_least(fail_on) for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        from collections import Counter

        by_severity = Counter(f.severity for f in self.findings)
        return {s.value: by_severity[s] for s in Severity}

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON report (docs/output.md, "JSON report"); key order is stable."""
        return {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "catalog": self.catalog,
            "profile": {"name": self.profile.name, "fail_on": self.fail_on.value},
            "summary": {
                "files": len(self.load.files),
                "policies": len(self.load.documents),
                "findings": self.counts(),
                "passed": self.passed,
            },
            "findings": [f.to_dict() for f in self.findings],
            "suppressed": [s.to_dict() for s in self.suppressed],
            "skipped": [{"file": s.file, "address": s.address, "reason": s.reason} for s in self.load.skipped],
        }


@dataclass
class ExplainEntry:
    document: PolicyDocument
    grants: dict[str, list[str]] = field(default_factory=dict)  # level -> actions
    # Per statement: what grants each action, and unmatched/unresolved patterns (explain's audit view).
    detail: DocumentGrants | None = None

    def to_dict(self) -> dict[str, Any]:
        d = self.document
        return {
            "file": d.file,
            "address": d.address,
            "kind": d.kind.value,
            "principal": d.principal,
            "line": d.line,
            "document": d.raw,
            "grants": self.grants,
        }
