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
from collections.abc import Callable, Iterable, Mapping
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


# ---- ARN patterns against ARN patterns ------------------------------------------------------------
# A policy's Resource and a catalog ARN format are both patterns: "can some ARN match both?" is an
# intersection test, not a match. Both become token strings: runs (STAR: any run, also across ":"
# and "/"; SEG: a run without ":"; NOSLASH: without "/"; NAME: without either), ANY (one character)
# and literal characters, lower-cased (IAM compares ARNs case-sensitively; ignoring case only
# finds more).
STAR = "\x01"
SEG = "\x02"
ANY = "\x03"
NOSLASH = "\x04"
NAME = "\x05"
# One character of a partition, service, region or account placeholder (never ``:`` or ``/``): an ARN
# format's ``${Region}`` or ``${Account}`` holds at least one character (a format whose ARNs have no
# region writes ``::``), so ``arn:aws:s3:::*`` names no ``arn:${Partition}:s3:${Region}:${Account}:...``.
NAMECHAR = "\x06"
_EXCLUDED = {STAR: "", SEG: ":", NOSLASH: "/", NAME: ":/"}  # the characters a run never takes
_RUN_OF = {v: k for k, v in _EXCLUDED.items()}
_WILD_TOKENS = STAR + SEG + NOSLASH + NAME
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _tokens(text: str, placeholder: Callable[[str], str], star: str) -> str:
    out = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        out.append(text[pos:m.start()].lower().replace("*", star).replace("?", ANY))
        out.append(placeholder(m.group(1)))
        pos = m.end()
    out.append(text[pos:].lower().replace("*", star).replace("?", ANY))
    return "".join(out)


def _collapse(tokens: str) -> str:
    """Adjacent runs: STAR absorbs any run, a repeated run counts once (ANYs keep their number)."""
    out: list[str] = []
    for t in tokens:
        if out and t in _WILD_TOKENS and out[-1] in _WILD_TOKENS and (t == out[-1] or STAR in (t, out[-1])):
            out[-1] = STAR if STAR in (t, out[-1]) else t
        else:
            out.append(t)
    return "".join(out)


def resource_tokens(pattern: str) -> str:
    """A policy's ``Resource`` value: ``*`` and a policy variable ``${...}`` any run, ``?`` one character."""
    return _collapse(_tokens(pattern, lambda _name: STAR, STAR))


def placeholder_delimiters(formats: Iterable[str]) -> dict[str, str]:
    """The placeholders of the formats' resource parts that one of them follows with ``/``
    (``${BucketName}/${ObjectName}``: a bucket's name holds no ``/``, or the object's ARN would be
    ambiguous), mapped to ``"/"``: :func:`format_tokens` runs for them exclude ``/``. The same
    inference as :mod:`checker.analysis.arnscope`'s container terminators, for ``/`` only: a ``:``
    after a placeholder proves nothing of the resource's ARNs (``function:${FunctionName}:${Alias}``
    beside ``function:${FunctionName}``, whose ARNs may carry a ``:qualifier``)."""
    out: dict[str, str] = {}
    for fmt in formats:
        parts = fmt.split(":", 5)
        if len(parts) < 6:
            continue
        rest = parts[5]
        for m in _PLACEHOLDER.finditer(rest):
            if rest[m.end():m.end() + 1] == "/":
                out[m.group(1)] = "/"
    return out


def format_tokens(fmt: str, *, strict: bool = False, delimiters: Mapping[str, str] | None = None) -> str:
    """A catalog ARN format (``arn:${Partition}:s3:::${BucketName}/${ObjectName}``).

    Partition, service, region and account never hold ``:`` or ``/``: a placeholder among the first
    five segments is one such character then NAME (never empty: see :data:`NAMECHAR`), a ``*``
    there NAME. In the resource part a placeholder is any run (an S3 key, a
    Lambda function with its qualifier may hold ``:`` and ``/``) except the characters
    ``delimiters`` (:func:`placeholder_delimiters`) says never occur in it; with ``strict`` (curated
    patterns whose placeholders name identifiers, ``docs/sensitive-actions.md``) every placeholder
    is NAME.
    """
    parts = fmt.split(":", 5)
    head = ":".join(parts[:5])
    rest = ":" + parts[5] if len(parts) == 6 else ""
    known = delimiters or {}

    def run(name: str) -> str:
        return NAME if strict else _RUN_OF[known.get(name, "")]

    return _collapse(_tokens(head, lambda _name: NAMECHAR + NAME, NAME) + _tokens(rest, run, STAR))


def service_tokens(service: str) -> str:
    """Every ARN of one ARN service segment: ``arn:<partition>:<service>:`` and anything after."""
    return "arn:" + NAME + ":" + service.lower() + ":" + STAR


def _compatible(x: str, y: str) -> bool:
    """Whether tokens ``x`` and ``y`` can both take one same character."""
    if NAMECHAR in (x, y):
        other = y if x == NAMECHAR else x
        return other in (NAMECHAR, ANY) or other in _EXCLUDED or other not in ":/"
    if x in (y, ANY) or y == ANY:
        return True
    ex, ey = _EXCLUDED.get(x), _EXCLUDED.get(y)
    if ex is not None and ey is not None:
        return True  # two runs share any letter
    if ex is not None:
        return y not in ex
    if ey is not None:
        return x not in ey
    return False


def tokens_intersect(a: str, b: str) -> bool:
    """Whether some string matches both token strings (:func:`resource_tokens`, :func:`format_tokens`).

    Literal heads and tails are compared first (most pairs differ there); the rest is a search of
    the product of the two patterns' positions, each pair visited once: O(len(a) * len(b)) at worst,
    whatever the wildcards, so hostile patterns cannot blow it up.
    """
    while a and b and a[0] not in _WILD_TOKENS and b[0] not in _WILD_TOKENS:
        if not _compatible(a[0], b[0]):
            return False
        a, b = a[1:], b[1:]
    while a and b and a[-1] not in _WILD_TOKENS and b[-1] not in _WILD_TOKENS:
        if not _compatible(a[-1], b[-1]):
            return False
        a, b = a[:-1], b[:-1]
    if STAR in (a, b) or a == b:
        return True
    if not a or not b:
        return (a or b).strip(_WILD_TOKENS) == ""
    n, m = len(a), len(b)
    width = m + 1
    seen = bytearray((n + 1) * width)
    stack = [0]
    seen[0] = 1
    while stack:
        s = stack.pop()
        i, j = divmod(s, width)
        if i == n and j == m:
            return True
        x = a[i] if i < n else "\0"  # "\0": the pattern's end, which takes no character
        y = b[j] if j < m else "\0"
        x_run, y_run = x in _WILD_TOKENS, y in _WILD_TOKENS
        nxt = []
        if x_run:
            nxt.append(s + width)  # x's run ends here
        if y_run:
            nxt.append(s + 1)
        if x != "\0" and y != "\0" and not (x_run and y_run) and _compatible(x, y):
            # one character taken by both; a run stays where it is
            nxt.append(s + (0 if x_run else width) + (0 if y_run else 1))
        for t in nxt:
            if not seen[t]:
                seen[t] = 1
                stack.append(t)
    return False
