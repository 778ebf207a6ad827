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

from checker import data_file
from checker.analysis.sensitivity import MANY_ACTIONS


class EscalationDataError(Exception):
    """The data file is missing or malformed (a packaging error, never a pass)."""


@dataclass(frozen=True, slots=True)
class Escalation:
    id: str
    actions: tuple[str, ...]  # as the catalog spells them
    description: str
    sources: tuple[str, ...]
    resource_star: bool = False  # counts only when granted on every resource
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
