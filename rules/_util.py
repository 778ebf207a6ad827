"""Helpers shared by rules (not a rule: the registry only loads ``iam*.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from checker.engine.findings import LISTED_ACTIONS, listed
from checker.model import Located, PolicyDocument, Statement

if TYPE_CHECKING:
    from checker.engine.findings import Severity
    from checker.engine.rule import RuleContext, Violation

# Statement id -> (the statement, id of each Action/NotAction value -> its path). The entry holds the
# statement, so its id cannot be reused while cached; a statement with many patterns, each reported,
# is indexed once instead of scanned once per finding.
_PATHS: dict[int, tuple[Statement, dict[int, str]]] = {}


def action_path(stmt: Statement, loc: Located) -> str:
    """The model path of one Action/NotAction entry, found by identity, else the key."""
    entry = _PATHS.get(id(stmt))
    if entry is None or entry[0] is not stmt:
        if len(_PATHS) >= 4096:
            _PATHS.clear()
        paths: dict[int, str] = {}
        base = stmt.path
        for key, values in (("Action", stmt.action), ("NotAction", stmt.not_action)):
            for j, v in enumerate(values or ()):
                paths.setdefault(id(v), f"{base}/{key}/{j}")
        entry = _PATHS[id(stmt)] = (stmt, paths)
    found = entry[1].get(id(loc))
    if found is not None:
        return found
    if stmt.not_action is not None:
        return f"{stmt.path}/NotAction"
    return f"{stmt.path}/Action"


def summarize(items: Sequence[str], limit: int = LISTED_ACTIONS, show: Callable[[str], str] | None = None) -> str:
    """``a, b, c and 12 more``: messages stay readable; the full list is in the finding's actions.

    ``show`` formats each item shown (only those: a list may hold 20,000 actions)."""
    return listed(items, limit, show)


_ACTION_SHAPE = re.compile(r"^[A-Za-z0-9*?_.-]+:[A-Za-z0-9*?_.-]*$")


def real_service_wildcard(pattern: str, ctx: RuleContext) -> bool:
    """A ``service:action`` pattern whose action part has a wildcard and whose service part names a
    service of the catalog (``autoscaling:List*``): when it matches nothing, it matches what AWS adds."""
    if not _ACTION_SHAPE.match(pattern):
        return False
    service, _, action = pattern.partition(":")
    return ("*" in action or "?" in action) and ctx.catalog.knows_service(service)


def via(stmt: Statement, loc: Located) -> str:
    """How a message names the entry that grants actions: the pattern as written, or NotAction."""
    return "NotAction" if loc.value == "NotAction" and stmt.not_action is not None else repr(loc.value)


def lint_violations(doc: PolicyDocument, ctx: RuleContext, issues: frozenset[str],
                    severity: Severity | None = None) -> Iterator[Violation]:
    """The violations of one lint rule: the kept issues of the families it owns."""
    from checker.analysis.lint import lint  # only the lint rules (IAM510-IAM520) load the linter
    from checker.engine.rule import Violation

    for item in lint(doc, ctx.catalog):
        if item.issue in issues:
            yield Violation(path=item.path, message=item.message, actions=item.actions, severity=severity)


def granted_to(stmt: Statement | None, ctx: RuleContext) -> str:
    """``; granted to arn:aws:iam::111122223333:root (account 111122223333, ...)`` for a statement
    that names principals (a resource policy's): the principals the gate judges it for. Empty for
    an identity policy's statement."""
    if stmt is None or (stmt.principal is None and stmt.not_principal is None):
        return ""
    from checker.analysis import resource_grants

    who = resource_grants.granted_to(stmt, ctx.gated)
    return f"; granted to {who}" if who else ""
