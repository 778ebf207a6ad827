"""A deliberately naive reference for resource-aware grants (checker/analysis/resources.py).

Written apart from the checker: it reads the ARN formats from the catalog's details (``details.json.gz``,
not the hot ``resources.idx``), spells patterns as lists of tokens, and decides "can one ARN match both
patterns" by a memoised recursion over the two positions. Semantics (docs/resource-aware-grants.md):
a policy's ``*`` and ``${...}`` are any run, ``?`` one character; a format's placeholder (and ``*``) is a
run without ``:`` in the first five segments, any run in the resource part; case is ignored.
"""

from __future__ import annotations

import re
import sys
from functools import cache

from checker.catalog import Catalog

Token = tuple[str, str]  # ("star" | "seg" | "any" | "lit", character)


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


def format_tokens(fmt: str) -> tuple[Token, ...]:
    parts = fmt.split(":", 5)
    head = ":".join(parts[:5])
    rest = ":" + parts[5] if len(parts) == 6 else ""
    return _tokens(head, "seg", "seg") + _tokens(rest, "star", "star")


def _chars(t: Token) -> set[str] | None:
    """The characters a token may take (None: all but ':' for seg handled below, all for star/any)."""
    return {t[1]} if t[0] == "lit" else None


def _can_share(x: Token, y: Token) -> bool:
    cx, cy = _chars(x), _chars(y)
    if cx is not None and cy is not None:
        return cx == cy
    lit = cx or cy
    if lit is None:
        return True
    other = y if cx is not None else x
    return not (other[0] == "seg" and lit == {":"})


def intersect(a: tuple[Token, ...], b: tuple[Token, ...]) -> bool:
    """Whether one string matches both token patterns (a memoised recursion, no shortcuts)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * (len(a) + len(b)) + 1000))

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        runs = ("star", "seg")
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


def action_on(catalog: Catalog, action: str, resources: tuple[str, ...]) -> bool:
    """Whether an Allow of ``action`` on ``resources`` (no ``*`` among them) grants it, per the details."""
    details = catalog.details(action)
    assert details is not None, action
    if not details.resource_types:
        star = (("lit", "*"),)
        return any(intersect(policy_tokens(r), star) for r in resources)
    formats: dict[str, list[str]] = {}
    for name, fmt in details.resource_arns:
        formats.setdefault(name, []).append(fmt)
    if any(not formats.get(name) for name, _ in details.resource_types):
        return True
    return any(intersect(policy_tokens(r), format_tokens(f))
               for r in resources for fs in formats.values() for f in fs)
