"""The rule interface: one class per rule, metadata as class attributes, the docstring as documentation."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from checker.engine.findings import Severity, listed
from checker.model import DocumentKind, LoadResult, PolicyDocument, Statement

if TYPE_CHECKING:
    from checker.analysis.grants import DocumentGrants
    from checker.analysis.principals import PrincipalIndex
    from checker.analysis.resource_grants import Gated
    from checker.catalog import Catalog
    from checker.engine.profiles import Profile

DOCS_BASE_URL = "https://github.com/check-permissions/check-permissions/blob/main/rules/README.md"
DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## References")


class Violation(NamedTuple):
    """What a rule reports: a model path (``Statement/0/Action/2``) and a message.

    The engine maps the path to file and line. ``severity`` overrides the rule's default for this
    one violation (e.g. an unknown action in a Deny is only a warning).
    """

    path: str
    message: str
    actions: tuple[str, ...] = ()
    severity: Severity | None = None
    line: int | None = None  # only when the path cannot say it (a value from another file)
    file: str | None = None
    # What tells this violation from the rule's others in the same statement (the pattern that
    # grants the actions, the Resource entry): what a grouped finding's message names for it.
    detail: str = ""


@dataclass(slots=True)
class RuleContext:
    catalog: Catalog
    profile: Profile
    _grants: dict[int, DocumentGrants] = field(default_factory=dict)
    # What was loaded, for judging a document in its principals' context (Terraform, plans).
    load: LoadResult | None = None
    _principals: PrincipalIndex | None = None
    _gated: Gated | None = None

    @property
    def principals(self) -> PrincipalIndex | None:
        """The principals of the load (None when there are none: each document stands alone)."""
        if self._principals is None and self.load is not None and self.load.principals:
            from checker.analysis.principals import PrincipalIndex

            self._principals = PrincipalIndex(self.load, self.catalog)
        return self._principals

    @property
    def gated(self) -> Gated:
        """The roles and users of the load (the gate's own principals), for resource policies."""
        if self._gated is None:
            from checker.analysis.resource_grants import Gated

            self._gated = Gated(self.load.principals if self.load is not None else ())
        return self._gated

    def grants(self, doc: PolicyDocument) -> DocumentGrants:
        """Effective grants of a document, computed once per run and shared by every rule.

        A document attached to principals is judged in their context: a Deny in another of the
        principal's policies, or its permissions boundary, removes grants (see checker.analysis.principals).
        A resource policy's grants are those to the principals the gate judges: a statement for an
        AWS service or provably the scanned account grants nothing here (checker.analysis.resource_grants).
        """
        key = id(doc)
        g = self._grants.get(key)
        if g is None:
            index = self.principals
            if index is not None:
                g = index.grants(doc)
            else:
                from checker.analysis.grants import compute_grants

                g = compute_grants(doc, self.catalog)
            if doc.kind is DocumentKind.RESOURCE:
                from checker.analysis.resource_grants import judged_grants

                g = judged_grants(doc, g, self.gated)
            self._grants[key] = g
        return g


class Rule:
    """Base class. Subclasses set the metadata and implement :meth:`check`."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    ignorable: ClassVar[bool] = True
    aliases: ClassVar[tuple[str, ...]] = ()
    # Document kinds the rule judges.
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset(DocumentKind)
    # The engine itself makes findings of this rule, besides any its check makes: IAM001 for files
    # that could not be read (checker/engine/runner.py), and every EngineRule.
    emitted_by_engine: ClassVar[bool] = False

    def check(self, doc: PolicyDocument, ctx: RuleContext) -> Iterable[Violation]:
        raise NotImplementedError

    def group_message(self, stmt: Statement | None, violations: Sequence[Violation], actions: Sequence[str],
                      ctx: RuleContext) -> str:
        """The message of one finding grouping several ``violations`` (each with actions) of one
        statement; ``actions`` are all of theirs, sorted. The engine makes one finding per rule and
        statement (see ``checker.engine.runner``); a rule that yields several violations with
        actions in one statement says here how they read as one."""
        label = stmt.label if stmt is not None else "the policy"
        details = [v.detail for v in violations if v.detail]
        via = f" ({listed(details, 5)})" if details else ""
        return (f"{label}: {len(violations)} {self.name} violations{via} on {len(actions)} action(s): "
                f"{listed(actions)}")

    @classmethod
    def doc(cls) -> str:
        text = _DOCS.get(cls)
        if text is None:
            text = _DOCS[cls] = inspect.cleandoc(cls.__doc__ or "")
        return text

    @classmethod
    def title(cls) -> str:
        text = _TITLES.get(cls)
        if text is None:
            text = _TITLES[cls] = cls.doc().splitlines()[0].strip() if cls.__doc__ else cls.name
        return text

    @classmethod
    def help_url(cls) -> str:
        return f"{DOCS_BASE_URL}#{cls.id.lower()}-{cls.name}"


class EngineRule(Rule):
    """Base of a rule whose findings only the engine makes, after the other rules have run
    (IAM010-IAM012, in checker/engine/suppressions.py). It judges no document: the runner never
    calls its check, and reports (JUnit) list no per-document case for it."""

    emitted_by_engine: ClassVar[bool] = True
    kinds: ClassVar[frozenset[DocumentKind]] = frozenset()


_DOCS: dict[type[Rule], str] = {}
_TITLES: dict[type[Rule], str] = {}
