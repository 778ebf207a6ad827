"""Is a data read scoped? Where a policy's Resource puts its wildcards, judged against AWS's ARN formats.

A read of customer data is *scoped* when the Resource names the container the data lives in: the
bucket, table, stream, log group, queue ... A wildcard in that part (``arn:aws:s3:::*``,
``arn:aws:dynamodb:us-east-1:111122223333:table/*``, ``arn:aws:s3:::cur-*/*``) or in the partition
or service, ``*`` itself, a policy variable in the container (``${aws:username}``) and a value
not known until apply are *unscoped*: they reach data that was not named. Wildcards after the
container (``arn:aws:s3:::cur-bucket/reports/*``) and in the region or account are fine.

The container is found from the action's ARN formats in the catalog (``arn:${Partition}:s3:::
${BucketName}/${ObjectName}``): the literal resource-type text before the first placeholder
(``table/``, ``log-group:``), then the first placeholder, which ends at ``:`` or at the character
that follows it in one of the service's formats (``/`` for a bucket, a table with its indexes).
A container that could hold ``/`` in every known format (``secret:${SecretId}``) ends only at ``:``,
so ``secret:prod/*`` counts as unscoped: conservative, never a false "scoped".
"""

from __future__ import annotations

import json
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.catalog import Catalog


class Scope(Enum):
    NO_MATCH = "no-match"  # the value names no resource this action applies to: grants nothing
    SCOPED = "scoped"
    UNSCOPED = "unscoped"


_WILD = ("*", "?")
_WILD_REASON = "a wildcard in the bucket, table, stream or other container name"
_VAR_REASON = "a policy variable in the container name"


def _has_wild(text: str) -> bool:
    return "*" in text or "?" in text or "${" in text


def _all_wildcards(value: str) -> bool:
    return bool(value) and value.strip("*?") == ""


def _split_format(fmt: str) -> tuple[str, str, str] | None:
    """(service, literal prefix of the resource part, terminator after its first placeholder)."""
    parts = fmt.split(":", 5)
    if len(parts) < 6:
        return None
    resource = parts[5]
    i = resource.find("${")
    if i < 0:
        return parts[2], resource, "\0literal"
    j = resource.find("}", i)
    after = resource[j + 1: j + 2] if j >= 0 else ""
    return parts[2], resource[:i], after


INDEX_FILE = "sensitive_arns.json"


def _raw_formats(action: str, catalog: Catalog) -> list[str] | None:
    """The action's ARN formats from the catalog details; None when it has no resource type."""
    details = catalog.details(action)
    if details is None or not details.resource_types:
        return None
    return [fmt for _, fmt in details.resource_arns]


def build_arn_index(catalog: Catalog) -> dict[str, Any]:
    """The ARN formats of every classified action, as ``checker/data/sensitive_arns.json`` holds them.

    Reading the catalog's details parses every action's details; this small index spares that
    to the judgement of a scoped data read (both costs: benchmarks/README.md). Rebuild it with
    ``scripts/build_sensitive_arns.py`` when the catalog or the classification changes (a test
    fails when it is stale).
    """
    from checker.analysis.sensitivity import sensitive_actions

    actions: dict[str, list[str] | None] = {}
    for lower in sorted(sensitive_actions()):
        info = catalog.get(lower)
        if info is not None:
            actions[info.name] = _raw_formats(info.name, catalog)
    return {"version": 1, "actions": actions}


@lru_cache(maxsize=1)
def _load_index() -> dict[str, list[str] | None]:
    from checker import data_file

    try:
        data = json.loads(data_file(INDEX_FILE).read_text(encoding="utf-8"))
        return {k.lower(): v for k, v in data["actions"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return {}  # the catalog's details answer instead (slower, same result)


class _Formats:
    """ARN formats of actions, with container terminators gathered over a service's sensitive actions."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._terminators: dict[tuple[str, str], frozenset[str]] = {}
        self._by_action: dict[str, tuple[tuple[str, str, str], ...] | None] = {}

    def formats(self, action: str) -> tuple[tuple[str, str, str], ...] | None:
        """(arn service, literal prefix, terminator) per resource type; None when the action has none."""
        key = action.lower()
        if key in self._by_action:
            return self._by_action[key]
        index = _load_index() if self._catalog is _default_catalog() else {}
        raw = index[key] if key in index else _raw_formats(action, self._catalog)
        out = None if raw is None else tuple(f for fmt in raw if (f := _split_format(fmt)) is not None)
        self._by_action[key] = out
        return out

    def terminators(self, action: str, arn_service: str, prefix: str) -> frozenset[str]:
        key = (arn_service, prefix)
        found = self._terminators.get(key)
        if found is not None:
            return found
        from checker.analysis.sensitivity import sensitive_actions

        service = action.split(":", 1)[0].lower()
        chars = {":"}
        names = [a for a in sensitive_actions() if a.split(":", 1)[0] == service] + [action.lower()]
        for name in names:
            for svc, pre, after in self.formats(name) or ():
                if svc == arn_service and pre == prefix and after and not after.startswith("\0"):
                    chars.add(after)
        result = frozenset(chars)
        self._terminators[key] = result
        return result


def _default_catalog() -> Catalog:
    from checker.catalog import get_catalog

    return get_catalog()


@lru_cache(maxsize=4)
def _formats_for(catalog: Catalog) -> _Formats:
    return _Formats(catalog)


def scopable(action: str, catalog: Catalog) -> bool:
    """False when the action has no resource type: IAM authorizes it on ``"*"`` only."""
    return _formats_for(catalog).formats(action) is not None


def _scope_against(resource: str, prefix: str, terminators: frozenset[str]) -> tuple[Scope, str]:
    for i, ch in enumerate(prefix):
        if i >= len(resource):
            return Scope.NO_MATCH, ""
        c = resource[i]
        if c in _WILD:
            return Scope.UNSCOPED, _WILD_REASON
        if resource.startswith("${", i):
            return Scope.UNSCOPED, _VAR_REASON
        if c != ch:
            return Scope.NO_MATCH, ""
    rest = resource[len(prefix):]
    for j, c in enumerate(rest):
        if c in terminators:
            return (Scope.SCOPED, "") if j > 0 else (Scope.NO_MATCH, "")
        if c in _WILD:
            return Scope.UNSCOPED, _WILD_REASON
        if rest.startswith("${", j):
            return Scope.UNSCOPED, _VAR_REASON
    return (Scope.SCOPED, "") if rest else (Scope.NO_MATCH, "")


def resource_scope(value: str, action: str, catalog: Catalog) -> tuple[Scope, str]:
    """Whether the Resource ``value`` grants ``action`` on named containers only, and why not."""
    if _all_wildcards(value):
        return Scope.UNSCOPED, "every resource"
    cache = _formats_for(catalog)
    formats = cache.formats(action)
    if formats is None:
        # The action has no resource type: IAM authorizes it against "*" only.
        return Scope.NO_MATCH, ""
    parts = value.split(":", 5)
    if len(parts) < 6:
        if _has_wild(value):
            return Scope.UNSCOPED, "a wildcard that spans the ARN's parts"
        return Scope.NO_MATCH, ""
    if parts[0] != "arn":
        if _has_wild(parts[0]):
            return Scope.UNSCOPED, "a wildcard in the ARN's prefix"
        return Scope.NO_MATCH, ""
    if _has_wild(parts[1]) or _has_wild(parts[2]):
        return Scope.UNSCOPED, "a wildcard in the ARN's partition or service"
    if not formats:
        # Resource types without a known ARN format: any wildcard or variable may reach anything.
        return (Scope.UNSCOPED, "a wildcard in a resource whose ARN format is unknown") if _has_wild(
            parts[5]) else (Scope.SCOPED, "")
    verdict, reason = Scope.NO_MATCH, ""
    for arn_service, prefix, after in formats:
        if arn_service != parts[2]:
            continue
        if after.startswith("\0"):  # a fixed resource (no placeholder): one resource at most
            scope = Scope.SCOPED if parts[5] == prefix or _has_wild(parts[5]) else Scope.NO_MATCH
            why = ""
        else:
            scope, why = _scope_against(parts[5], prefix, cache.terminators(action, arn_service, prefix))
        if scope is Scope.UNSCOPED:
            return scope, why
        if scope is Scope.SCOPED:
            verdict, reason = scope, why
    return verdict, reason
