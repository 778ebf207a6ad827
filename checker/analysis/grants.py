"""Effective grants: which catalog actions a policy document allows, and which statement grants each.

Semantics (deliberately conservative, so that the gate never under-reports a grant):

- An Allow statement grants the expansion of its ``Action`` patterns, or, with ``NotAction``,
  every catalog action except the expansion of the listed patterns.
- A Deny statement removes actions from an Allow only when it applies unconditionally to every
  resource of that Allow: no ``Condition``, no ``NotResource``, and a ``Resource`` that covers each
  of the Allow's resources (``*``, the same pattern, or a prefix pattern ending in ``*``). A
  conditional or resource-narrowed Deny removes nothing.
- Unresolved values (``Located.unknown``) in an Allow's actions are kept as unknown grants. A Deny
  that depends on anything unknown (its Effect, an action pattern, a Resource or NotResource
  entry, a principal, a condition) denies nothing.
- A Deny of a document AWS would refuse (:func:`checker.analysis.rejected.rejection`: a grammar
  error, an invalid or repeated Sid, a size over the limit, a part not known) denies nothing: the
  document is never in force. Its Allows are still judged.
- An Allow grants an action only when its ``Resource`` can name a resource of one of the action's
  resource types (:mod:`checker.analysis.resources`); the others are kept in ``off_resource``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from checker.analysis.rejected import rejection
from checker.analysis.resources import resource_filter
from checker.model import Located, PolicyDocument, Statement

if TYPE_CHECKING:
    from checker.catalog import Catalog


class Grant(NamedTuple):
    """One action granted by one statement, and the pattern (or ``NotAction``) that granted it."""

    action: str
    statement: int
    via: str
    line: int


@dataclass(slots=True)
class StatementGrants:
    statement: Statement
    # canonical action -> the Located pattern that grants it (the NotAction key's line for NotAction)
    actions: dict[str, Located] = field(default_factory=dict)
    # Located action patterns that match no catalog action
    unmatched: list[Located] = field(default_factory=list)
    # unresolved Located values (front end could not compute them)
    unresolved: list[Located] = field(default_factory=list)
    # actions granted by the Action/NotAction but removed by an unconditional Deny
    denied: set[str] = field(default_factory=set)
    # actions the Action/NotAction names but no Resource can name (checker.analysis.resources)
    off_resource: set[str] = field(default_factory=set)


@dataclass(slots=True)
class DocumentGrants:
    document: PolicyDocument
    statements: list[StatementGrants] = field(default_factory=list)

    @property
    def allows(self) -> list[StatementGrants]:
        return [g for g in self.statements if g.statement.is_allow]

    def allowed_actions(self) -> dict[str, list[Grant]]:
        """Every action any Allow grants (after unconditional Denies), with its grants, sorted."""
        out: dict[str, list[Grant]] = {}
        for sg in self.allows:
            for action, loc in sg.actions.items():
                out.setdefault(action, []).append(
                    Grant(action, sg.statement.index, loc.value, loc.line)
                )
        return dict(sorted(out.items()))


def _expand_located(
    patterns: Iterable[Located], catalog: Catalog
) -> tuple[dict[str, Located], list[Located], list[Located]]:
    matched: dict[str, Located] = {}
    unmatched: list[Located] = []
    unresolved: list[Located] = []
    for loc in patterns:
        if loc.unknown is not None:
            unresolved.append(loc)
            continue
        names = catalog.expand(loc.value)
        if not names:
            unmatched.append(loc)
        elif len(names) == 1:  # an action named exactly: most patterns
            if names[0] not in matched:
                matched[names[0]] = loc
        elif not matched:
            matched = dict.fromkeys(names, loc)
        else:  # the first pattern naming an action keeps it; new ones append in the catalog's order
            new = dict.fromkeys(names, loc)
            for name in new.keys() & matched.keys():
                del new[name]
            matched.update(new)
    return matched, unmatched, unresolved


def statement_actions(
    stmt: Statement, catalog: Catalog
) -> tuple[dict[str, Located], list[Located], list[Located]]:
    """The catalog actions a statement names (NotAction complemented), unmatched and unresolved values."""
    if stmt.not_action is not None:
        excluded, unmatched, unresolved = _expand_located(stmt.not_action, catalog)
        key = Located.model_construct(value="NotAction", line=stmt.not_action[0].line if stmt.not_action else stmt.line)
        if unresolved:
            # An unknown exclusion could exclude anything or nothing: the grant is every action.
            excluded = {}
        granted = dict.fromkeys(catalog.actions(), key)
        for a in excluded:
            del granted[a]
        return granted, unmatched, unresolved
    return _expand_located(stmt.action or (), catalog)


def _resource_covers(deny: str, allow: str) -> bool:
    if deny.strip("*") == "" and deny:
        return True
    if deny == allow:
        return True
    head = deny[:-1]
    return deny.endswith("*") and "*" not in head and "?" not in head and allow.startswith(head)


def deny_applies_to(deny: Statement, allow: Statement) -> bool:
    """True when ``deny`` applies unconditionally to every resource ``allow`` grants on."""
    if deny.has_condition or deny.not_resource is not None or deny.unknown is not None:
        return False
    # In a resource policy a Deny may name other principals than the Allow: it removes nothing
    # unless it names every principal.
    if (deny.principal is not None or deny.not_principal is not None) and not (
        deny.principal and "*" in deny.principal
        and all(p.unknown is None for ps in deny.principal.values() for p in ps)
    ):
        return False
    if deny.resource is None:
        # Trust policies have no Resource: the Deny applies to the role itself.
        return allow.resource is None
    if any(r.unknown is not None for r in deny.resource):
        return False  # a Deny that depends on an unknown resource removes nothing
    deny_res = [r.value for r in deny.resource]
    if any(r.strip("*") == "" and r for r in deny_res):
        return True
    if allow.resource is None or allow.not_resource is not None:
        return False
    return all(
        r.unknown is None and any(_resource_covers(d, r.value) for d in deny_res) for r in allow.resource
    )


def deny_credited(stmt: Statement, found: tuple[dict[str, Located], list[Located], list[Located]]) -> bool:
    """Whether a Deny statement (``found``: its :func:`statement_actions`) certainly denies the
    actions it names: a known Effect and no unknown action pattern (an unknown ``NotAction`` entry
    may exclude every action; an unknown ``Action`` entry makes the list itself uncertain)."""
    return stmt.effect == "Deny" and stmt.unknown is None and not found[2] and bool(found[0])


def compute_grants(doc: PolicyDocument, catalog: Catalog) -> DocumentGrants:
    result = DocumentGrants(document=doc)
    denies: list[tuple[Statement, set[str]]] = []
    expanded: dict[int, tuple[dict[str, Located], list[Located], list[Located]]] = {}
    rejected = None
    for stmt in doc.statements:
        if stmt.effect == "Deny":
            expanded[id(stmt)] = deny_found = statement_actions(stmt, catalog)
            if rejected is None:
                rejected = rejection(doc) is not None
            if not rejected and deny_credited(stmt, deny_found):
                denies.append((stmt, set(deny_found[0])))
    for stmt in doc.statements:
        found = expanded.get(id(stmt))
        acts, unmatched, unresolved = found if found is not None else statement_actions(stmt, catalog)
        sg = StatementGrants(statement=stmt, unmatched=unmatched, unresolved=unresolved)
        if stmt.is_allow:
            acts, sg.off_resource = resource_filter(stmt, acts, catalog)
            removed: set[str] = set()
            for deny, denied in denies:
                if denied and deny_applies_to(deny, stmt):
                    removed |= denied
            if removed:
                sg.denied = acts.keys() & removed
                sg.actions = {a: loc for a, loc in acts.items() if a not in removed}
            else:
                sg.actions = acts
        else:
            sg.actions = acts
        result.statements.append(sg)
    return result
