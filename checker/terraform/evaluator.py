"""The Terraform expression evaluator: walks python-hcl2's Lark tree, never ``eval``.

Values follow :mod:`checker.terraform.values`. References are resolved through a
:class:`Scope`: the module gives it a ``root`` callback that maps the first name of a
reference (``var``, ``local``, ``aws_iam_role``, ``data``, ``module``, ``path`` ...) to a
value or to a :class:`RefValue` (a lazy namespace such as ``var`` or a resource instance whose
attributes are looked up one by one). Whatever cannot be known becomes an
:class:`~checker.terraform.values.Unknown`; whatever Terraform rejects raises
:class:`~checker.terraform.errors.TerraformError` with the origin of the failing expression.

Sensitive marks propagate as Terraform propagates them (see :mod:`checker.terraform.values`): a
template interpolating a marked value, a conditional or 'for' expression deciding on one, an index
by one and a function given one (except those that pass elements through, which keep the marks of
each element) give a marked result. Numbers and bools cannot carry a mark: the evaluator counts
when an operation consumes a marked value into one, and the conditional, template or 'for' around
it marks what it selects or renders.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from checker.terraform import parser as tfparser
from checker.terraform.errors import LimitError, TerraformError
from checker.terraform.functions_types import (
    TfConversionError,
    decimal_to_number,
    exact_number,
    number_of,
)
from checker.terraform.functions_types import (
    round_exact as _round_exact,
)
from checker.terraform.limits import (
    MAX_COLLECTION,
    Budget,
    LimitExceeded,
    check_collection,
    check_file,
    check_number,
    joined_length,
)
from checker.terraform.syntax import Token, Tree
from checker.terraform.values import (
    Origin,
    TfNumber,
    TfSet,
    TfStr,
    Unknown,
    direct_reference,
    first_unknown,
    has_marks,
    is_marked,
    mark,
    wholly_marked,
)

MAX_DEPTH = 120
"""Deepest nesting of expressions evaluated (parentheses, collections, calls, templates)."""
MAX_FOR_ELEMENTS = 10_000
"""Largest collection a ``for`` expression, template ``%{ for }`` or ``dynamic`` block iterates over.
No IAM policy that large is accepted by AWS (10,240 characters for an inline role policy, 32 KB
for a KMS key policy); beyond it the value is not evaluated (an error, so the gate fails closed)
and a run stays within seconds and megabytes."""
MAX_STEPS = 1_000_000
"""Expression nodes one evaluator (one module) evaluates before it stops with an error: a bound on
time and memory whatever the expressions (a real module takes a few thousand)."""


class FunctionContext(Protocol):
    """What built-in functions need from the module being evaluated."""

    base_dir: Path
    scan_root: Path
    allow_outside: bool

    def note_outside(self, path: Path) -> None: ...


class RefValue:
    """A value that is looked up lazily, attribute by attribute (``var``, a resource...).

    ``get_attr`` returns the attribute (or raises TerraformError); ``materialize`` gives the
    value to use when the whole object is used as a value.
    """

    def get_attr(self, name: str, origin: Origin) -> Any:
        raise NotImplementedError

    def get_index(self, key: Any, origin: Origin) -> Any:
        return _index_value(self.materialize(origin), key, origin)

    def materialize(self, origin: Origin) -> Any:
        raise NotImplementedError


class Namespace(RefValue):
    """A reference namespace such as ``var``, ``local`` or ``path``: it is no value itself."""

    def __init__(self, name: str, lookup: Callable[[str, Origin], Any]) -> None:
        self.name = name
        self.lookup = lookup

    def get_attr(self, name: str, origin: Origin) -> Any:
        return self.lookup(name, origin)

    def materialize(self, origin: Origin) -> Any:
        raise TerraformError(
            f'Invalid reference: "{self.name}" cannot be used as a value; use "{self.name}.<name>"', origin
        )


@dataclass
class Scope:
    """What an expression can see.

    ``root`` resolves the first name of a reference; it raises TerraformError for names it
    does not know. ``functions`` is None where Terraform allows no function calls (tfvars).
    ``bindings`` are the names of ``for`` expressions and template variables.
    """

    file: str
    root: Callable[[str, Origin], Any]
    functions: FunctionContext | None = None
    bindings: dict[str, Any] = field(default_factory=dict)

    def child(self, names: Mapping[str, Any]) -> Scope:
        return Scope(self.file, self.root, self.functions, {**self.bindings, **names})


def no_references(name: str, origin: Origin) -> Any:
    """The ``root`` of a scope where only constant expressions are allowed (tfvars files)."""
    raise TerraformError(f'Variables not allowed: "{name}" cannot be referenced here', origin)


def _call_builtin(ctx: FunctionContext, name: str, args: list[Any], origin: Origin) -> Any:
    from checker.terraform.functions import TfFunctionError, call_function

    try:
        return call_function(ctx, name, args, origin)
    except TfFunctionError as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise TerraformError(f"Error in function call {name}(): {message}", origin) from None


# --------------------------------------------------------------------------------------
# Conversions shared with the loader
# --------------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, TfSet):
        return "set"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, Unknown):
        return "unknown"
    return "reference"


def normalize_number(value: int | float) -> int | float:
    """Terraform numbers: a whole finite value is an int."""
    if isinstance(value, TfNumber):
        return number_of(value.exact)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _negative(value: int | float) -> bool:
    """The sign bit of a number (Terraform's big floats have a negative zero)."""
    return math.copysign(1.0, value) < 0 if isinstance(value, float) else value < 0


def _zero_signed(value: int | float, negative: bool) -> int | float:
    """A zero result with the sign IEEE arithmetic gives it (``-2.25 * 0`` is ``-0``)."""
    if value == 0 and negative:
        return -0.0
    return value


def _exact(value: int | float) -> Fraction | None:
    """The exact value Terraform holds for a finite number; None for an infinity."""
    if isinstance(value, float) and not isinstance(value, TfNumber) and not math.isfinite(value):
        return None
    return exact_number(value)


def format_number(value: int | float) -> str:
    """A number as Terraform prints it in a string."""
    if isinstance(value, bool):  # pragma: no cover - callers check
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    from checker.terraform.functions_types import format_number as ft_format_number

    return ft_format_number(value)


def to_string(value: Any, origin: Origin, what: str = "value") -> Any:
    """Terraform's conversion to string (for templates and ``string`` types)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return TfStr("true" if value else "false", origin)
    if isinstance(value, (int, float)):
        return TfStr(format_number(value), origin)
    if value is None:
        raise TerraformError(f"Invalid template interpolation value: the {what} is null", origin)
    raise TerraformError(
        f"Invalid template interpolation value: cannot include a {type_name(value)} in a string", origin
    )


def parse_number(text: str, origin: Origin) -> int | float:
    """A number literal or a string converted to a number."""
    s = text.strip()
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise TerraformError(f'a number is required, got the string "{text}"', origin) from None
    if not d.is_finite() or s.lower() in ("inf", "infinity", "nan", "+inf", "-inf"):
        raise TerraformError(f'a number is required, got the string "{text}"', origin)
    try:
        return decimal_to_number(d)
    except TfConversionError as exc:
        raise TerraformError(f"{exc}: {text}", origin) from None


def values_equal(a: Any, b: Any) -> Any:
    """Terraform's ``==``: values of different types are different; unknown if not known."""
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        ea, eb = _exact(a), _exact(b)
        return a == b if ea is None or eb is None else ea == eb
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, (list, tuple, dict)) and isinstance(b, (list, tuple, dict)):
        same = _same_elements(a, b)
        if same is not True:
            return same  # different elements: different values whatever their types
        if isinstance(a, TfSet) and isinstance(b, TfSet) and len(a) > 0 and all(
            isinstance(v, (str, int, float)) for v in a
        ):
            return True  # two sets of the same primitive elements: the same type
        # Terraform compares collections by type first: a list(string) variable is not equal to the
        # tuple ["a"] (nor to []), an object not to a map with the same elements. Values here do not
        # carry those types.
        return Unknown(
            "comparing two collections with the same elements: Terraform's answer depends on their exact "
            "types (list or tuple, map or object), which the gate does not track"
        )
    return False


def _same_elements(a: Any, b: Any) -> Any:
    """True when two collections hold equal elements (compared as ``==`` does), False when not;
    an Unknown when that is not known."""
    if isinstance(a, dict) != isinstance(b, dict) or isinstance(a, TfSet) != isinstance(b, TfSet):
        return False
    result: Any = True
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        pairs = [(a[k], b[k]) for k in a]
    else:
        if len(a) != len(b):
            return False
        pairs = list(zip(a, b, strict=False))
    for x, y in pairs:
        eq = values_equal(x, y)
        if eq is False:
            return False
        if isinstance(eq, Unknown):
            result = eq
    return result


def _index_value(coll: Any, key: Any, origin: Origin) -> Any:
    if isinstance(coll, Unknown):
        return coll
    if isinstance(key, Unknown):
        return Unknown(f"the index is not known: {key.reason}", origin, key.ref, key.attribute)
    if isinstance(coll, RefValue):
        return coll.get_index(key, origin)
    if coll is None:
        raise TerraformError("Attempt to index null value: this value is null, so it has no elements", origin)
    if isinstance(coll, dict):
        if isinstance(key, (bool, int, float)):
            key = to_string(key, origin)
        if not isinstance(key, str):
            raise TerraformError(f"Invalid index: a {type_name(key)} cannot be a map key", origin)
        if key not in coll:
            raise TerraformError(f'Invalid index: the given key "{key}" does not exist', origin)
        return coll[key]
    if isinstance(coll, TfSet):
        raise TerraformError(
            "Invalid index: elements of a set are identified only by their value and don't have any separate "
            "index or key to select with, so it's only possible to perform operations across all elements of the set",
            origin,
        )
    if isinstance(coll, list):
        if isinstance(key, str):
            key = parse_number(key, origin)
        if isinstance(key, bool) or not isinstance(key, (int, float)):
            raise TerraformError(f"Invalid index: a number is required, got {type_name(key)}", origin)
        if isinstance(key, float) and not key.is_integer():
            raise TerraformError("Invalid index: the index must be a whole number", origin)
        i = int(key)
        if i < 0 or i >= len(coll):
            raise TerraformError(f"Invalid index: the given index {i} is out of range ({len(coll)} elements)", origin)
        return coll[i]
    raise TerraformError(f"Invalid index: a {type_name(coll)} value cannot be indexed", origin)


def _get_attr_value(obj: Any, name: str, origin: Origin) -> Any:
    if isinstance(obj, RefValue):
        return obj.get_attr(name, origin)
    if isinstance(obj, Unknown):
        return obj
    if obj is None:
        raise TerraformError(
            "Attempt to get attribute from null value: this value is null, so it does not have any attributes",
            origin,
        )
    if isinstance(obj, dict):
        if name not in obj:
            raise TerraformError(f'Unsupported attribute: this object does not have an attribute named "{name}"', origin)
        return obj[name]
    if isinstance(obj, list) and not isinstance(obj, TfSet) and name.isdigit():
        return _index_value(obj, int(name), origin)
    raise TerraformError(f"Unsupported attribute: a {type_name(obj)} value does not have attributes", origin)


def materialize(value: Any, origin: Origin) -> Any:
    """Replace lazy references inside ``value`` by their values (or Unknowns)."""
    if isinstance(value, RefValue):
        return materialize(value.materialize(origin), origin)
    if isinstance(value, list) and not isinstance(value, TfSet):
        if any(isinstance(v, (RefValue, list, dict)) for v in value):
            return [materialize(v, origin) for v in value]
        return value
    if isinstance(value, TfSet):
        if any(isinstance(v, (RefValue, list, dict)) for v in value):
            return TfSet(materialize(v, origin) for v in value)
        return value
    if isinstance(value, dict):
        if any(isinstance(v, (RefValue, list, dict)) for v in value.values()):
            return {k: materialize(v, origin) for k, v in value.items()}
        return value
    return value


def _iterate(coll: Any, origin: Origin) -> Iterator[tuple[Any, Any]]:
    """(key, value) pairs in Terraform's order; maps and objects by sorted key."""
    if isinstance(coll, (dict, TfSet, list)) and len(coll) > MAX_FOR_ELEMENTS:
        raise LimitError(
            f"a 'for' over {len(coll):,} elements: more than the {MAX_FOR_ELEMENTS:,} the analyzer evaluates "
            "(no IAM policy built from it would fit AWS's size limits); the value is not known",
            origin,
        )
    if isinstance(coll, dict):
        for k in sorted(coll):
            yield (k if is_marked(k) else TfStr(k, getattr(k, "origin", None) or origin)), coll[k]
    elif isinstance(coll, TfSet):
        for v in coll:
            yield v, v
    elif isinstance(coll, list):
        for i, v in enumerate(coll):
            yield i, v
    elif coll is None:
        raise TerraformError("Iteration over null value: a null value cannot be used as the collection in a 'for' expression", origin)
    else:
        raise TerraformError(
            f"Iteration over non-iterable value: a value of type {type_name(coll)} cannot be used as the "
            "collection in a 'for' expression",
            origin,
        )


class UncertainError(TerraformError):
    """An error Terraform may or may not report (it depends on types the gate does not track): the
    expression is rejected, and ``can()``/``try()`` around it are not known."""


def unify(values: list[Any], origin: Origin) -> list[Any]:
    """Terraform's unification of a conditional's results: both converted to one type (cty's
    ``UnifyUnsafe``: ``true ? 1 : "a"`` is ``"1"``, ``true ? ["a", "b"] : []`` a list); a
    TerraformError when there is none (``true ? 1 : true``)."""
    from checker.terraform import functions_types as ft

    # (an unknown inside a value counts as of any type)
    known = [v for v in values if v is not None and not isinstance(v, Unknown)]
    if len(known) < 2:
        return values
    types = [ft.type_of(v) for v in known]
    if all(t == types[0] for t in types):
        return values
    target = ft.unify(types)
    if target is None:
        # Terraform unifies the static types of the two expressions: a function whose result type is
        # dynamic (jsondecode, flatten) unifies with anything, and the element types of a typed variable
        # are not all known here either. An error, that can() and try() do not turn into an answer.
        raise UncertainError(
            "Inconsistent conditional result types: the true and false result expressions must have "
            f"consistent types ({ft.type_name(types[0])} and {ft.type_name(types[1])})",
            origin,
        )
    try:
        return [v if v is None or isinstance(v, Unknown) else ft.convert(v, target) for v in values]
    except ft.TfConversionError as exc:
        raise TerraformError(f"Inconsistent conditional result types: {exc}", origin) from None


# --------------------------------------------------------------------------------------
# The evaluator
# --------------------------------------------------------------------------------------

_COMPARE = {"<", ">", "<=", ">="}
# Stands in a template's text for an unknown part that is not a plain reference (see Evaluator._tmpl).
_NOT_A_REFERENCE = "\x00"
_TEMPLATE_TEXT_MAX = 2048
_ARITH = {"+", "-", "*", "/", "%"}

# Functions whose result keeps the marks of the elements it passes through (Terraform lets them see
# marked arguments: ``concat([sensitive("a")], ["b"])`` is ``[(sensitive), "b"]``); the result is
# wholly sensitive only when an argument is. Every other function's result is wholly sensitive when
# anything in its arguments is (``jsonencode({a = sensitive("x")})``). Recorded against terraform
# in tests/test_sensitive_values.py.
_KEEPS_ELEMENT_MARKS = frozenset({
    "concat", "element", "flatten", "keys", "length", "lookup", "merge", "reverse", "setproduct", "slice",
    "tolist", "tomap", "values", "zipmap",
})
# Functions that handle marks themselves.
_MARK_FUNCTIONS = frozenset({"sensitive", "nonsensitive", "issensitive", "core::sensitive", "core::nonsensitive",
                             "core::issensitive"})


class Evaluator:
    """Evaluates Lark expression trees in a :class:`Scope`."""

    def __init__(self) -> None:
        self._depth = 0
        self._steps = 0
        # How often a sensitive value was consumed by an operation whose result cannot carry the
        # mark (a comparison, arithmetic, a bool): a conditional, template or 'for' condition that
        # consumed one while it was evaluated is sensitive as a whole.
        self._consumed = 0
        # The strings and collections this module's templates and functions build (limits.py).
        self._budget = Budget()

    def _marked(self, value: Any) -> Any:
        """``value`` made wholly sensitive; counted as consumed when it cannot carry the mark."""
        marked = mark(value)
        if not has_marks(marked):
            self._consumed += 1
        return marked

    # -- entry points -------------------------------------------------------------------

    def evaluate(self, node: Any, scope: Scope) -> Any:
        """The value of ``node``; lazy references inside it are materialized."""
        value = self._eval(node, scope)
        return materialize(value, self._origin(node, scope))

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _origin(node: Any, scope: Scope) -> Origin:
        if type(node) is Tree:
            if node.empty:
                return Origin(scope.file, 1)
            # Origins are immutable: one per node (and file) is enough
            cached = getattr(node, "cp_origin", None)
            if cached is not None and cached.file == scope.file:
                return cached  # type: ignore[no-any-return]
            origin = Origin(scope.file, node.line, getattr(node, "end_line", None))
            node.cp_origin = origin
            return origin
        if isinstance(node, Token):
            return Origin(scope.file, node.line or 1, node.end_line)
        meta = getattr(node, "meta", None)
        if meta is not None and not getattr(meta, "empty", True):
            return Origin(scope.file, meta.line, getattr(meta, "end_line", None))
        return Origin(scope.file, 1)

    def _eval(self, node: Any, scope: Scope) -> Any:
        self._depth += 1
        self._steps += 1
        unwrapped = 0
        try:
            if self._steps > MAX_STEPS or self._depth > MAX_DEPTH:
                raise self._limit_error(node, scope)
            if type(node) is Tree:
                data = node.data
                # ``expr_term`` around one expression (most of them) is that expression, one level
                # deeper: unwrapped here, counted as the call of _eval that _expr_term would make
                while data == "expr_term":
                    children = node.children
                    if len(children) != 1:
                        break
                    child = children[0]
                    if type(child) is not Tree or child.data == "new_line_or_comment":
                        break
                    node = child
                    data = child.data
                    unwrapped += 1
                    self._depth += 1
                    self._steps += 1
                    if self._steps > MAX_STEPS or self._depth > MAX_DEPTH:
                        raise self._limit_error(node, scope)
                method = _DISPATCH.get(data)
                if method is None:
                    raise TerraformError(f"unsupported expression ({data})", self._origin(node, scope))
                return method(self, node, scope)
            if isinstance(node, Token):
                return self._token(node, scope)
            raise TerraformError(f"unsupported expression node {type(node).__name__}", Origin(scope.file, 1))
        except RecursionError:
            raise LimitError(
                "expression is nested too deeply to evaluate; simplify it", self._origin(node, scope)
            ) from None
        except LimitExceeded as exc:  # a value too large to build: not known, the gate fails closed
            return Unknown(exc.message, self._origin(node, scope))
        finally:
            self._depth -= 1 + unwrapped

    def _limit_error(self, node: Any, scope: Scope) -> TerraformError:
        """The error for the step or depth limit (whichever is passed; steps first)."""
        if self._steps > MAX_STEPS:
            return LimitError(
                f"evaluation stopped: this module's expressions take more than {MAX_STEPS:,} steps to "
                "evaluate (a 'for' over a huge collection?); the values are not known",
                self._origin(node, scope),
            )
        return LimitError(
            f"expression is nested too deeply (more than {MAX_DEPTH} levels); simplify it",
            self._origin(node, scope),
        )

    def _token(self, tok: Token, scope: Scope) -> Any:
        raise TerraformError(f"unexpected token {tok!s}", self._origin(tok, scope))

    # -- literals -----------------------------------------------------------------------

    def _expr_term(self, node: Tree, scope: Scope) -> Any:
        children = node.children
        if len(children) == 1:
            child = children[0]
            if isinstance(child, Tree) and child.data != "new_line_or_comment":
                return self._eval(child, scope)
        inner = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        if len(inner) != 1:
            tokens = [c for c in node.children if isinstance(c, Token)]
            if len(inner) == 0 and tokens:
                return self._token(tokens[0], scope)
            raise TerraformError("unsupported expression", self._origin(node, scope))
        return self._eval(inner[0], scope)

    def _int_lit(self, node: Tree, scope: Scope) -> Any:
        return int(str(node.children[0]))

    def _float_lit(self, node: Tree, scope: Scope) -> Any:
        return parse_number(str(node.children[0]), self._origin(node, scope))

    def _literal_value(self, node: Tree, scope: Scope) -> Any:
        text = str(node.children[0])
        return {"true": True, "false": False, "null": None}[text]

    def _identifier(self, node: Tree, scope: Scope) -> Any:
        name = str(node.children[0])
        if name in scope.bindings:
            return scope.bindings[name]
        return scope.root(name, self._origin(node, scope))

    def _keyword(self, node: Tree, scope: Scope) -> Any:
        return self._identifier(node, scope)

    # -- templates ----------------------------------------------------------------------

    def _string(self, node: Tree, scope: Scope) -> Any:
        tmpl: Tree | None = getattr(node.meta, "cp_template", None)
        if tmpl is None:
            line = self._origin(node, scope).line
            tmpl = tfparser.string_template(node, scope.file, line)
            node.meta.cp_template = tmpl  # parsed once per node
        return self._eval(tmpl, scope)

    def _template_string(self, node: Tree, scope: Scope) -> Any:
        raw = str(node.children[0])
        inner = raw[2:-2] if raw.startswith('\\"') and raw.endswith('\\"') else raw
        origin = self._origin(node, scope)
        return TfStr(tfparser.unescape(inner, origin), origin)

    def _heredoc(self, node: Tree, scope: Scope) -> Any:
        tmpl: Tree | None = getattr(node.meta, "cp_template", None)
        if tmpl is None:
            tmpl = tfparser.heredoc_template(node.children[0], scope.file)
            node.meta.cp_template = tmpl
        return self._eval(tmpl, scope)

    def _tmpl(self, node: Tree, scope: Scope) -> Any:
        origin = self._origin(node, scope)
        parts = node.children
        # a template that is a single interpolation gives the value itself
        if len(parts) == 1 and isinstance(parts[0], Tree) and parts[0].data == "tmpl_interp":
            value = self._eval(parts[0].children[0], scope)
            if isinstance(value, str) and not isinstance(value, TfStr):
                return TfStr(value, origin)
            return value
        if len(parts) == 1 and isinstance(parts[0], Token):  # plain text
            return TfStr(str(parts[0]), origin)
        out: list[str] = []
        consumed = self._consumed
        unknown = self._render(parts, scope, out)
        if unknown is not None:
            # The template as written, each unknown reference as ${address.attribute}, when every
            # unknown part is a reference (later stages read e.g. the account of a principal ARN).
            # Kept short: the ARNs and ids it is read for are; a long text is not built at all.
            keep = sum(len(x) for x in out) <= _TEMPLATE_TEXT_MAX
            text = "".join(out) if keep else _NOT_A_REFERENCE
            extra = (("template", text),) if _NOT_A_REFERENCE not in text else ()
            return Unknown(unknown.reason, unknown.origin or origin, unknown.ref, unknown.attribute, extra)
        self._budget.spend(joined_length(out, what="template result"))
        # a template that interpolates a sensitive value, or decides on one, is sensitive
        return TfStr("".join(out), origin, sensitive=self._consumed != consumed)

    def _render(self, parts: list[Any], scope: Scope, out: list[str]) -> Unknown | None:
        """Append the rendering of template parts to ``out``; the first Unknown met, if any."""
        unknown: Unknown | None = None
        for part in parts:
            if isinstance(part, Token):
                out.append(str(part))
                continue
            kind = part.data
            origin = self._origin(part, scope)
            if kind == "tmpl_interp":
                value = materialize(self._eval(part.children[0], scope), origin)
                if has_marks(value):
                    self._consumed += 1
                s = to_string(value, origin)
                if isinstance(s, Unknown):
                    unknown = unknown or s
                    ref = direct_reference(s)
                    out.append(_NOT_A_REFERENCE if ref is None else "${" + ref + "}")
                else:
                    out.append(str(s))
            elif kind == "tmpl_if":
                cond = self._bool(self._eval(part.children[0], scope), origin, "condition")
                if isinstance(cond, Unknown):
                    unknown = unknown or cond
                    out.append(_NOT_A_REFERENCE)
                    continue
                branch = part.children[1] if cond else part.children[2]
                unknown = self._render(branch.children, scope, out) or unknown
            elif kind == "tmpl_for":
                key_name, value_name, coll_node, body = part.children
                coll = materialize(self._eval(coll_node, scope), origin)
                if isinstance(coll, Unknown):
                    unknown = unknown or coll
                    out.append(_NOT_A_REFERENCE)
                    continue
                if wholly_marked(coll):
                    self._consumed += 1
                for k, v in _iterate(coll, origin):
                    names = {value_name: v}
                    if key_name is not None:
                        names[key_name] = k
                    unknown = self._render(body.children, scope.child(names), out) or unknown
                    if len(out) > MAX_COLLECTION:
                        check_collection(len(out), "template of parts")
            else:  # pragma: no cover
                raise TerraformError(f"unsupported template part {kind}", origin)
        return unknown

    # -- collections ----------------------------------------------------------------------

    def _tuple(self, node: Tree, scope: Scope) -> Any:
        result = [
            self._eval(c, scope)
            for c in node.children
            if isinstance(c, Tree) and c.data != "new_line_or_comment"
        ]
        self._budget.built(result)
        return result

    def _object(self, node: Tree, scope: Scope) -> Any:
        result: dict[str, Any] = {}
        unknown_key: Unknown | None = None
        marked_key = False
        for elem in node.children:
            if not isinstance(elem, Tree) or elem.data != "object_elem":
                continue
            key_node = elem.children[0]
            value_node = elem.children[-1]
            origin = self._origin(elem, scope)
            key = self._object_key(key_node, scope, origin)
            value = self._eval(value_node, scope)
            if isinstance(key, Unknown):
                unknown_key = unknown_key or key
                continue
            marked_key = marked_key or is_marked(key)
            result[key] = value
        if unknown_key is not None:
            return Unknown(f"an object key is not known: {unknown_key.reason}", unknown_key.origin,
                           unknown_key.ref, unknown_key.attribute)
        self._budget.built(result)
        return self._marked(result) if marked_key else result

    def _object_key(self, key_node: Tree, scope: Scope, origin: Origin) -> Any:
        inner = key_node.children[0]
        # a bare identifier key is the name itself: {name = 1}
        if isinstance(inner, Tree) and inner.data == "keyword":
            return TfStr(str(inner.children[0]), origin)
        if isinstance(inner, Tree) and inner.data == "expr_term":
            sub = [c for c in inner.children if isinstance(c, Tree)]
            parenthesized = any(isinstance(c, Token) and c.type == "LPAR" for c in inner.children)
            if len(sub) == 1 and not parenthesized:
                if sub[0].data == "identifier":
                    return TfStr(str(sub[0].children[0]), origin)
                if sub[0].data == "literal_value":
                    return TfStr(str(sub[0].children[0]), origin)
        key = materialize(self._eval(inner, scope), origin)
        if isinstance(key, Unknown):
            return key
        if key is None:
            raise TerraformError("Invalid object key: the key must not be null", origin)
        if isinstance(key, (bool, int, float, str)):
            return to_string(key, origin)
        raise TerraformError(f"Invalid object key: a {type_name(key)} cannot be an object key", origin)

    # -- operators -------------------------------------------------------------------------

    @staticmethod
    def _op_text(node: Tree) -> str:
        tok = node.children[0]
        return str(tok).strip()

    def _binary_op(self, node: Tree, scope: Scope) -> Any:
        # left-associative chains are folded iteratively: a + b + c + ... never recurses
        terms: list[Tree] = []
        cur: Any = node
        while isinstance(cur, Tree) and cur.data == "binary_op":
            terms.append(cur.children[1])
            cur = cur.children[0]
        value = self._eval(cur, scope)
        for term in reversed(terms):
            op_node = term.children[0]
            rhs_node = next(c for c in term.children[1:] if isinstance(c, Tree) and c.data != "new_line_or_comment")
            rhs = self._eval(rhs_node, scope)
            value = self._apply_binary(self._op_text(op_node), value, rhs, self._origin(term, scope))
        return value

    def _apply_binary(self, op: str, lhs: Any, rhs: Any, origin: Origin) -> Any:
        lhs = materialize(lhs, origin)
        rhs = materialize(rhs, origin)
        if has_marks(lhs) or has_marks(rhs):
            self._consumed += 1  # a bool or number: it cannot carry the mark
        if op in ("==", "!="):
            eq = values_equal(lhs, rhs)
            if isinstance(eq, Unknown):
                return Unknown(eq.reason, eq.origin or origin, eq.ref, eq.attribute)
            return eq if op == "==" else not eq
        if op in ("&&", "||"):
            a = self._bool(lhs, origin, f"left operand of {op}")
            b = self._bool(rhs, origin, f"right operand of {op}")
            # no short circuit: Terraform converts both operands, and an unknown operand (of a type
            # not known either) makes the result unknown
            if isinstance(a, Unknown):
                return a
            if isinstance(b, Unknown):
                return b
            return (a or b) if op == "||" else (a and b)
        # arithmetic and comparison need numbers
        x = self._number(lhs, origin, op)
        y = self._number(rhs, origin, op)
        if isinstance(x, Unknown):
            return x
        if isinstance(y, Unknown):
            return y
        ex, ey = _exact(x), _exact(y)
        if ex is None or ey is None:  # an infinity
            return self._infinite(op, x, y, origin)
        if op in _COMPARE:
            return {"<": ex < ey, ">": ex > ey, "<=": ex <= ey, ">=": ex >= ey}[op]
        nx, ny = _negative(x), _negative(y)
        if op == "+":
            return _zero_signed(number_of(ex + ey), nx and ny)
        if op == "-":
            return _zero_signed(number_of(ex - ey), nx and not ny)
        if op == "*":
            check_number(ex.numerator, ey.numerator)
            check_number(ex.denominator, ey.denominator)
            return _zero_signed(number_of(ex * ey), nx != ny)
        if op == "/":
            if ey == 0:
                if ex == 0:
                    raise TerraformError("Arithmetic error: division of zero by zero", origin)
                return math.inf if (ex > 0) != ny else -math.inf
            return _zero_signed(number_of(ex / ey), nx != ny)
        if op == "%":
            if ey == 0:  # cty: x % 0 is x
                return x
            # cty: x - y * trunc(x / y), each step rounded to 512 bits
            ratio = _round_exact(ex / ey)
            whole = Fraction(math.trunc(ratio))
            return number_of(ex - _round_exact(ey * whole))
        raise TerraformError(f"unsupported operator {op}", origin)  # pragma: no cover

    @staticmethod
    def _infinite(op: str, x: Any, y: Any, origin: Origin) -> Any:
        """Arithmetic with an infinity (from a division by zero): comparisons only."""
        if op in _COMPARE:
            return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
        return Unknown(f"arithmetic on an infinite number ({op})", origin)

    def _number(self, value: Any, origin: Origin, op: str) -> Any:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, bool) or value is None:
            raise TerraformError(
                f"Invalid operand: unsuitable value for the {op} operator: a number is required, got {type_name(value)}",
                origin,
            )
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            try:
                return parse_number(value, origin)
            except TerraformError:
                raise TerraformError(
                    f'Invalid operand: unsuitable value for the {op} operator: a number is required, got the string "{value}"',
                    origin,
                ) from None
        raise TerraformError(
            f"Invalid operand: unsuitable value for the {op} operator: a number is required, got {type_name(value)}",
            origin,
        )

    def _bool(self, value: Any, origin: Origin, what: str) -> Any:
        if isinstance(value, RefValue):
            value = materialize(value, origin)
        if is_marked(value):
            self._consumed += 1
        if isinstance(value, (bool, Unknown)):
            return value
        if isinstance(value, str) and str(value) in ("true", "false"):
            return str(value) == "true"
        if value is None:
            raise TerraformError(f"Invalid {what}: the value is null; a bool is required", origin)
        raise TerraformError(f"Invalid {what}: a bool is required, got {type_name(value)}", origin)

    def _unary_op(self, node: Tree, scope: Scope) -> Any:
        op = str(node.children[0]).strip()
        origin = self._origin(node, scope)
        value = materialize(self._eval(node.children[1], scope), origin)
        if is_marked(value):
            self._consumed += 1
        if op == "!":
            b = self._bool(value, origin, "operand of !")
            return b if isinstance(b, Unknown) else not b
        x = self._number(value, origin, "-")
        if isinstance(x, Unknown):
            return x
        ex = _exact(x)
        return -x if ex is None else _zero_signed(number_of(-ex), not _negative(x))

    def _conditional(self, node: Tree, scope: Scope) -> Any:
        exprs = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        cond_node, then_node, else_node = exprs
        origin = self._origin(node, scope)
        consumed = self._consumed
        cond = self._bool(materialize(self._eval(cond_node, scope), origin), origin, "condition")
        if isinstance(cond, Unknown):
            return Unknown(f"the condition is not known: {cond.reason}", cond.origin or origin, cond.ref, cond.attribute)
        sensitive_cond = self._consumed != consumed
        then = self._branch(then_node, scope, origin, selected=bool(cond))
        other = self._branch(else_node, scope, origin, selected=not cond)
        unselected = other if cond else then
        inner = first_unknown(unselected)
        if inner is not None and inner.ref is None:
            # Terraform unifies the types of both results, and this one's type is not known here (an
            # unknown from a reference has the type its resource gives it: trusted)
            return Unknown(f"the other result of a conditional is not known: {inner.reason}",
                           inner.origin or origin)
        then, other = unify([then, other], origin)
        result = then if cond else other
        # as Terraform: sensitive when the condition is, or either result as a whole is
        if sensitive_cond or wholly_marked(then) or wholly_marked(other):
            return self._marked(result)
        return result

    def _branch(self, node: Any, scope: Scope, origin: Origin, *, selected: bool) -> Any:
        """A result of a conditional. An error in the result not selected is one Terraform reports or
        ignores depending on its kind (a function's failure is ignored, an inconsistent type is not):
        rejected, and not known inside can() or try()."""
        try:
            return materialize(self._eval(node, scope), origin)
        except UncertainError:
            raise
        except TerraformError as exc:
            if selected:
                raise
            raise UncertainError(f"{exc.message} (in the result the condition does not select)",
                                 exc.origin or origin) from None

    # -- references, attributes, indexes, splats ---------------------------------------------

    def _postfix(self, node: Tree, scope: Scope) -> Any:
        # collect the chain a.b[0].c ... iteratively, then apply it from the root
        ops: list[Tree] = []
        cur: Any = node
        while isinstance(cur, Tree) and cur.data in _POSTFIX:
            ops.append(cur)
            cur = cur.children[0]
            while isinstance(cur, Tree) and cur.data == "expr_term" and len(cur.children) == 1:
                cur = cur.children[0]
        value = self._eval(cur, scope)
        for op in reversed(ops):
            value = self._apply_postfix(op, value, scope)
        return value

    def _apply_postfix(self, op: Tree, value: Any, scope: Scope) -> Any:
        origin = self._origin(op, scope)
        kind = op.data
        suffix = op.children[1]
        if kind == "get_attr_expr_term":
            return self._get_attr(value, suffix, origin)
        if kind == "index_expr_term":
            return self._index(value, suffix, scope, origin)
        # splats: apply the trailing traversal to every element
        if kind == "attr_splat_expr_term" or kind == "full_splat_expr_term":
            steps = [c for c in suffix.children if isinstance(c, Tree)]
            value = materialize(value, origin) if not isinstance(value, RefValue) else value
            if isinstance(value, RefValue):
                value = value.materialize(origin) if not isinstance(value, Namespace) else value
            if isinstance(value, Unknown):
                return value
            if value is None:
                return []
            if isinstance(value, dict) or not isinstance(value, (list, tuple)):
                elements: list[Any] = [value]
            else:
                elements = list(value)
            results = []
            for el in elements:
                v = el
                for step in steps:
                    if step.data == "get_attr":
                        v = self._get_attr(v, step, origin)
                    else:
                        v = self._index(v, step, scope, origin)
                results.append(v)
            return TfSet(results) if isinstance(value, TfSet) else results
        raise TerraformError(f"unsupported expression ({kind})", origin)  # pragma: no cover

    def _get_attr(self, value: Any, get_attr: Tree, origin: Origin) -> Any:
        name_node = next(c for c in get_attr.children if isinstance(c, Tree))
        name = str(name_node.children[0])
        return _get_attr_value(value, name, origin)

    def _index(self, value: Any, index: Tree, scope: Scope, origin: Origin) -> Any:
        if index.data == "short_index":
            key: Any = int(str(index.children[-1]))
        else:
            key_node = next(c for c in index.children if isinstance(c, Tree) and c.data != "new_line_or_comment")
            key = materialize(self._eval(key_node, scope), origin)
        result = _index_value(value, key, origin)
        if is_marked(key) or wholly_marked(value):
            return self._marked(result)
        return result

    # -- for expressions ------------------------------------------------------------------------

    def _for_parts(self, node: Tree) -> tuple[Tree, list[Tree], Tree | None, bool]:
        intro = None
        cond = None
        exprs: list[Tree] = []
        grouping = False
        for c in node.children:
            if isinstance(c, Tree):
                if c.data == "for_intro":
                    intro = c
                elif c.data == "for_cond":
                    cond = next(x for x in c.children if isinstance(x, Tree) and x.data != "new_line_or_comment")
                elif c.data != "new_line_or_comment":
                    exprs.append(c)
            elif isinstance(c, Token) and c.type == "ELLIPSIS":
                grouping = True
        assert intro is not None
        return intro, exprs, cond, grouping

    def _for_iter(self, intro: Tree, scope: Scope, origin: Origin) -> Any:
        names = [str(c.children[0]) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
        coll_node = next(
            c for c in intro.children if isinstance(c, Tree) and c.data not in ("identifier", "new_line_or_comment")
        )
        coll = materialize(self._eval(coll_node, scope), origin)
        return names, coll

    def _for_scopes(self, intro: Any, cond: Any, scope: Scope, origin: Origin) -> Iterator[Scope | Unknown]:
        """The scope of each element a 'for' expression keeps, in order; an Unknown (and nothing more)
        when the collection or a condition is not known."""
        names, coll = self._for_iter(intro, scope, origin)
        if isinstance(coll, Unknown):
            yield Unknown(f"the collection of a 'for' expression is not known: {coll.reason}", coll.origin or origin,
                          coll.ref, coll.attribute)
            return
        if wholly_marked(coll):
            self._consumed += 1  # the result is sensitive (see _for_tuple_expr)
        if cond is not None and isinstance(coll, (list, tuple, dict)) and not coll:
            # Terraform checks the condition's type even when there is nothing to iterate over
            placeholder = Unknown("an element of an empty collection", origin)
            empty = scope.child({n: placeholder for n in names})
            self._bool(materialize(self._eval(cond, empty), origin), origin, "'for' condition")
        for k, v in _iterate(coll, origin):
            inner = scope.child({names[0]: k, names[1]: v} if len(names) == 2 else {names[0]: v})
            if cond is not None:
                keep = self._bool(materialize(self._eval(cond, inner), origin), origin, "'for' condition")
                if isinstance(keep, Unknown):
                    yield Unknown(f"a 'for' condition is not known: {keep.reason}", keep.origin or origin,
                                  keep.ref, keep.attribute)
                    return
                if not keep:
                    continue
            yield inner

    def _for_tuple_expr(self, node: Tree, scope: Scope) -> Any:
        origin = self._origin(node, scope)
        intro, exprs, cond, _ = self._for_parts(node)
        result: list[Any] = []
        scopes = _Watched(self, self._for_scopes(intro, cond, scope, origin))
        for inner in scopes:
            if isinstance(inner, Unknown):
                return inner
            result.append(self._eval(exprs[0], inner))
        self._budget.built(result)
        # the collection or a condition consumed a sensitive value: the result is sensitive
        return self._marked(result) if scopes.consumed else result

    def _for_object_expr(self, node: Tree, scope: Scope) -> Any:
        origin = self._origin(node, scope)
        intro, exprs, cond, grouping = self._for_parts(node)
        result: dict[str, Any] = {}
        scopes = _Watched(self, self._for_scopes(intro, cond, scope, origin))
        marked_key = False
        for inner in scopes:
            if isinstance(inner, Unknown):
                return inner
            key = materialize(self._eval(exprs[0], inner), origin)
            marked_key = marked_key or is_marked(key)
            if isinstance(key, Unknown):
                return Unknown(f"a key of a 'for' expression is not known: {key.reason}", key.origin or origin,
                               key.ref, key.attribute)
            if key is None:
                raise TerraformError("Invalid object key: the key expression produced a null value", origin)
            skey = to_string(key, origin)
            value = self._eval(exprs[1], inner)
            if grouping:
                result.setdefault(skey, []).append(value)
            else:
                if skey in result:
                    raise TerraformError(
                        f'Duplicate object key: two different items produced the key "{skey}" in this \'for\' '
                        "expression. If duplicates are expected, use the ellipsis (...) after the value "
                        "expression to enable grouping by key.",
                        origin,
                    )
                result[skey] = value
        self._budget.built(result)
        # a sensitive collection, condition or key makes the whole object sensitive
        return self._marked(result) if scopes.consumed or marked_key else result

    # -- function calls ------------------------------------------------------------------------

    def _function_call(self, node: Tree, scope: Scope) -> Any:
        origin = self._origin(node, scope)
        idents = [c for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        name = "::".join(str(i.children[0]) for i in idents)
        args_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        arg_nodes: list[Any] = []
        expand = False
        if args_node is not None:
            for c in args_node.children:
                if isinstance(c, Tree) and c.data != "new_line_or_comment":
                    arg_nodes.append(c)
                elif isinstance(c, Token) and c.type == "ELLIPSIS":
                    expand = True
        if scope.functions is None:
            raise TerraformError(f'Function calls not allowed: {name}() cannot be called here', origin)
        if name == "try":
            return self._try(arg_nodes, scope, origin)
        if name == "can":
            return self._can(arg_nodes, scope, origin)
        consumed = self._consumed
        args = [materialize(self._eval(a, scope), origin) for a in arg_nodes]
        # a sensitive number or bool among the arguments (it cannot carry the mark itself)
        consumed_marks = self._consumed != consumed
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return Unknown(f"the arguments of {name}() are not known: {last.reason}", last.origin or origin,
                               last.ref, last.attribute)
            if not isinstance(last, (list, tuple)):
                raise TerraformError(
                    f"Invalid expanding argument value: the expanding argument (indicated by ...) must be of a "
                    f"tuple, list, or set type, not {type_name(last)}",
                    origin,
                )
            args.extend(last)
        if name == "templatefile":
            if isinstance(scope.functions, _NoTemplateFunctions):
                raise TerraformError(
                    "Error in function call templatefile(): cannot recursively call templatefile from inside "
                    "another template function",
                    origin,
                )
            result = self._templatefile(args, scope, origin)
        else:
            result = _call_builtin(scope.functions, name, args, origin)
        if not isinstance(result, Unknown):
            self._budget.result(result)
        if name in _MARK_FUNCTIONS:
            if name == "sensitive" and not has_marks(result):
                self._consumed += 1  # sensitive(1): the number cannot carry the mark; what uses it is marked
            return result
        if name in _KEEPS_ELEMENT_MARKS:
            sensitive = any(wholly_marked(a) for a in args)
        else:
            sensitive = consumed_marks or any(has_marks(a) for a in args)
        return self._marked(result) if sensitive else result

    def _try(self, arg_nodes: list[Any], scope: Scope, origin: Origin) -> Any:
        if not arg_nodes:
            raise TerraformError("Error in function call try(): at least one argument is required", origin)
        errors: list[str] = []
        for a in arg_nodes:
            try:
                value = materialize(self._eval(a, scope), origin)
            except LimitError:
                raise  # Terraform computes a value here: falling back would judge another one
            except UncertainError as exc:
                return Unknown(f"try() depends on an error Terraform may not report: {exc.message}", origin)
            except TerraformError as exc:
                errors.append(exc.message)
                continue
            unknown = first_unknown(value)
            if unknown is not None:
                return Unknown(f"try() depends on a value that is not known: {unknown.reason}",
                               unknown.origin or origin, unknown.ref, unknown.attribute)
            return value
        raise TerraformError(
            "Error in function call try(): no expression succeeded: " + "; ".join(errors), origin
        )

    def _can(self, arg_nodes: list[Any], scope: Scope, origin: Origin) -> Any:
        if len(arg_nodes) != 1:
            raise TerraformError("Error in function call can(): exactly one argument is required", origin)
        try:
            value = materialize(self._eval(arg_nodes[0], scope), origin)
        except LimitError:
            raise  # Terraform computes a value here: can() would be true
        except UncertainError as exc:
            return Unknown(f"can() depends on an error Terraform may not report: {exc.message}", origin)
        except TerraformError:
            return False
        unknown = first_unknown(value)
        if unknown is not None:
            return Unknown(f"can() depends on a value that is not known: {unknown.reason}",
                           unknown.origin or origin, unknown.ref, unknown.attribute)
        return True

    def _templatefile(self, args: list[Any], scope: Scope, origin: Origin) -> Any:
        assert scope.functions is not None
        if len(args) != 2:
            raise TerraformError("Error in function call templatefile(): two arguments are required (path, vars)", origin)
        path_value, variables = args
        if isinstance(path_value, Unknown):
            return Unknown(f"the template path is not known: {path_value.reason}", path_value.origin or origin,
                           path_value.ref, path_value.attribute)
        if not isinstance(path_value, str):
            raise TerraformError("Error in function call templatefile(): the path must be a string", origin)
        if isinstance(variables, Unknown):
            return Unknown(f"the template variables are not known: {variables.reason}",
                           variables.origin or origin, variables.ref, variables.attribute)
        if not isinstance(variables, dict):
            raise TerraformError(
                "Error in function call templatefile(): invalid vars value: must be a map", origin
            )
        ctx = scope.functions
        path = Path(str(path_value))
        if not path.is_absolute():
            path = ctx.base_dir / path
        resolved = path.resolve()
        root = ctx.scan_root.resolve()
        if not (resolved == root or root in resolved.parents):
            if not ctx.allow_outside:
                raise TerraformError(
                    f"Error in function call templatefile(): {path_value} is outside the scanned directory "
                    f"{ctx.scan_root}; allow it with --allow-outside",
                    origin,
                )
            ctx.note_outside(resolved)
        try:
            if resolved.is_file():
                check_file(resolved.stat().st_size, str(path_value))
            text = resolved.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TerraformError(
                f'Error in function call templatefile(): Invalid template path: no file exists at "{path_value}"'
                if isinstance(exc, FileNotFoundError)
                else f"Error in function call templatefile(): cannot read {path_value}: {exc}",
                origin,
            ) from None
        for k in variables:
            if not str(k).replace("_", "a").replace("-", "a").isalnum() or str(k)[:1].isdigit():
                raise TerraformError(
                    f"Error in function call templatefile(): invalid template variable name \"{k}\"", origin
                )
        tfile = str(path)
        tmpl = tfparser.template_from_text(text, tfile, 1)

        def template_root(name: str, o: Origin) -> Any:
            raise TerraformError(
                f'Invalid reference in template: there is no variable named "{name}" in the vars of templatefile()', o
            )

        tscope = Scope(tfile, template_root, _NoTemplateFunctions(scope.functions), dict(variables))
        value = self.evaluate(tmpl, tscope)
        if isinstance(value, Unknown):
            return value
        s = to_string(value, origin)
        if isinstance(s, Unknown):
            return s
        return TfStr(str(s), s.origin if isinstance(s, TfStr) else Origin(tfile, 1), from_file=tfile)

    # -- .tf.json expressions --------------------------------------------------------------------

    def _json_literal(self, node: Tree, scope: Scope) -> Any:
        return node.children[0]

    def _json_array(self, node: Tree, scope: Scope) -> Any:
        return [self._eval(c, scope) for c in node.children]

    def _json_object(self, node: Tree, scope: Scope) -> Any:
        result: dict[str, Any] = {}
        for pair in node.children:
            key_node, value_node = pair.children
            key = materialize(self._eval(key_node, scope), self._origin(pair, scope))
            if isinstance(key, Unknown):
                return Unknown(f"an object key is not known: {key.reason}", key.origin, key.ref, key.attribute)
            result[to_string(key, self._origin(pair, scope))] = self._eval(value_node, scope)
        return result


class _Watched:
    """The scopes of a 'for' expression, noting whether producing them (evaluating the collection
    and the conditions, not the element expressions) consumed a sensitive value."""

    def __init__(self, evaluator: Evaluator, scopes: Iterator[Scope | Unknown]) -> None:
        self._ev = evaluator
        self._scopes = scopes
        self.consumed = False

    def __iter__(self) -> Iterator[Scope | Unknown]:
        while True:
            before = self._ev._consumed
            try:
                item = next(self._scopes)
            except StopIteration:
                self.consumed = self.consumed or self._ev._consumed != before
                return
            self.consumed = self.consumed or self._ev._consumed != before
            yield item


class _NoTemplateFunctions:
    """The function context inside a template file: templatefile() may not be called there."""

    def __init__(self, inner: FunctionContext) -> None:
        self.base_dir = inner.base_dir
        self.scan_root = inner.scan_root
        self.allow_outside = inner.allow_outside
        self._inner = inner

    def note_outside(self, path: Path) -> None:
        self._inner.note_outside(path)


_POSTFIX = {"get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"}

_DISPATCH: dict[str, Callable[[Evaluator, Tree, Scope], Any]] = {
    "expr_term": Evaluator._expr_term,
    "int_lit": Evaluator._int_lit,
    "float_lit": Evaluator._float_lit,
    "literal_value": Evaluator._literal_value,
    "identifier": Evaluator._identifier,
    "keyword": Evaluator._keyword,
    "string": Evaluator._string,
    "template_string": Evaluator._template_string,
    "heredoc_template": Evaluator._heredoc,
    "heredoc_template_trim": Evaluator._heredoc,
    "tmpl": Evaluator._tmpl,
    "tuple": Evaluator._tuple,
    "object": Evaluator._object,
    "binary_op": Evaluator._binary_op,
    "unary_op": Evaluator._unary_op,
    "conditional": Evaluator._conditional,
    "get_attr_expr_term": Evaluator._postfix,
    "index_expr_term": Evaluator._postfix,
    "attr_splat_expr_term": Evaluator._postfix,
    "full_splat_expr_term": Evaluator._postfix,
    "for_tuple_expr": Evaluator._for_tuple_expr,
    "for_object_expr": Evaluator._for_object_expr,
    "function_call": Evaluator._function_call,
    "json_literal": Evaluator._json_literal,
    "json_array": Evaluator._json_array,
    "json_object": Evaluator._json_object,
}


