"""A deliberately naive reference for resource-aware grants (checker/analysis/resources.py).

Written apart from the checker: it reads the ARN formats from the catalog's details (``details.json.gz``,
not the hot ``resources.idx``), spells patterns as lists of tokens, and decides "can one ARN match both
patterns" by a memoised recursion over the two positions. Semantics (docs/resource-aware-grants.md):
a policy's ``*`` and ``${...}`` are any run, ``?`` one character; a format's placeholder (and ``*``) is a
run without ``:`` or ``/`` in the first five segments, in the resource part any run, without ``/`` when
``/`` follows the same placeholder in one of the service's formats; case is ignored.
"""

from __future__ import annotations

import re
import sys
from functools import cache

from checker.catalog import Catalog

Token = tuple[str, str]
_MAX_DEPTH = 4000  # the recursion goes one level per step; raised once here, not inside a test
sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * _MAX_DEPTH + 1000))  # ("star" | "seg" | "any" | "lit", character)


def _tokens(text: str, placeholder: str, star: str) -> tuple[Token, ...]:
    out: list[Token] = []
    i = 0
    while i < len(text):
        m = re.compile(r"\$\{[^}]*\}").match(text, i)
        if m:
            out.append((placeholder, ""))
            i = m.end()
            continue
        c = text[i].lower()
        out.append((star, "") if c == "*" else ("any", "") if c == "?" else ("lit", c))
        i += 1
    return tuple(out)


def policy_tokens(value: str) -> tuple[Token, ...]:
    return _tokens(value, "star", "star")


def format_tokens(fmt: str, service_formats: tuple[str, ...] = ()) -> tuple[Token, ...]:
    """A format's tokens: a run ("run", excluded characters) per placeholder; in the first five
    segments it excludes ":" and "/"; in the resource part it excludes "/" when "/" follows the
    same placeholder in one of ``service_formats``."""
    follows: dict[str, set[str]] = {}
    for other in service_formats:
        rest = other.split(":", 5)[5] if other.count(":") >= 5 else ""
        for m in re.finditer(r"\$\{([^}]*)\}(.?)", rest):
            if m.group(2) == "/":
                follows.setdefault(m.group(1), set()).add(m.group(2))
    parts = fmt.split(":", 5)
    head = ":".join(parts[:5])
    out: list[Token] = []
    for t in _tokens(head, "ph", "seg"):
        if t[0] == "ph":  # a placeholder of the head holds at least one character, never ":" or "/"
            out.extend((("char", ":/"), ("run", ":/")))
        else:
            out.append(("run", ":/") if t[0] in ("seg", "star") else t)
    if len(parts) == 6:
        rest = ":" + parts[5]
        i = 0
        while i < len(rest):
            m = re.compile(r"\$\{([^}]*)\}").match(rest, i)
            if m:
                out.append(("run", "".join(sorted(follows.get(m.group(1), ())))))
                i = m.end()
                continue
            c = rest[i].lower()
            out.append(("run", "") if c == "*" else ("any", "") if c == "?" else ("lit", c))
            i += 1
    return tuple(out)


_RUNS = ("star", "seg", "run")


def _excluded(t: Token) -> str:
    return {"star": "", "seg": ":"}.get(t[0], t[1])


def _can_share(x: Token, y: Token) -> bool:
    """Some character both tokens may take."""
    if x[0] == "lit" and y[0] == "lit":
        return x[1] == y[1]
    if x[0] == "lit" or y[0] == "lit":
        lit, other = (x, y) if x[0] == "lit" else (y, x)
        return other[0] == "any" or lit[1] not in _excluded(other)
    return True  # runs, "any" and "char" tokens always share some letter


def intersect(a: tuple[Token, ...], b: tuple[Token, ...]) -> bool:
    """Whether one string matches both token patterns (a memoised recursion, no shortcuts)."""
    assert len(a) + len(b) < _MAX_DEPTH, "the oracle is for small patterns"

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        runs = _RUNS
        if x is not None and x[0] in runs and go(i + 1, j):
            return True
        if y is not None and y[0] in runs and go(i, j + 1):
            return True
        if x is None or y is None or not _can_share(x, y):
            return False
        if x[0] in runs and y[0] in runs:
            return False  # both stay: no progress
        return go(i if x[0] in runs else i + 1, j if y[0] in runs else j + 1)

    return go(0, 0)


def split_joined(fmt: str) -> list[str]:
    """A few catalog formats are two ARNs joined by ", " (API Gateway V1 and V2): each one."""
    return [p.strip() for p in fmt.split(", ")] if ", arn:" in fmt else [fmt]


def action_on(catalog: Catalog, action: str, resources: tuple[str, ...]) -> bool:
    """Whether an Allow of ``action`` on ``resources`` (no ``*`` among them) grants it, per the details."""
    details = catalog.details(action)
    assert details is not None, action
    prefix = action.split(":", 1)[0].lower()
    service = catalog._load_details()["services"].get(prefix, {})  # the raw details
    if not details.resource_types:
        star = (("lit", "*"),)
        segments = {prefix, *(f.split(":")[2].lower() for f in service.get("arns", {}).values() if f.count(":") >= 5)}
        own = [(("lit", "a"), ("lit", "r"), ("lit", "n"), ("lit", ":"), ("run", ":/"), ("lit", ":"),
                *(("lit", c) for c in seg), ("lit", ":"), ("star", "")) for seg in segments]
        return any(intersect(policy_tokens(r), star) or any(intersect(policy_tokens(r), o) for o in own)
                   for r in resources)
    formats: dict[str, list[str]] = {}
    for name, fmt in details.resource_arns:
        formats.setdefault(name, []).extend(split_joined(fmt))
    if any(not formats.get(name) for name, _ in details.resource_types):
        return True
    every = tuple(p for f in [*service["arns"].values(), *(f for fs in service.get("arn_alternatives", {}).values()
                                                            for f in fs)] for p in split_joined(f))
    return any(intersect(policy_tokens(r), format_tokens(f, every))
               for r in resources for fs in formats.values() for f in fs)
