"""The base of the lint rules IAM510-IAM520 that report parliament's findings (not a rule itself:
the registry only loads ``iam*.py``, and counts only the classes a rule module defines)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from checker.engine.rule import Rule, RuleContext, Violation
from checker.model import PolicyDocument

from ._util import lint_violations


class ParliamentRule(Rule):
    """A rule that owns some of parliament's issue families (``issues``) and reports those kept by
    the adapter (checker/analysis/lint.py), which lints each policy once for all of these rules.
    A subclass holds only metadata and its docstring."""

    # parliament's issue codes this rule reports; each code belongs to exactly one rule.
    issues: ClassVar[frozenset[str]]

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        return lint_violations(doc, ctx, self.issues)
