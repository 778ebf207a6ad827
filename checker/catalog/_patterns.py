"""IAM wildcard patterns, matched exactly as IAM matches them, without backtracking blow-ups.

Semantics: ``*`` matches any run of characters (including none, and including ``:`` and ``/``), ``?``
exactly one character; every other character is literal (``[``, ``]``, ``{``, ``\\`` included, unlike
:mod:`fnmatch`). Matching is case-insensitive unless asked otherwise.

A glob made of literal-or-``?`` segments separated by ``*`` matches a string iff the first segment
matches a prefix, the last a suffix, and the middle segments occur in order without overlap. Every
segment matches strings of one fixed length, so taking the left-most occurrence of each middle segment
is exact (an exchange argument: any valid placement can be shifted left onto the greedy one). The regex
pins each middle segment with an atomic group ``(?>.*?seg)`` (Python >= 3.11) or the equivalent
lookahead + back-reference ``(?=(?P<gN>.*?seg))(?P=gN)`` (Python 3.10), so the engine never
backtracks into an earlier segment: matching is O(len(pattern) * len(string)) per string.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

HAS_ATOMIC = sys.version_info >= (3, 11)


_WILD_RUN = re.compile(r"[*?]*\*[*?]*")


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def normalise(pattern: str) -> str:
    """An equivalent glob: each run of wildcards holding a ``*`` becomes its ``?``s then one ``*``
    (``*`` and ``?`` commute, ``**`` is ``*``), so ``*?*?*?`` costs no more than ``???*``."""
    return _WILD_RUN.sub(lambda m: "?" * m.group().count("?") + "*", pattern)


def _segment(seg: str, any_char: str) -> str:
    return "".join(any_char if c == "?" else re.escape(c) for c in seg)


def glob_to_regex(pattern: str, *, any_char: str = ".", atomic: bool | None = None) -> str:
    """Translate an IAM glob to a regex body (no anchors) that matches without backtracking blow-ups.

    ``any_char`` is what ``?`` and ``*`` may consume (``.``, or ``[^\\n]`` when scanning newline-joined
    names). ``atomic`` forces atomic groups (True) or the lookahead emulation (False); default: atomic
    groups when the running Python supports them.
    """
    use_atomic = HAS_ATOMIC if atomic is None else atomic
    segs = normalise(pattern).split("*")
    if len(segs) == 1:
        return _segment(pattern, any_char)
    parts = [_segment(segs[0], any_char)]
    for n, seg in enumerate(segs[1:-1]):
        if not seg:
            continue
        body = f"{any_char}*?{_segment(seg, any_char)}"
        parts.append(f"(?>{body})" if use_atomic else f"(?=(?P<g{n}>{body}))(?P=g{n})")
    parts.append(f"{any_char}*{_segment(segs[-1], any_char)}")
    return "".join(parts)


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(glob_to_regex(pattern), re.DOTALL)


def iam_pattern_matches(pattern: str, value: str, *, case_sensitive: bool = False) -> bool:
    """Whether ``value`` matches the IAM wildcard ``pattern`` (``*`` any run, ``?`` one character).

    Case-insensitive by default, as IAM matches action names. Note that IAM compares resource ARNs
    case-sensitively: pass ``case_sensitive=True`` for ARNs.
    """
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    if not has_wildcard(pattern):
        return pattern == value
    if pattern == "*":
        return True
    return _compiled(pattern).fullmatch(value) is not None
