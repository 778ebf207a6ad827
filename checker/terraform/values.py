"""Values of the Terraform evaluator.

Evaluated Terraform values are plain Python values so that ordinary code can use them:

====================  =========================================================
Terraform             Python
====================  =========================================================
string                :class:`TfStr` (a ``str`` subclass carrying its origin)
number                ``int`` or ``float`` (``int`` whenever the value is whole
                      and came from an integer literal or integer arithmetic)
bool                  ``bool``
null                  ``None``
list / tuple          ``list``
set                   :class:`TfSet` (a ``tuple`` subclass, in Terraform's order)
map / object          ``dict`` (``str`` keys)
unknown               :class:`Unknown`
====================  =========================================================

A value the evaluator cannot know is an :class:`Unknown`: it says why and where, and
operations on it propagate it (a list with one unknown element is still a list whose other
elements are known). Nothing unknown is ever silently turned into a known value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value was written: a file (as given to the loader) and 1-based lines."""

    file: str
    line: int
    end_line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class TfStr(str):
    """A Terraform string that remembers where it was written.

    ``origin`` is the literal, template or heredoc that produced it (for a heredoc: its first
    content line). ``encoded_from`` is set on the result of ``jsonencode``/``yamlencode``: the
    value that was encoded, whose strings keep their own origins, so a policy written with
    ``jsonencode({...})`` can be traced back to the line of each action. ``from_file`` is set on
    the result of ``file()`` / ``templatefile()``: the file the text came from, so a JSON parser
    that knows line numbers inside the text can point into that file.
    """

    __slots__ = ("encoded_from", "from_file", "origin")

    origin: Origin | None
    encoded_from: Any
    from_file: str | None

    def __new__(
        cls,
        value: str,
        origin: Origin | None = None,
        *,
        encoded_from: Any = None,
        from_file: str | None = None,
    ) -> TfStr:
        self = super().__new__(cls, value)
        self.origin = origin
        self.encoded_from = encoded_from
        self.from_file = from_file
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickling for --jobs
        return (_make_tfstr, (str(self), self.origin, self.encoded_from, self.from_file))


def _make_tfstr(value: str, origin: Origin | None, encoded_from: Any, from_file: str | None) -> TfStr:
    return TfStr(value, origin, encoded_from=encoded_from, from_file=from_file)


class TfSet(tuple):  # type: ignore[type-arg]
    """A Terraform set: distinct elements in the order Terraform iterates them."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known before apply (or at all, here), and why.

    ``reason`` is a sentence for users (``"aws_iam_role.audit.arn is known only after apply"``);
    ``origin`` the expression that produced it; ``ref`` the address of the resource, data source
    or module a reference points at (``"aws_iam_role.audit"``), with ``attribute`` the attribute
    read (``"arn"``), so that later stages can follow references Terraform would follow.
    """

    reason: str
    origin: Origin | None = None
    ref: str | None = None
    attribute: str | None = None
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def __str__(self) -> str:
        where = f" ({self.origin})" if self.origin else ""
        return f"(unknown: {self.reason}{where})"


def first_unknown(value: Any) -> Unknown | None:
    """The first Unknown found anywhere inside ``value`` (depth-first), or None."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Unknown):
            return v
        if isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, (list, tuple)) and not isinstance(v, str):
            stack.extend(reversed(v))
    return None
