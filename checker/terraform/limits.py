"""Bounds on the work a hostile module can make the evaluator do (docs/hardening.md).

One mechanism: every place where a value can grow beyond its inputs asks this module before it
allocates. A string longer than :data:`MAX_STRING`, a collection larger than :data:`MAX_COLLECTION`,
a YAML document expanding to more than :data:`MAX_YAML_NODES` nodes, or a module whose templates
and function results add up to more than :data:`MAX_TOTAL` units (characters plus elements) raises
:class:`LimitExceeded`. The evaluator turns it into an :class:`~checker.terraform.values.Unknown`
whose reason names the limit (``evaluation limit: string of N characters exceeds the limit of M``),
so the gate reports the value as unresolved (IAM002) at the expression's file and line: fail
closed, never a traceback, never a silent pass.

``LimitExceeded`` is deliberately not a :class:`~checker.terraform.errors.TerraformError`:
``try()`` and ``can()`` catch what Terraform rejects, but Terraform would compute a value here, so
falling back to ``try()``'s next argument would judge something Terraform never produces.

Bounds that existed before this module stay where they are: the evaluator's expression depth and
step count (``evaluator.MAX_DEPTH``, ``MAX_STEPS``), ``MAX_FOR_ELEMENTS`` for 'for' expressions,
``range()``'s 1,024 values (Terraform's own), and the JSON front end's nesting depth
(``checker.sources.jsonpos.MAX_DEPTH``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_STRING = 4 * 1024 * 1024
"""Characters in one string a template or function produces (4 Mi; AWS's largest policy is 32 KB)."""
MAX_COLLECTION = 1_000_000
"""Elements in one list, set or map a function produces."""
MAX_TOTAL = 64 * 1024 * 1024
"""Characters of the strings plus elements of the collections that one module's templates and
function calls produce, in all (64 Mi units: with the interpreter, well under 1 GiB)."""
MAX_NODES = 4_000_000
"""Nodes of the collections one module's expressions build, counted as a walk of each meets them
(a list holding the same list twice counts it twice): the bound on every later walk of a value
(marks, unknowns, encoding), however its references are shared."""
MAX_YAML_NODES = 100_000
"""Nodes of the value ``yamldecode`` builds, each alias counted as the nodes it stands for."""
MAX_FILE_BYTES = MAX_STRING
"""Bytes ``file()`` and ``templatefile()`` read from one file."""
MAX_NUMBER_BITS = 4096
"""Bits of an integer a multiplication produces (Terraform computes with 512-bit floats)."""


class LimitExceeded(Exception):
    """A value would pass one of the bounds above; ``message`` is the reason users read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _n(x: int) -> str:
    return f"{x:,}"


def check_string(length: int, what: str = "string") -> None:
    """Refuse a string of ``length`` characters before it is built."""
    if length > MAX_STRING:
        raise LimitExceeded(f"evaluation limit: {what} of {_n(length)} characters exceeds the limit of "
                            f"{_n(MAX_STRING)}")


def width_of(digits: str, what: str) -> int:
    """A ``format`` width or precision as written; refused when it alone passes the string limit."""
    if len(digits) > len(str(MAX_STRING)) or int(digits) > MAX_STRING:
        shown = _n(int(digits)) if len(digits) <= 30 else f"a {len(digits)}-digit number"
        raise LimitExceeded(f"evaluation limit: {what} of {shown} exceeds the limit of {_n(MAX_STRING)}")
    return int(digits)


def check_collection(size: int, what: str = "collection") -> None:
    """Refuse a collection of ``size`` elements before it is built."""
    if size > MAX_COLLECTION:
        raise LimitExceeded(f"evaluation limit: {what} of {_n(size)} elements exceeds the limit of "
                            f"{_n(MAX_COLLECTION)}")


def check_file(size: int, name: str) -> None:
    if size > MAX_FILE_BYTES:
        raise LimitExceeded(f"evaluation limit: file {name} of {_n(size)} bytes exceeds the limit of "
                            f"{_n(MAX_FILE_BYTES)}")


def check_yaml_nodes(count: int) -> None:
    if count > MAX_YAML_NODES:
        raise LimitExceeded(f"evaluation limit: YAML document expands to more than {_n(MAX_YAML_NODES)} nodes "
                            "(aliases counted as the nodes they repeat)")


def check_number(x: int | float, y: int | float) -> None:
    """Refuse a product of integers longer than MAX_NUMBER_BITS before it is computed."""
    if isinstance(x, int) and isinstance(y, int) and x.bit_length() + y.bit_length() > MAX_NUMBER_BITS:
        raise LimitExceeded(f"evaluation limit: a product of {_n(x.bit_length() + y.bit_length())} bits exceeds "
                            f"the limit of {_n(MAX_NUMBER_BITS)}")


def joined_length(parts: Iterable[str], sep_len: int = 0, what: str = "string") -> int:
    """The length ``sep.join(parts)`` would have; LimitExceeded as soon as it passes MAX_STRING."""
    total = 0
    count = 0
    for p in parts:
        total += len(p)
        count += 1
        if total + sep_len * max(count - 1, 0) > MAX_STRING:
            check_string(total + sep_len * max(count - 1, 0), what)
    return total + sep_len * max(count - 1, 0)


def encoded_size(value: Any, what: str) -> int:
    """An upper bound of the units a walk of ``value`` meets (string characters plus nodes),
    counting a value reached twice twice, as an encoder writes it; stops at MAX_STRING."""
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        total += len(v) + 2 if isinstance(v, str) else 1
        if isinstance(v, dict):
            for k, x in v.items():
                total += len(k) + 3
                stack.append(x)
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        if total > MAX_STRING:
            check_string(total, what)
    return total


def size_of(value: Any) -> int:
    """The units a freshly built value costs: its characters or (top-level) elements."""
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    return 1


class Budget:
    """The work one module's evaluation may do in all (carried by its evaluator)."""

    __slots__ = ("nodes", "spent")

    def __init__(self) -> None:
        self.spent = 0
        self.nodes = 0

    def built(self, value: Any) -> None:
        """Account for a collection an expression built: the nodes a walk of it meets."""
        n = self.nodes
        stack = [value]
        while stack:
            v = stack.pop()
            n += 1
            if isinstance(v, dict):
                stack.extend(v.values())
            elif isinstance(v, (list, tuple)) and not isinstance(v, str):
                stack.extend(v)
            if n > MAX_NODES:
                raise LimitExceeded(f"evaluation limit: this module's expressions build collections of more than "
                                    f"{_n(MAX_NODES)} nodes in all (shared references counted each time)")
        self.nodes = n

    def spend(self, units: int) -> None:
        self.spent += units
        if self.spent > MAX_TOTAL:
            raise LimitExceeded(f"evaluation limit: this module's expressions build more than {_n(MAX_TOTAL)} "
                                "characters and elements in all")

    def result(self, value: Any) -> None:
        """Account for a value a template or function built; refuse one that passes a bound."""
        if isinstance(value, str):
            check_string(len(value))
        elif isinstance(value, (list, tuple, dict)):
            check_collection(len(value))
        self.spend(size_of(value))
