"""The curated classification of sensitive actions and the access-level corrections (``checker/data``).

``sensitive_actions.json`` gives each action that returns credentials or customer data, changes
state or costs money its categories; ``level_corrections.json`` lists actions AWS labels Write,
Permissions management or Tagging that only read. Both are read once, on first use (rules that
never ask pay nothing). Method, counts and judgement calls: ``docs/sensitive-actions.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from functools import cache
from typing import Any

from checker import data_file
from checker.analysis.resources import names_every_resource, resource_glob
from checker.model import Statement

CATEGORIES: tuple[str, ...] = ("credentials", "data", "config-secrets", "side-effect", "cost")
_EMPTY: frozenset[str] = frozenset()


class SensitivityDataError(Exception):
    """A curated data file is missing or malformed (a packaging error, never a pass)."""


def _read(name: str) -> dict[str, Any]:
    try:
        text = data_file(name).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise SensitivityDataError(f"cannot read checker/data/{name}: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("actions"), dict):
        raise SensitivityDataError(f"checker/data/{name} has an unknown format")
    return data


@cache
def _sensitive() -> dict[str, frozenset[str]]:
    """lower-case action name -> its categories."""
    out: dict[str, frozenset[str]] = {}
    for name, entry in _read("sensitive_actions.json")["actions"].items():
        cats = frozenset(entry.get("categories", ()))
        if not cats or not cats <= set(CATEGORIES):
            raise SensitivityDataError(f"sensitive_actions.json: {name} has invalid categories {sorted(cats)}")
        out[name.lower()] = cats
    return out


@cache
def _resource_limits() -> dict[str, tuple[str, ...]]:
    """lower-case action name -> the token strings of the only resources on which it is sensitive."""
    from checker.catalog import format_tokens

    out: dict[str, tuple[str, ...]] = {}
    for name, entry in _read("sensitive_actions.json")["actions"].items():
        limits = entry.get("resources")
        if limits is None:
            continue
        if not isinstance(limits, list) or not limits or not all(
                isinstance(p, str) and p.startswith("arn:") for p in limits):
            raise SensitivityDataError(f"sensitive_actions.json: {name} has invalid resources {limits!r}")
        out[name.lower()] = tuple(format_tokens(p, strict=True) for p in limits)
    return out


def sensitive_on(action: str, stmt: Statement) -> bool:
    """Whether the statement's resources reach the resources on which ``action`` is sensitive.

    True unless the action's entry names its sensitive resources (``"resources"``, e.g. only
    ``/apikeys`` for ``apigateway:GET``) and no ``Resource`` of the statement can match one of
    them. ``NotResource``, a missing or unresolved ``Resource`` reach everything.
    """
    limits = _resource_limits().get(action.lower())
    if limits is None or names_every_resource(stmt):
        return True
    from checker.catalog import resource_tokens, tokens_intersect

    assert stmt.resource is not None
    return any(tokens_intersect(resource_tokens(resource_glob(r) or "*"), p) for r in stmt.resource for p in limits)


@cache
def _corrections() -> dict[str, str]:
    """lower-case action name -> the corrected access level (Read or List)."""
    out: dict[str, str] = {}
    for name, entry in _read("level_corrections.json")["actions"].items():
        level = entry.get("level")
        if level not in ("Read", "List"):
            raise SensitivityDataError(f"level_corrections.json: {name} has invalid level {level!r}")
        out[name.lower()] = level
    return out


def categories(action: str) -> frozenset[str]:
    """The sensitive categories of an action (case-insensitive name); empty when it is not sensitive."""
    return _sensitive().get(action.lower(), _EMPTY)


def sensitive_actions() -> dict[str, frozenset[str]]:
    """Every classified action (lower-case names) with its categories."""
    return dict(_sensitive())


def correction(action: str) -> str | None:
    """The corrected access level of an action AWS mislabels as writing, else None."""
    return _corrections().get(action.lower())


@cache
def corrected_level(action: str) -> str:
    """The access level the gate uses: the catalog's, corrected; ``"Unknown"`` for an unknown action."""
    fixed = _corrections().get(action.lower())
    if fixed is not None:
        return fixed
    from checker.catalog import get_catalog

    info = get_catalog().get(action)
    return info.level if info is not None else "Unknown"


# --- whole-catalog views, for rules judging statements that grant thousands of actions ----------
# A statement granting ``*`` names 22,000 actions; asking for each one's level or categories costs
# more than computing these sets once and intersecting (C speed). Rules use them above a size.
MANY_ACTIONS = 256


@cache
def actions_with_levels(levels: frozenset[str]) -> frozenset[str]:
    """Every catalog action (canonical name) whose corrected level is one of ``levels``."""
    from checker.catalog import get_catalog

    fixes = _corrections()
    return frozenset(a for a, level in get_catalog().levels().items() if fixes.get(a.lower(), level) in levels)


@cache
def sensitive_by_name() -> dict[str, frozenset[str]]:
    """Every classified action that the catalog knows, by canonical name, with its categories."""
    from checker.catalog import get_catalog

    catalog = get_catalog()
    out: dict[str, frozenset[str]] = {}
    for lower, cats in _sensitive().items():
        info = catalog.get(lower)
        if info is not None:
            out[info.name] = cats
    return out


def sensitive_candidates(actions: Mapping[str, object]) -> Set[str] | Mapping[str, object]:
    """The keys of ``actions`` (canonical names) worth asking :func:`categories` about: all of them
    when there are few, else only those with a category (one set intersection; the table it needs
    is built only then: on one small policy it would be a large part of the run, benchmarks/README.md)."""
    if len(actions) > MANY_ACTIONS:
        return actions.keys() & sensitive_by_name().keys()
    return actions
