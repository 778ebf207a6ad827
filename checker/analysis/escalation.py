"""Known privilege-escalation combinations (``checker/data/privilege_escalation.json``), read once.

An entry is a set of actions that, allowed together to one principal, let it gain permissions
beyond its own (cloudsplaining's and policy_sentry's lists, with sources). :func:`matches` finds the
entries a set of granted actions completes and keeps only the minimal ones: when ``iam:PassRole`` +
``lambda:CreateFunction`` completes an entry, the larger entry that also needs
``lambda:InvokeFunction`` adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from checker import data_file
from checker.analysis.arnscope import Scope, resource_scope
from checker.analysis.resources import action_on_resources
from checker.analysis.sensitivity import MANY_ACTIONS
from checker.catalog import resource_tokens
from checker.model import Statement

if TYPE_CHECKING:
    from checker.catalog import Catalog


class EscalationDataError(Exception):
    """The data file is missing or malformed (a packaging error, never a pass)."""


@dataclass(frozen=True, slots=True)
class Escalation:
    id: str
    actions: tuple[str, ...]  # as the catalog spells them
    description: str
    sources: tuple[str, ...]
    resource_star: bool = False  # counts only when granted on any resource of the action's type
    lower: frozenset[str] = field(init=False, repr=False, compare=False)  # the actions, lower case

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower", frozenset(a.lower() for a in self.actions))


@cache
def escalations() -> tuple[Escalation, ...]:
    try:
        text = data_file("privilege_escalation.json").read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise EscalationDataError(f"cannot read checker/data/privilege_escalation.json: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("entries"), list):
        raise EscalationDataError("checker/data/privilege_escalation.json has an unknown format")
    out = []
    for e in data["entries"]:
        try:
            out.append(Escalation(id=str(e["id"]), actions=tuple(e["actions"]), description=str(e["description"]),
                                  sources=tuple(e["sources"]), resource_star=bool(e.get("resource_star", False))))
        except (KeyError, TypeError) as exc:
            raise EscalationDataError(f"privilege_escalation.json: malformed entry {e!r}: {exc}") from None
        if not out[-1].actions or not out[-1].sources:
            raise EscalationDataError(f"privilege_escalation.json: {out[-1].id} lacks actions or sources")
    return tuple(out)


@cache
def escalation_actions() -> frozenset[str]:
    """Every action (lower-case) some entry needs: grants of other actions cannot matter."""
    return frozenset(a for e in escalations() for a in e.lower)


@cache
def star_actions() -> frozenset[str]:
    """The actions (lower-case) of the entries marked ``resource_star``: only their sites need
    :func:`on_any_resource` (which may read the catalog's details)."""
    return frozenset(a for e in escalations() if e.resource_star for a in e.lower)


def relevant_grants(actions: Mapping[str, object]) -> Iterable[str]:
    """The keys of ``actions`` (canonical names) that some entry needs."""
    relevant = escalation_actions()
    if len(actions) > MANY_ACTIONS:  # a statement granting thousands: one set intersection
        return actions.keys() & _canonical_relevant()
    return [a for a in actions if a.lower() in relevant]


@cache
def _canonical_relevant() -> frozenset[str]:
    """The catalog's spelling of every action some entry needs (those the catalog knows)."""
    from checker.catalog import get_catalog

    catalog = get_catalog()
    return frozenset(info.name for a in escalation_actions() if (info := catalog.get(a)) is not None)


def matches(granted: AbstractSet[str], star_granted: AbstractSet[str]) -> list[Escalation]:
    """The minimal entries completed by ``granted`` (lower-case action names); an entry marked
    ``resource_star`` needs its actions in ``star_granted`` (granted on every resource)."""
    found = []
    for e in escalations():
        pool = star_granted if e.resource_star else granted
        if e.lower <= pool:
            found.append(e)
    minimal = []
    seen: set[frozenset[str]] = set()
    for e in found:
        if e.lower in seen or any(o.lower < e.lower for o in found):
            continue
        seen.add(e.lower)
        minimal.append(e)
    return minimal


def _every(value: str) -> bool:
    return bool(value) and value.strip("*") == ""


def granting_resources(action: str, stmt: Statement, catalog: Catalog) -> tuple[str, ...]:
    """The ``Resource`` values through which ``stmt`` grants ``action`` (those that can name one of
    its resources); ``()`` when it grants it on every resource (``*``, ``NotResource``, no
    ``Resource``). An unresolved value is shown as written (``${aws_iam_role.reader.arn}``)."""
    if stmt.resource is None or stmt.not_resource is not None or stmt.unknown is not None:
        return ()
    if any(_every(r.value) for r in stmt.resource):
        return ()
    return tuple(r.value for r in stmt.resource
                 if r.unknown is not None or action_on_resources(action, [resource_tokens(r.value)], catalog))


def on_any_resource(action: str, stmt: Statement, catalog: Catalog) -> bool:
    """Whether ``stmt`` grants ``action`` on any resource of its type, what an entry marked
    ``resource_star`` needs (``sts:AssumeRole`` on any role): ``*``, ``NotResource``, no ``Resource``,
    or a wildcard or policy variable in the resource's name (``role/*``, judged by
    :func:`checker.analysis.arnscope.resource_scope`). A Resource naming one role (``role/Reader``,
    in any account or path) is not; nor is an unresolved value the front end knows to be one named
    resource's ARN (``aws_iam_role.reader.arn``); any other unresolved value is."""
    if stmt.resource is None or stmt.not_resource is not None or stmt.unknown is not None:
        return True
    for r in stmt.resource:
        if r.unknown is not None:
            if _every(r.value) or not r.value.startswith("${"):
                return True
            continue
        if resource_scope(r.value, action, catalog)[0] is Scope.UNSCOPED:
            return True
    return False
