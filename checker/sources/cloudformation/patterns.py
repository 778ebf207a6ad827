"""What a parameter's ``AllowedPattern`` proves about its value: a typed unknown (a hole of
:mod:`checker.terraform.typed`), like ``data.aws_caller_identity.current.account_id`` in Terraform.

CloudFormation matches ``AllowedPattern`` against the whole value. :func:`hole_of_pattern` reads a
small, explicit subset of regular expressions (anchors, literals, character classes with ranges,
``\\d``, groups, alternation, the quantifiers ``? * + {n} {n,m}``) and computes the characters a
matching value may hold and the bounds of its length. Anything else (``.``, negated classes,
look-arounds, back-references, flags, unbounded text of any character) proves nothing: the
parameter stays untyped (``HoleKind.ANY``), so the gate fails closed. google-re2 confirms that the
pattern compiles and accepts a value of the kind it is said to prove.

- only digits, exactly 12 of them: an account id (``HoleKind.ACCOUNT``, ``????????????``);
- only letters, digits, ``.``, ``_`` and ``-`` (no wildcard, no ``/`` or ``:``), at least one: the
  name of one resource (``HoleKind.NAME``): ``arn:aws:s3:::${Bucket}/*`` is then one bucket's
  objects, never a pattern over other buckets.
"""

from __future__ import annotations

import string
from typing import NamedTuple

from checker.model import HoleKind
from checker.terraform.typed import Hole

MAX_PATTERN = 1000
_DIGITS = frozenset(string.digits)
_NAME = frozenset(string.ascii_letters + string.digits + "._-")
_INFINITE = 10**9


class _Unsupported(Exception):
    """A construct whose meaning is not read here: the pattern proves nothing."""


class Shape(NamedTuple):
    """What a pattern admits: the characters a value may hold, its shortest and longest length."""

    chars: frozenset[str]
    low: int
    high: int


def shape_of(pattern: str) -> Shape | None:
    """The :class:`Shape` of a pattern in the subset read here, or None."""
    if len(pattern) > MAX_PATTERN:
        return None
    try:
        parser = _Parser(pattern)
        result = parser.alternation()
        if parser.i != len(pattern):
            return None
        return result
    except _Unsupported:
        return None


def hole_of_pattern(pattern: str) -> Hole | None:
    """The hole a value matching ``pattern`` (as a whole) is, or None when it proves nothing."""
    found = shape_of(pattern)
    if found is None or found.low == 0:
        return None
    if found.chars <= _DIGITS and found.low == found.high == 12:
        hole = Hole(HoleKind.ACCOUNT, "?" * 12)
        sample = "0" * 12
    elif found.chars <= _NAME:
        hole = Hole(HoleKind.NAME, "*")
        sample = ""
    else:
        return None
    import re2  # type: ignore[import-untyped]

    try:
        compiled = re2.compile(pattern)
    except re2.error:
        return None
    if sample and compiled.fullmatch(sample) is None and not compiled.search(sample):
        return None
    return hole


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def peek(self) -> str | None:
        return self.p[self.i] if self.i < len(self.p) else None

    def take(self) -> str:
        if self.i >= len(self.p):
            raise _Unsupported
        c = self.p[self.i]
        self.i += 1
        return c

    def alternation(self) -> Shape:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        return Shape(frozenset().union(*(b.chars for b in branches)), min(b.low for b in branches),
                     max(b.high for b in branches))

    def sequence(self) -> Shape:
        chars: set[str] = set()
        low = high = 0
        while (c := self.peek()) is not None and c not in "|)":
            if c in "^$":  # anchors: the whole value is matched anyway
                self.i += 1
                continue
            atom = self.atom()
            atom = self.quantified(atom)
            chars |= atom.chars
            low += atom.low
            high = min(high + atom.high, _INFINITE)
        return Shape(frozenset(chars), low, high)

    def atom(self) -> Shape:
        c = self.take()
        if c == "(":
            if self.peek() == "?":
                if self.p.startswith("?:", self.i):
                    self.i += 2
                else:
                    raise _Unsupported  # look-arounds, named groups, flags
            inner = self.alternation()
            if self.take() != ")":
                raise _Unsupported
            return inner
        if c == "[":
            return Shape(self.char_class(), 1, 1)
        if c == "\\":
            return Shape(self.escape(in_class=False), 1, 1)
        if c in ".*+?{}])":
            raise _Unsupported
        return Shape(frozenset(c), 1, 1)

    def escape(self, in_class: bool) -> frozenset[str]:
        c = self.take()
        if c == "d":
            return _DIGITS
        if c in string.ascii_letters or c in string.digits:
            raise _Unsupported  # \w \s \b \1 ...: not read here
        return frozenset(c)

    def char_class(self) -> frozenset[str]:
        if self.peek() == "^":
            raise _Unsupported  # a negated class admits almost anything
        chars: set[str] = set()
        first = True
        while True:
            c = self.take()
            if c == "]" and not first:
                return frozenset(chars)
            first = False
            if c == "[":
                raise _Unsupported
            if c == "\\":
                got = self.escape(in_class=True)
                if len(got) != 1:
                    chars |= got
                    continue
                c = next(iter(got))
            if self.peek() == "-" and self.i + 1 < len(self.p) and self.p[self.i + 1] != "]":
                self.i += 1
                end = self.take()
                if end == "\\":
                    got = self.escape(in_class=True)
                    if len(got) != 1:
                        raise _Unsupported
                    end = next(iter(got))
                if ord(end) < ord(c) or ord(end) - ord(c) > 0x7F:
                    raise _Unsupported
                chars |= {chr(o) for o in range(ord(c), ord(end) + 1)}
                continue
            chars.add(c)

    def quantified(self, atom: Shape) -> Shape:
        c = self.peek()
        if c == "?":
            self.i += 1
            atom = Shape(atom.chars, 0, atom.high)
        elif c == "*":
            self.i += 1
            atom = Shape(atom.chars, 0, _INFINITE)
        elif c == "+":
            self.i += 1
            atom = Shape(atom.chars, atom.low, _INFINITE)
        elif c == "{":
            end = self.p.find("}", self.i)
            if end < 0:
                raise _Unsupported
            body = self.p[self.i + 1:end]
            lo, comma, hi = body.partition(",")
            if not lo.isdigit() or (hi and not hi.isdigit()):
                raise _Unsupported
            self.i = end + 1
            n, m = int(lo), (int(hi) if hi else (_INFINITE if comma else int(lo)))
            if m < n:
                raise _Unsupported
            atom = Shape(atom.chars, min(atom.low * n, _INFINITE), min(atom.high * m, _INFINITE))
        else:
            return atom
        if self.peek() in ("?", "+", "*", "{"):
            raise _Unsupported  # lazy or possessive quantifiers, nested quantifiers
        return atom
