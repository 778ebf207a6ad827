"""Values of the Terraform evaluator.

Evaluated Terraform values are plain Python values so that ordinary code can use them:

====================  =========================================================
Terraform             Python
====================  =========================================================
string                :class:`TfStr` (a ``str`` subclass carrying its origin)
number                ``int`` whenever the value is whole; else :class:`TfNumber`
                      (a ``float`` holding Terraform's exact 512-bit value), or a
                      plain ``float`` for a value computed in 64-bit floating point
                      (``pow``, ``log``) or an infinity
bool                  ``bool``
null                  ``None``
list / tuple          ``list``
set                   :class:`TfSet` (a ``tuple`` subclass, in Terraform's order)
map / object          ``dict`` (``str`` keys)
unknown               :class:`Unknown`
====================  =========================================================

Sensitive values (Terraform's ``sensitive`` mark: a variable or output declared ``sensitive =
true``, the ``sensitive()`` function, and whatever Terraform derives from them) are strings whose
``sensitive`` flag is set; a collection is marked through its strings (and its keys), so that code
which only reads values never needs to know about marks. See :func:`mark`, :func:`has_marks` and
:func:`is_marked`: the evaluator propagates marks as Terraform does, and whatever prints a marked
value prints ``(sensitive)`` instead. A number, bool or null cannot carry the mark: the operation
that consumes a marked value to make one marks what it selects or renders instead (a conditional,
a template, a 'for' condition).

A value the evaluator cannot know is an :class:`Unknown`: it says why and where, and
operations on it propagate it (a list with one unknown element is still a list whose other
elements are known). Nothing unknown is ever silently turned into a known value.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
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

    __slots__ = ("encoded_from", "from_file", "origin", "sensitive")

    origin: Origin | None
    encoded_from: Any
    from_file: str | None
    sensitive: bool

    def __new__(
        cls,
        value: str,
        origin: Origin | None = None,
        *,
        encoded_from: Any = None,
        from_file: str | None = None,
        sensitive: bool = False,
    ) -> TfStr:
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)  # every cty string is NFC
        self = super().__new__(cls, value)
        self.origin = origin
        self.encoded_from = encoded_from
        self.from_file = from_file
        self.sensitive = sensitive
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickling for --jobs
        return (_make_tfstr, (str(self), self.origin, self.encoded_from, self.from_file, self.sensitive))


def _make_tfstr(value: str, origin: Origin | None, encoded_from: Any, from_file: str | None,
                sensitive: bool = False) -> TfStr:
    return TfStr(value, origin, encoded_from=encoded_from, from_file=from_file, sensitive=sensitive)


class TfNumber(float):
    """A non-integer Terraform number: ``exact`` is the value Terraform holds (a binary float with a
    512-bit mantissa, as a Fraction), the float its nearest double for code that only approximates.

    Arithmetic on it is done by the evaluator on ``exact`` (Python's float operators would give a
    plain float): ``0.1 + 0.2 == 0.3`` as in Terraform.
    """

    __slots__ = ("exact",)

    exact: Fraction

    def __new__(cls, exact: Fraction) -> TfNumber:
        self = super().__new__(cls, float(exact))
        self.exact = exact
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (TfNumber, (self.exact,))


class TfSet(tuple):  # type: ignore[type-arg]
    """A Terraform set: distinct elements in the order Terraform iterates them."""

    __slots__ = ()


class TypedList(list):  # type: ignore[type-arg]
    """An empty list whose Terraform type is known (a ``list(string)`` variable, a conversion):
    ``tf_type`` as :mod:`checker.terraform.functions_types` spells types. An empty value has no
    elements to infer a type from, and Terraform's answers depend on it (``true ? var.ids : []``)."""

    tf_type: Any


class TypedMap(dict):  # type: ignore[type-arg]
    """An empty map whose Terraform type is known (see :class:`TypedList`)."""

    tf_type: Any


class TypedSet(TfSet):
    """An empty set whose Terraform type is known (see :class:`TypedList`)."""

    tf_type: Any


def typed_empty(tf_type: Any) -> Any:
    """The empty list, set or map of type ``tf_type`` (``("list", "string")``...)."""
    kind = tf_type[0]
    value: Any = TypedList() if kind == "list" else TypedSet() if kind == "set" else TypedMap()
    value.tf_type = tf_type
    return value


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


def direct_reference(u: Unknown) -> str | None:
    """``data.aws_caller_identity.current.account_id`` when ``u`` is exactly that attribute of a
    resource or data source, not yet known (not a function of it, nor a conditional on it)."""
    if not u.ref or not u.attribute or any(k == "template" for k, _ in u.extra):
        return None
    name = f"{u.ref}.{u.attribute}"
    return name if u.reason.startswith(f"{name} is known only ") else None


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


# --------------------------------------------------------------------------------------
# Sensitive marks
# --------------------------------------------------------------------------------------


def is_marked(value: Any) -> bool:
    """True for a string carrying the sensitive mark."""
    return isinstance(value, TfStr) and value.sensitive


def mark(value: Any) -> Any:
    """``value`` wholly sensitive: every string in it (keys too) marked; numbers, bools, nulls and
    unknowns as they are (they cannot carry the mark)."""
    if isinstance(value, str):
        if is_marked(value):
            return value
        if isinstance(value, TfStr):
            return TfStr(str(value), value.origin, encoded_from=value.encoded_from, from_file=value.from_file,
                         sensitive=True)
        return TfStr(value, sensitive=True)
    if isinstance(value, TfSet):
        return TfSet(mark(v) for v in value)
    if isinstance(value, list):
        items = [mark(v) for v in value]
        if type(value) is list:
            return items
        copied_list = copy.copy(value)  # a list that knows where it was written keeps its origin
        copied_list[:] = items
        return copied_list
    if isinstance(value, dict):
        pairs = {mark(k): mark(v) for k, v in value.items()}
        if type(value) is dict:
            return pairs
        copied_dict = copy.copy(value)
        copied_dict.clear()
        copied_dict.update(pairs)
        return copied_dict
    return value


def unmark(value: Any) -> Any:
    """``value`` with every mark removed (Terraform's ``nonsensitive``)."""
    if isinstance(value, str):
        if is_marked(value):
            assert isinstance(value, TfStr)
            return TfStr(str(value), value.origin, encoded_from=unmark(value.encoded_from), from_file=value.from_file)
        return value
    if isinstance(value, TfSet):
        return TfSet(unmark(v) for v in value)
    if isinstance(value, list):
        return [unmark(v) for v in value]
    if isinstance(value, dict):
        return {unmark(k): unmark(v) for k, v in value.items()}
    return value


def has_marks(value: Any) -> bool:
    """True when anything inside ``value`` (a string, a key, an element at any depth) is marked."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if is_marked(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return False


def wholly_marked(value: Any) -> bool:
    """True when ``value`` itself is sensitive, as Terraform marks a value (not only some of its
    elements): a marked string, or a non-empty collection whose every key and string is marked
    (what :func:`mark` makes of a sensitive collection)."""
    if isinstance(value, str):
        return is_marked(value)
    if isinstance(value, dict):
        return bool(value) and all(is_marked(k) for k in value) and all(
            wholly_marked(v) or not _can_carry(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_can_carry(v) for v in value) and all(wholly_marked(v) or not _can_carry(v) for v in value)
    return False


def _can_carry(value: Any) -> bool:
    return isinstance(value, (str, dict, list, tuple)) and (not isinstance(value, (dict, list, tuple)) or bool(value))


def marked_strings(value: Any) -> set[str]:
    """The marked strings (values and keys) anywhere inside ``value``, also inside the structure a
    ``jsonencode`` result was encoded from."""
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if is_marked(v):
                out.add(str(v))
            if isinstance(v, TfStr) and v.encoded_from is not None:
                stack.append(v.encoded_from)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, Unknown):
            stack.extend(x for _, x in v.extra)
    return out


# Reading values as JSON (the policy builders of the Terraform, plan and CloudFormation front ends).


def text_origin(text: str) -> tuple[str, int] | None:
    """File and line offset of line 1 of a policy string: its file for ``file()`` /
    ``templatefile()``, else the line where the string (or heredoc) starts."""
    if isinstance(text, TfStr):
        if text.from_file:
            return text.from_file, 0
        if text.origin is not None:
            return text.origin.file, text.origin.line - 1
    return None


def plain(value: Any, placeholder: Callable[[Unknown], str] | None = None) -> Any:
    """The structure as plain JSON values (Unknowns as placeholders)."""
    if isinstance(value, Unknown):
        return placeholder(value) if placeholder else f"${{unknown: {value.reason}}}"
    if isinstance(value, dict):
        return {str(k): plain(v, placeholder) for k, v in value.items()}
    if isinstance(value, (list, TfSet, tuple)):
        return [plain(v, placeholder) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
