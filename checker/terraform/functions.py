"""Terraform's built-in functions, computed as Terraform computes them.

``call_function(ctx, name, args, origin)`` evaluates one call on already evaluated arguments
(plain Python values, see :mod:`checker.terraform.values`). It returns

* the result, with strings as :class:`TfStr` (``file()`` results carry ``from_file`` and the
  origin of line 1 of that file; ``jsonencode``/``yamlencode`` results carry ``encoded_from``);
* an :class:`Unknown` when the result cannot be known here: a function of an unknown argument
  (except where Terraform still knows the result: ``length``, ``concat``, ``merge``, ``flatten``,
  ``tolist``, ``keys``, ``coalesce``, ``coalescelist``), a function this module does not implement
  (provider functions ``provider::aws::...`` included), a function whose result changes on every
  run (``timestamp``, ``uuid``), or a rarely used corner not reproduced exactly;
* or raises :class:`TfFunctionError` when Terraform would reject the call.

``templatefile``, ``try`` and ``can`` need the expression evaluator and live there.

Known differences from Terraform (documented, tested where they matter):

* A Python ``list`` stands for both Terraform lists and tuples; it is treated as a tuple (what a
  ``[...]`` literal is), so ``concat(tolist(["a"]), tolist([1]))`` gives ``["a", 1]`` where
  Terraform, knowing both are lists, gives ``["a", "1"]``.
* Regular expressions run on the ``regex`` module with RE2's syntax checked and translated:
  ``\\d \\w \\s \\b`` are ASCII as in RE2, but ``(?i)`` folds ASCII letters only.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from checker.terraform.functions_encoding import (
    EncodingError,
    json_decode,
    json_encode,
    yaml_decode,
    yaml_encode,
)
from checker.terraform.functions_text import (
    TextError,
    TextUnsupported,
    compile_re2,
    find_all,
    go_lower,
    go_title,
    go_upper,
    graphemes,
    match_value,
    regex_replace,
    regex_result_kind,
    tf_format,
)
from checker.terraform.functions_types import (
    BOOL,
    NUMBER,
    STRING,
    TfConversionError,
    TypeNotKnown,
    check_typed_nulls,
    convert,
    exact_number,
    go_quote,
    make_set,
    number_of,
    round_exact,
    tf_equal,
    to_list,
    to_map,
    to_set,
    type_name,
    type_of,
    unify,
)
from checker.terraform.limits import MAX_COLLECTION, check_collection, check_file, check_string, joined_length
from checker.terraform.values import (
    Origin,
    TfSet,
    TfStr,
    Unknown,
    first_unknown,
    has_marks,
    mark,
    typed_empty,
    unmark,
)

__all__ = ["FUNCTIONS", "FunctionContext", "TfFunctionError", "call_function", "is_supported"]


class FunctionContext(Protocol):
    """What ``file()`` and friends need from the evaluator."""

    base_dir: Path  # path.module: relative paths given to file() resolve against it
    scan_root: Path  # files outside it are refused unless allow_outside
    allow_outside: bool

    def note_outside(self, path: Path) -> None: ...


class TfFunctionError(Exception):
    """Terraform would reject this call (wrong types or arity, index out of range, no match...)."""


class _Unsupported(Exception):
    """Terraform computes it, this module does not: the call's result is Unknown."""


Fn = Callable[..., Any]
FUNCTIONS: dict[str, Fn] = {}
# Functions that look into unknown arguments themselves (Terraform knows part of the result).
_HANDLES_UNKNOWN: set[str] = set()
# Functions whose result is never known before apply.
_NEVER_KNOWN = {
    "timestamp": "timestamp() changes on every run",
    "plantimestamp": "plantimestamp() is known only at plan time",
    "uuid": "uuid() is random",
    "bcrypt": "bcrypt() is salted at random",
    "timeadd": "function timeadd is not evaluated by the gate",
}


def _fn(name: str, *, unknowns: bool = False) -> Callable[[Fn], Fn]:
    def register(f: Fn) -> Fn:
        FUNCTIONS[name] = f
        if unknowns:
            _HANDLES_UNKNOWN.add(name)
        return f

    return register


def is_supported(name: str) -> bool:
    return name in FUNCTIONS


def call_function(ctx: FunctionContext, name: str, args: list[Any], origin: Origin | None) -> Any:
    """Evaluate ``name(*args)``; see the module docstring for what comes back."""
    if name.startswith("provider::"):
        return Unknown(f"provider function {name} is not supported", origin)
    if name.startswith("core::") and name[6:] in _NEVER_KNOWN:
        name = name[6:]
    if name in _NEVER_KNOWN:
        return Unknown(_NEVER_KNOWN[name], origin)
    fn = FUNCTIONS.get(name)
    if fn is None:
        if name.removeprefix("core::") in TERRAFORM_FUNCTIONS:
            return Unknown(f"function {name} is not evaluated by the gate", origin)
        return Unknown(f"function {name} is not supported", origin)
    if name not in _HANDLES_UNKNOWN:
        u = first_unknown(args)
        if u is not None:
            found = (_format_partial(args, u, origin) if name == "format"
                     else _replace_partial(args, u, origin) if name == "replace" else None)
            if found is not None:
                return found
            return _unknown_of(name, u, origin, args)
    try:
        return fn(ctx, *args)
    except _Unsupported as exc:
        return Unknown(f"{name}(): {exc}", origin)
    except (TextUnsupported, TypeNotKnown) as exc:
        return Unknown(f"{name}(): {exc}", origin)
    except (TfConversionError, TextError, EncodingError) as exc:
        raise TfFunctionError(f'Call to function "{name}" failed: {exc}.') from None
    except TypeError as exc:
        # arity errors from Python: report as Terraform does
        if "positional argument" in str(exc):
            raise TfFunctionError(f'Call to function "{name}" failed: wrong number of arguments ({len(args)}).') from None
        raise


def _format_partial(args: list[Any], u: Unknown, origin: Origin | None) -> Unknown | None:
    """format() of a known format with unknown strings: a string with unknown parts (as the same
    text written as a template), when each unknown is rendered as it is (``%s``, ``%v``: the text
    around it does not depend on it). Rendered twice, with stand-ins of two lengths: a verb that pads,
    quotes or converts it makes the two differ (or fail), and the result is then wholly unknown."""
    fmt = args[0] if args else None
    if not isinstance(fmt, str) or has_marks(args):
        return None
    holes = [i for i, a in enumerate(args) if i > 0 and isinstance(a, Unknown)]
    if not holes or any(first_unknown(a) is not None for i, a in enumerate(args) if i not in holes):
        return None
    renders: list[list[str]] = []
    for filler in ("", "xx"):
        values = [f"\ue002{k}{filler}\ue003" if k in holes else a for k, a in enumerate(args)]
        try:
            text = tf_format(str(fmt), values[1:])
        except (TextError, TextUnsupported, TfConversionError):  # a verb that takes no string: wholly unknown
            return None
        if text is None:
            return None
        renders.append(re.split("\ue002([0-9]+)" + filler + "\ue003", text))
    if renders[0] != renders[1]:
        return None
    pieces: list[str | Unknown] = []
    for j, piece in enumerate(renders[0]):
        if j % 2 == 0:
            pieces.append(piece)
        else:
            pieces.append(args[int(piece)])
    if any(isinstance(p, str) and ("\ue002" in p or "\ue003" in p) for p in pieces):
        return None
    from checker.terraform.typed import partial

    return partial(pieces, u, origin)


def _replace_partial(args: list[Any], u: Unknown, origin: Origin | None) -> Unknown | None:
    """replace() of a known text and a known substring (not a regular expression) by an unknown
    string: the text with an unknown part at each place of the substring (a JSON file whose
    ``__BUCKET__`` is replaced by ``aws_s3_bucket.cur.arn`` is that JSON with the bucket's ARN)."""
    if len(args) != 3 or has_marks(args):
        return None
    text, sub, repl = args
    if not isinstance(text, str) or not isinstance(sub, str) or not isinstance(repl, Unknown):
        return None
    if sub == "" or (len(sub) > 1 and sub.startswith("/") and sub.endswith("/")):
        return None
    chunks = str(text).split(str(sub))
    if len(chunks) == 1:
        return None  # nothing replaced: the value is the known text (Terraform still says unknown)
    pieces: list[str | Unknown] = []
    for j, chunk in enumerate(chunks):
        if j:
            pieces.append(repl)
        pieces.append(chunk)
    from checker.terraform.typed import partial, with_text_origin

    made = partial(pieces, u, origin)
    if isinstance(text, TfStr) and (text.from_file or text.origin is not None):
        where = Origin(text.from_file, 1) if text.from_file else text.origin
        assert where is not None
        made = with_text_origin(made, where, text.from_file)
    return made


def _unknown_of(name: str, u: Unknown, origin: Origin | None, args: list[Any]) -> Unknown:
    extra: tuple[tuple[str, Any], ...] = (("function", name),)
    if name in ("jsonencode", "yamlencode") and len(args) == 1:
        extra += (("encoded_from", args[0]),)
    return Unknown(
        f"{name}() of an unknown value: {u.reason}",
        origin or u.origin,
        ref=u.ref,
        attribute=u.attribute,
        extra=extra,
    )


# -- argument helpers ----------------------------------------------------------------------------


def _s(value: Any, param: str) -> str:
    if value is None:
        raise TfConversionError(f'Invalid value for "{param}" parameter: argument must not be null')
    try:
        s = convert(value, STRING)
    except TfConversionError:
        raise TfConversionError(f'Invalid value for "{param}" parameter: string required') from None
    return str(s)


def _n(value: Any, param: str) -> int | float:
    if value is None:
        raise TfConversionError(f'Invalid value for "{param}" parameter: argument must not be null')
    try:
        n = convert(value, NUMBER)
    except TfConversionError:
        raise TfConversionError(f'Invalid value for "{param}" parameter: number required') from None
    assert isinstance(n, (int, float)) and not isinstance(n, bool)
    return n


def _int(value: Any, param: str) -> int:
    """A number parameter Terraform converts to a Go ``int``: whole and within 64 bits."""
    n = _n(value, param)
    if isinstance(n, float) and n == 0 and math.copysign(1.0, n) < 0:
        raise _Unsupported("a negative zero given as a whole number")
    if isinstance(n, float):
        if not math.isfinite(n) or not n.is_integer():
            raise TfConversionError(_WHOLE)
        n = int(n)
    if not -(2**63) <= n < 2**63:
        raise TfConversionError(_WHOLE)
    return n


_WHOLE = "value must be a whole number, between -9223372036854775808 and 9223372036854775807"


def _seq(value: Any, param: str, *, sets: bool = True) -> list[Any]:
    """A list, tuple or (if allowed) set argument, elements unconverted."""
    if value is None:
        raise TfConversionError(f'Invalid value for "{param}" parameter: argument must not be null')
    if isinstance(value, TfSet) and not sets:
        raise TfConversionError(f'Invalid value for "{param}" parameter: list or tuple required')
    if not isinstance(value, (list, tuple)):
        raise TfConversionError(f'Invalid value for "{param}" parameter: list of any single type required')
    return list(value)


def _str_list(value: Any, param: str) -> list[str]:
    """A ``list(string)`` parameter."""
    if value is None:
        raise TfConversionError(f'Invalid value for "{param}" parameter: argument must not be null')
    known_type = getattr(value, "tf_type", None)
    if known_type is not None and known_type[1] not in (STRING, NUMBER, BOOL, "dynamic"):
        raise TfConversionError(f'Invalid value for "{param}" parameter: list of string required')
    if not isinstance(value, (list, tuple)):
        raise TfConversionError(f'Invalid value for "{param}" parameter: list of string required')
    out = []
    for v in value:
        out.append(convert(v, STRING))
    return out


def _tstr(value: str, like: Any = None) -> TfStr:
    """A result string, NFC-normalised as every cty string is, keeping the origin of ``like``."""
    origin = like.origin if isinstance(like, TfStr) else None
    return TfStr(nfc(value), origin)


def nfc(s: str) -> str:
    return s if unicodedata.is_normalized("NFC", s) else unicodedata.normalize("NFC", s)


def _num_result(n: int | float) -> int | float:
    if isinstance(n, float) and n.is_integer() and abs(n) < 2**63:
        return int(n)
    return n


# -- sensitive values ----------------------------------------------------------------------------


@_fn("sensitive")
def _sensitive(ctx: FunctionContext, value: Any) -> Any:
    """The value, marked sensitive as a whole (see checker.terraform.values)."""
    return mark(value)


@_fn("nonsensitive")
def _nonsensitive(ctx: FunctionContext, value: Any) -> Any:
    """The value without its marks (Terraform 1.11 accepts a value that has none, as here)."""
    return unmark(value)


# -- encoding ------------------------------------------------------------------------------------


@_fn("jsonencode")
def _jsonencode(ctx: FunctionContext, value: Any) -> TfStr:
    return TfStr(json_encode(value), _origin_of(value), encoded_from=value)


@_fn("jsondecode")
def _jsondecode(ctx: FunctionContext, text: Any) -> Any:
    s = _s(text, "str")
    return json_decode(s, text.origin if isinstance(text, TfStr) else None)


@_fn("yamlencode")
def _yamlencode(ctx: FunctionContext, value: Any) -> TfStr:
    return TfStr(yaml_encode(value), _origin_of(value), encoded_from=value)


@_fn("yamldecode")
def _yamldecode(ctx: FunctionContext, text: Any) -> Any:
    s = _s(text, "src")
    return yaml_decode(s, text.origin if isinstance(text, TfStr) else None)


def _origin_of(value: Any) -> Origin | None:
    if isinstance(value, TfStr):
        return value.origin
    return None


@_fn("base64encode")
def _base64encode(ctx: FunctionContext, s: Any) -> TfStr:
    return _tstr(base64.b64encode(_s(s, "str").encode("utf-8")).decode("ascii"), s)


@_fn("base64decode")
def _base64decode(ctx: FunctionContext, s: Any) -> TfStr:
    text = _s(s, "str")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise TfConversionError(f"failed to decode base64 data {text!r}") from None
    try:
        return _tstr(raw.decode("utf-8"), s)
    except UnicodeDecodeError:
        raise TfConversionError("the result of decoding the provided string is not valid UTF-8") from None


@_fn("sha256")
def _sha256(ctx: FunctionContext, s: Any) -> TfStr:
    return TfStr(hashlib.sha256(_s(s, "str").encode("utf-8")).hexdigest())


@_fn("sha1")
def _sha1(ctx: FunctionContext, s: Any) -> TfStr:
    return TfStr(hashlib.sha1(_s(s, "str").encode("utf-8")).hexdigest())


@_fn("sha512")
def _sha512(ctx: FunctionContext, s: Any) -> TfStr:
    return TfStr(hashlib.sha512(_s(s, "str").encode("utf-8")).hexdigest())


@_fn("md5")
def _md5(ctx: FunctionContext, s: Any) -> TfStr:
    return TfStr(hashlib.md5(_s(s, "str").encode("utf-8")).hexdigest())


# -- files ---------------------------------------------------------------------------------------


def _resolve(ctx: FunctionContext, path: Any) -> Path:
    raw = _s(path, "path")
    p = Path(os.path.expanduser(raw))
    if not p.is_absolute():
        p = Path(ctx.base_dir) / p
    real = Path(os.path.realpath(p))
    root = Path(os.path.realpath(ctx.scan_root))
    if real != root and root not in real.parents:
        if not ctx.allow_outside:
            raise TfFunctionError(f"reads outside the scanned tree: {real}; pass --allow-outside")
        ctx.note_outside(real)
    return real


def _read_file(ctx: FunctionContext, path: Any) -> tuple[Path, bytes]:
    """The bytes of the file ``path`` names (inside the scanned tree, within the size bound), for
    ``file()`` and the ``file*`` hash and encoding functions."""
    real = _resolve(ctx, path)
    if not real.is_file():
        raise TfFunctionError(f'Invalid value for "path" parameter: no file exists at "{_s(path, "path")}"')
    check_file(real.stat().st_size, _s(path, "path"))
    return real, real.read_bytes()


@_fn("file")
def _file(ctx: FunctionContext, path: Any) -> TfStr:
    real, data = _read_file(ctx, path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TfFunctionError(
            f'Invalid value for "path" parameter: contents of "{_s(path, "path")}" are not valid UTF-8; '
            "use the filebase64 function to obtain the Base64 encoded contents or the other file "
            "functions (e.g. filemd5, filesha256) to obtain file hashing results instead"
        ) from None
    return TfStr(nfc(text), Origin(str(real), 1), from_file=str(real))


@_fn("fileexists")
def _fileexists(ctx: FunctionContext, path: Any) -> bool:
    real = _resolve(ctx, path)
    if real.is_dir():
        raise TfFunctionError(f'Call to function "fileexists" failed: "{_s(path, "path")}" is a directory, not a file.')
    return real.is_file()


# -- collections ---------------------------------------------------------------------------------


@_fn("length", unknowns=True)
def _length(ctx: FunctionContext, value: Any) -> Any:
    if value is None:
        raise TfConversionError('Invalid value for "value" parameter: argument must not be null')
    if isinstance(value, Unknown):
        return Unknown(f"length() of an unknown value: {value.reason}", value.origin, value.ref, value.attribute)
    if isinstance(value, str):
        return len(graphemes(value))
    if isinstance(value, (list, tuple, dict)):
        if isinstance(value, TfSet) and any(isinstance(v, Unknown) for v in value):
            return Unknown("length() of a set with unknown elements (they may be equal)")
        return len(value)
    raise TfConversionError("argument must be a string, a collection type, or a structural type")


@_fn("concat", unknowns=True)
def _concat(ctx: FunctionContext, *seqs: Any) -> Any:
    if not seqs:
        raise TfConversionError("at least one argument is required")
    out: list[Any] = []
    for s in seqs:
        if isinstance(s, Unknown):
            return Unknown(f"concat() of an unknown list: {s.reason}", s.origin, s.ref, s.attribute)
        if isinstance(s, TfSet) or not isinstance(s, list):
            raise TfConversionError(
                f'Invalid value for "seqs" parameter: all arguments must be lists or tuples; got {type_name(type_of(s))}'
            )
        check_collection(len(out) + len(s), "concat() result")
        out.extend(s)
    return out


@_fn("merge", unknowns=True)
def _merge(ctx: FunctionContext, *maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if isinstance(m, Unknown):
            return Unknown(f"merge() of an unknown map: {m.reason}", m.origin, m.ref, m.attribute)
        if not isinstance(m, dict):
            raise TfConversionError(f'arguments must be maps or objects, got "{type_name(type_of(m))}"')
        out.update(m)
    return out


@_fn("flatten", unknowns=True)
def _flatten(ctx: FunctionContext, value: Any) -> Any:
    if isinstance(value, Unknown):
        return Unknown(f"flatten() of an unknown list: {value.reason}", value.origin, value.ref, value.attribute)
    if value is None:
        raise TfConversionError('Invalid value for "list" parameter: argument must not be null')
    if not isinstance(value, (list, tuple)):
        raise TfConversionError("can only flatten lists, sets and tuples")
    out: list[Any] = []
    visited = [0]

    def walk(items: Any) -> Unknown | None:
        for v in items:
            visited[0] += 1
            if visited[0] > MAX_COLLECTION:
                check_collection(visited[0], "flatten() walk")
            if isinstance(v, (list, tuple)):
                u = walk(v)
                if u is not None:
                    return u
            elif isinstance(v, Unknown):
                # an unknown element may itself be a list: the shape of the result is unknown
                return v
            else:
                out.append(v)
        return None

    u = walk(value)
    if u is not None:
        return Unknown(f"flatten() of a list with an unknown element: {u.reason}", u.origin, u.ref, u.attribute)
    return out


@_fn("distinct")
def _distinct(ctx: FunctionContext, value: Any) -> list[Any]:
    items = to_list(value if getattr(value, "tf_type", None) else _seq(value, "list"))
    if not items:
        return items  # keeps the type of an empty typed list
    out: list[Any] = []
    for v in items:
        if not any(tf_equal(v, o) for o in out):
            out.append(v)
    return out


@_fn("compact")
def _compact(ctx: FunctionContext, value: Any) -> list[Any]:
    out = [v for v in _str_list(value, "list") if v is not None and v != ""]
    return out or typed_empty(("list", STRING))


@_fn("sort")
def _sort(ctx: FunctionContext, value: Any) -> list[Any]:
    items = _str_list(value, "list")
    if not items:
        return typed_empty(("list", STRING))  # type: ignore[no-any-return]
    if any(v is None for v in items):
        raise TfConversionError("given list element is null; a null string cannot be sorted")
    return sorted(items, key=lambda s: str(s).encode("utf-8", "surrogatepass"))


@_fn("reverse")
def _reverse(ctx: FunctionContext, value: Any) -> list[Any]:
    items = _seq(value, "list")
    return list(reversed(items))


@_fn("slice")
def _slice(ctx: FunctionContext, value: Any, start: Any, end: Any) -> list[Any]:
    items = _seq(value, "list")
    if isinstance(value, TfSet):
        items = list(value)
    s = _int(start, "start_index")
    e = _int(end, "end_index")
    if s < 0:
        raise TfConversionError('Invalid value for "start_index" parameter: start index must not be less than zero')
    if e > len(items):
        raise TfConversionError('Invalid value for "end_index" parameter: end index must not be greater than the length of the list')
    if s > e:
        raise TfConversionError('Invalid value for "start_index" parameter: start index must not be greater than end index')
    return items[s:e]


@_fn("element")
def _element(ctx: FunctionContext, value: Any, index: Any) -> Any:
    items = _seq(value, "list", sets=False)
    i = _int(index, "index")
    if not items:
        raise TfConversionError("cannot use element function with an empty list")
    if i < 0:
        raise TfConversionError("cannot use element function with a negative index")
    return items[i % len(items)]


@_fn("contains")
def _contains(ctx: FunctionContext, value: Any, item: Any) -> bool:
    items = _seq(value, "list")
    if item is None:
        raise TfConversionError('Invalid value for "value" parameter: argument must not be null')
    return any(tf_equal(v, item) for v in items)


@_fn("index")
def _index(ctx: FunctionContext, value: Any, item: Any) -> int:
    items = _seq(value, "list", sets=False)
    for i, v in enumerate(items):
        if tf_equal(v, item):
            return i
    raise TfConversionError("item not found")


@_fn("keys", unknowns=True)
def _keys(ctx: FunctionContext, value: Any) -> Any:
    if isinstance(value, Unknown):
        return Unknown(f"keys() of an unknown map: {value.reason}", value.origin, value.ref, value.attribute)
    if not isinstance(value, dict):
        raise TfConversionError('Invalid value for "inputMap" parameter: must have map or object type')
    return [k if isinstance(k, TfStr) else TfStr(k) for k in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass"))]


@_fn("values")
def _values(ctx: FunctionContext, value: Any) -> list[Any]:
    if not isinstance(value, dict):
        raise TfConversionError('Invalid value for "mapping" parameter: must have map or object type')
    return [value[k] for k in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass"))]


_MISSING = object()


@_fn("lookup")
def _lookup(ctx: FunctionContext, value: Any, key: Any, default: Any = _MISSING) -> Any:
    if not isinstance(value, dict):
        raise TfConversionError('Invalid value for "inputMap" parameter: must have map or object type')
    k = _s(key, "key")
    if k in value:
        return value[k]
    if default is _MISSING:
        raise TfConversionError(f'Invalid value for "inputMap" parameter: the given object has no attribute "{k}"')
    if value and default is not None and unify([type_of(v) for v in value.values()]) != type_of(default):
        # a map converts the default to its element type (or rejects it), an object does not
        raise TypeNotKnown("the default's type differs from the elements': Terraform's answer depends on "
                           "whether the value is a map or an object")
    return default


@_fn("zipmap")
def _zipmap(ctx: FunctionContext, keys: Any, values: Any) -> dict[str, Any]:
    ks = _str_list(keys, "keys")
    vs = _seq(values, "values")
    if len(ks) != len(vs):
        raise TfConversionError(f"number of keys ({len(ks)}) does not match number of values ({len(vs)})")
    out: dict[str, Any] = {}
    for k, v in zip(ks, vs, strict=True):
        if k is None:
            raise TfConversionError("keys list has null value")
        out[k] = v
    return out


@_fn("toset")
def _toset(ctx: FunctionContext, value: Any) -> Any:
    if value is None:  # a literal null converts; a typed one (a string variable's) does not
        raise _Unsupported("the type of this null is not known here")
    check_typed_nulls(list(value.values()) if isinstance(value, dict) else list(value)
                      if isinstance(value, (list, tuple)) else [])
    try:
        return to_set(value)
    except TfConversionError as exc:
        raise TfConversionError(f'Invalid value for "v" parameter: {exc}') from None


@_fn("tolist", unknowns=True)
def _tolist(ctx: FunctionContext, value: Any) -> Any:
    if value is None:  # a literal null converts; a typed one (a string variable's) does not
        raise _Unsupported("the type of this null is not known here")
    check_typed_nulls(list(value.values()) if isinstance(value, dict) else list(value)
                      if isinstance(value, (list, tuple)) else [])
    if isinstance(value, Unknown):
        return Unknown(f"tolist() of an unknown value: {value.reason}", value.origin, value.ref, value.attribute)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Unknown) for v in value):
        # elements of a type that unifies keep their place; unknowns stay unknown
        elem = unify([type_of(v) for v in value if not isinstance(v, Unknown)])
        if elem is None:
            raise TfConversionError('Invalid value for "v" parameter: cannot convert tuple to list of any single type')
        return [v if isinstance(v, Unknown) else convert(v, elem) for v in value]
    try:
        return to_list(value)
    except TfConversionError as exc:
        raise TfConversionError(f'Invalid value for "v" parameter: {exc}') from None


@_fn("tomap")
def _tomap(ctx: FunctionContext, value: Any) -> Any:
    if value is None:  # a literal null converts; a typed one (a string variable's) does not
        raise _Unsupported("the type of this null is not known here")
    check_typed_nulls(list(value.values()) if isinstance(value, dict) else list(value)
                      if isinstance(value, (list, tuple)) else [])
    try:
        return to_map(value)
    except TfConversionError as exc:
        raise TfConversionError(f'Invalid value for "v" parameter: {exc}') from None


def _to_primitive(value: Any, target: str) -> Any:
    if value is None:
        return None
    try:
        return convert(value, target)
    except TfConversionError as exc:
        raise TfConversionError(f'Invalid value for "v" parameter: {exc}') from None


@_fn("tostring")
def _tostring(ctx: FunctionContext, value: Any) -> Any:
    r = _to_primitive(value, STRING)
    return r if r is None or isinstance(r, TfStr) else TfStr(r)


@_fn("tonumber")
def _tonumber(ctx: FunctionContext, value: Any) -> Any:
    return _to_primitive(value, NUMBER)


@_fn("tobool")
def _tobool(ctx: FunctionContext, value: Any) -> Any:
    return _to_primitive(value, BOOL)


def _set_args(name: str, sets: tuple[Any, ...]) -> tuple[list[Any], Any]:
    if not sets:
        raise TfConversionError(f'Function "{name}" expects at least 1 argument(s)')
    converted = []
    for s in sets:
        if s is None:
            raise TfConversionError("argument must not be null")
        converted.append(list(to_set(s)))
    # an empty collection of a known type (a typed variable) takes part with its element type
    typed = [t[1] for s in sets if isinstance(t := type_of(s), tuple) and t[0] in ("list", "set")]
    elem = unify(typed + [type_of(v) for s in converted for v in s])
    if elem is None:
        raise TfConversionError("given sets must all have compatible element types")
    return [[convert(v, elem) for v in s] for s in converted], elem


@_fn("setunion")
def _setunion(ctx: FunctionContext, *sets: Any) -> TfSet:
    conv, elem = _set_args("setunion", sets)
    return make_set([v for s in conv for v in s], elem)


@_fn("setintersection")
def _setintersection(ctx: FunctionContext, *sets: Any) -> TfSet:
    conv, elem = _set_args("setintersection", sets)
    first, rest = conv[0], conv[1:]
    return make_set([v for v in first if all(any(tf_equal(v, o) for o in s) for s in rest)], elem)


@_fn("setsubtract")
def _setsubtract(ctx: FunctionContext, a: Any, b: Any) -> TfSet:
    conv, elem = _set_args("setsubtract", (a, b))
    return make_set([v for v in conv[0] if not any(tf_equal(v, o) for o in conv[1])], elem)


@_fn("coalesce", unknowns=True)
def _coalesce(ctx: FunctionContext, *vals: Any) -> Any:
    if not vals:
        raise TfConversionError("at least one argument is required")
    known = [v for v in vals if not isinstance(v, Unknown)]
    elem = unify([type_of(v) for v in known])
    if elem is None:
        raise TfConversionError("all arguments must have the same type")
    for v in vals:
        if isinstance(v, Unknown):
            return Unknown(f"coalesce() reached an unknown value: {v.reason}", v.origin, v.ref, v.attribute)
        if v is None:
            continue
        c = convert(v, elem)
        if c == "" and isinstance(c, str):
            continue
        return c
    raise TfConversionError("no non-null, non-empty-string arguments")


@_fn("coalescelist", unknowns=True)
def _coalescelist(ctx: FunctionContext, *vals: Any) -> Any:
    if not vals:
        raise TfConversionError("at least one argument is required")
    for v in vals:  # Terraform checks every argument's type first
        if v is None:
            raise TfConversionError("argument must not be null")
        if isinstance(v, TfSet) or not isinstance(v, (list, tuple, Unknown)):
            raise TfConversionError(f"coalescelist arguments must be lists or tuples, got {type_name(type_of(v))}")
    for v in vals:
        if isinstance(v, Unknown):
            return Unknown(f"coalescelist() reached an unknown value: {v.reason}", v.origin, v.ref, v.attribute)
        if v is None:
            continue
        if not isinstance(v, (list, tuple)):
            raise TfConversionError(f"coalescelist arguments must be lists or tuples, got {type_name(type_of(v))}")
        if len(v) > 0:
            return v
    raise TfConversionError("no non-null arguments")


@_fn("one")
def _one(ctx: FunctionContext, value: Any) -> Any:
    items = _seq(value, "list")
    if len(items) > 1:
        raise TfConversionError(
            'Invalid value for "list" parameter: must be a list, set, or tuple value with either zero or one elements'
        )
    return items[0] if items else None


_RANGE_LIMIT = (
    "more than 1024 values were generated; either decrease the difference between start and end "
    "or use a smaller step"
)


@_fn("range")
def _range(ctx: FunctionContext, *params: Any) -> list[Any]:
    nums = [exact_number(_n(p, "params")) for p in params]
    zero = Fraction(0)
    if len(nums) == 1:
        start, end, step = zero, nums[0], Fraction(1)
    elif len(nums) == 2:
        start, end = nums
        step = Fraction(1) if end >= start else Fraction(-1)
    elif len(nums) == 3:
        start, end, step = nums
    else:
        raise TfConversionError("must have one, two, or three arguments")
    if step > 0 and end < start:
        raise TfConversionError(
            'Invalid value for "params" parameter: start must be less than or equal to end when step is positive'
        )
    if step < 0 and end > start:
        raise TfConversionError(
            'Invalid value for "params" parameter: end must be less than start when step is negative'
        )
    out: list[Any] = []
    v = start
    while (v < end) if step >= 0 else (v > end):
        if len(out) >= 1024:
            raise TfConversionError(_RANGE_LIMIT)
        out.append(_fraction_to_number(v))
        v += step
    return out


def _fraction_to_number(f: Fraction) -> int | float:
    if f.denominator == 1:
        return int(f.numerator)
    return float(Decimal(f.numerator) / Decimal(f.denominator))


# -- strings -------------------------------------------------------------------------------------


@_fn("format")
def _format(ctx: FunctionContext, fmt: Any, *args: Any) -> Any:
    r = tf_format(_s(fmt, "format"), list(args))
    if r is None:  # Terraform's format of a null argument is an unknown value
        return Unknown("format() of a null argument is not known to Terraform", None)
    return _tstr(r, fmt)


@_fn("formatlist")
def _formatlist(ctx: FunctionContext, fmt: Any, *args: Any) -> list[Any]:
    f = _s(fmt, "format")
    length: int | None = None
    for i, a in enumerate(args):
        if isinstance(a, (list, tuple)):
            if length is None:
                length = len(a)
                first = i
            elif len(a) != length:
                raise TfConversionError(
                    f'Invalid value for "args" parameter: argument {i + 1} has length {len(a)}, which is '
                    f"inconsistent with argument {first + 1} of length {length}"
                )
    n = 1 if length is None else length
    out = []
    total = 0
    for j in range(n):
        row = [a[j] if isinstance(a, (list, tuple)) else a for a in args]
        r = tf_format(f, row)
        out.append(Unknown("formatlist() of a null argument is not known to Terraform", None) if r is None
                   else _tstr(r, fmt))
        total += 0 if r is None else len(r)
        check_string(total, "formatlist() results")
    return out


@_fn("join")
def _join(ctx: FunctionContext, sep: Any, *lists: Any) -> TfStr:
    s = _s(sep, "separator")
    if not lists:
        raise TfConversionError("at least one list is required")
    joined_length((v for lst in lists if isinstance(lst, (list, tuple)) for v in lst if isinstance(v, str)),
                  len(s), "join() result")
    parts: list[str] = []
    idx = 0
    for lst in lists:
        for v in _str_list(lst, "lists"):
            if v is None:
                raise TfConversionError(f'Invalid value for "lists" parameter: element {idx} is null; cannot concatenate null values')
            parts.append(str(v))
            idx += 1
    return _tstr(s.join(parts), sep)


@_fn("split")
def _split(ctx: FunctionContext, sep: Any, value: Any) -> list[TfStr]:
    s = _s(sep, "separator")
    text = _s(value, "str")
    parts = list(text) if s == "" else text.split(s)
    return [_tstr(p, value) for p in parts]


@_fn("replace")
def _replace(ctx: FunctionContext, value: Any, substr: Any, repl: Any) -> TfStr:
    text = _s(value, "str")
    sub = _s(substr, "substr")
    r = _s(repl, "replace")
    if len(sub) > 1 and sub.startswith("/") and sub.endswith("/"):
        return _tstr(regex_replace(text, sub[1:-1], r), value)
    if sub == "":
        # Go's strings.Replace with an empty old string inserts at every rune boundary
        check_string(len(text) + (len(text) + 1) * len(r), "replace() result")
        return _tstr(r + "".join(c + r for c in text), value)
    if len(r) > len(sub):
        check_string(len(text) + text.count(sub) * (len(r) - len(sub)), "replace() result")
    return _tstr(text.replace(sub, r), value)


def _str_fn(name: str, op: Callable[[str], str]) -> None:
    def f(ctx: FunctionContext, value: Any) -> TfStr:
        return _tstr(op(_s(value, "str")), value)

    FUNCTIONS[name] = f


_str_fn("lower", go_lower)
_str_fn("upper", go_upper)
_str_fn("title", go_title)
_str_fn("trimspace", lambda s: s.strip(" \t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"))
_str_fn("chomp", lambda s: s.rstrip("\r\n"))


@_fn("trim")
def _trim(ctx: FunctionContext, value: Any, cutset: Any) -> TfStr:
    return _tstr(_s(value, "str").strip(_s(cutset, "cutset")), value)


@_fn("trimprefix")
def _trimprefix(ctx: FunctionContext, value: Any, prefix: Any) -> TfStr:
    s, p = _s(value, "str"), _s(prefix, "prefix")
    return _tstr(s[len(p):] if s.startswith(p) else s, value)


@_fn("trimsuffix")
def _trimsuffix(ctx: FunctionContext, value: Any, suffix: Any) -> TfStr:
    s, p = _s(value, "str"), _s(suffix, "suffix")
    return _tstr(s[: len(s) - len(p)] if p and s.endswith(p) else s, value)


@_fn("indent")
def _indent(ctx: FunctionContext, spaces: Any, value: Any) -> TfStr:
    n = _int(spaces, "spaces")
    s = _s(value, "str")
    if n < 0:
        raise TfConversionError("panic in function implementation: strings: negative Repeat count")
    check_string(len(s) + s.count("\n") * max(n, 0) if "\n" in s else len(s), "indent() result")
    pad = " " * max(n, 0)
    return _tstr(s.replace("\n", "\n" + pad), value)


@_fn("substr")
def _substr(ctx: FunctionContext, value: Any, offset: Any, length: Any) -> TfStr:
    s = _s(value, "str")
    off = _int(offset, "offset")
    ln = _int(length, "length")
    gs = graphemes(s)
    n = len(gs)
    if off < 0:
        off = n + off
        if off < 0:
            off = 0
    if off > n:
        return _tstr("", value)
    end = n if ln < 0 else min(off + ln, n)  # a negative length means "to the end"
    return _tstr("".join(gs[off:end]), value)


@_fn("startswith")
def _startswith(ctx: FunctionContext, value: Any, prefix: Any) -> bool:
    return _s(value, "str").startswith(_s(prefix, "prefix"))


@_fn("endswith")
def _endswith(ctx: FunctionContext, value: Any, suffix: Any) -> bool:
    return _s(value, "str").endswith(_s(suffix, "suffix"))


@_fn("strcontains")
def _strcontains(ctx: FunctionContext, value: Any, substr: Any) -> bool:
    return _s(substr, "substr") in _s(value, "str")


@_fn("strrev")
def _strrev(ctx: FunctionContext, value: Any) -> TfStr:
    return _tstr("".join(reversed(graphemes(_s(value, "str")))), value)


@_fn("regex")
def _regex(ctx: FunctionContext, pattern: Any, value: Any) -> Any:
    rx = compile_re2(_s(pattern, "pattern"))
    kind = regex_result_kind(rx)
    s = _s(value, "string")
    m = rx.search(s)
    if m is None:
        raise TfConversionError("pattern did not match any part of the given string")
    return match_value(rx, m, kind, lambda g: _tstr(g, value))


@_fn("regexall")
def _regexall(ctx: FunctionContext, pattern: Any, value: Any) -> list[Any]:
    rx = compile_re2(_s(pattern, "pattern"))
    kind = regex_result_kind(rx)
    s = _s(value, "string")
    found = [match_value(rx, m, kind, lambda g: _tstr(g, value)) for m in find_all(rx, s)]
    if not found:  # an empty list of the type Terraform gives it
        if kind == "string":
            return typed_empty(("list", STRING))  # type: ignore[no-any-return]
        if kind == "tuple":
            return typed_empty(("list", ("tuple", (STRING,) * rx.groups)))  # type: ignore[no-any-return]
        return typed_empty(("list", ("object", tuple((n, STRING) for n in sorted(rx.groupindex)))))  # type: ignore[no-any-return]
    return found


# -- numbers -------------------------------------------------------------------------------------


def _numbers(name: str, args: tuple[Any, ...]) -> list[int | float]:
    if not args:
        raise TfConversionError("must pass at least one number")
    return [_n(a, "numbers") for a in args]


@_fn("min")
def _min(ctx: FunctionContext, *args: Any) -> int | float:
    return min(_numbers("min", args), key=_order)


@_fn("max")
def _max(ctx: FunctionContext, *args: Any) -> int | float:
    return max(_numbers("max", args), key=_order)


def _order(n: int | float) -> Any:
    """A sort key of a number: its exact value (an infinity as itself)."""
    return n if isinstance(n, float) and not math.isfinite(n) else exact_number(n)


@_fn("abs")
def _abs(ctx: FunctionContext, value: Any) -> int | float:
    n = _n(value, "num")
    if isinstance(n, float) and not math.isfinite(n):
        return abs(n)
    return number_of(abs(exact_number(n)))


@_fn("ceil")
def _ceil(ctx: FunctionContext, value: Any) -> int:
    n = _n(value, "num")
    if isinstance(n, float) and math.isinf(n):
        raise _Unsupported("infinity")
    return math.ceil(exact_number(n))


@_fn("floor")
def _floor(ctx: FunctionContext, value: Any) -> int:
    n = _n(value, "num")
    if isinstance(n, float) and math.isinf(n):
        raise _Unsupported("infinity")
    return math.floor(exact_number(n))


@_fn("signum")
def _signum(ctx: FunctionContext, value: Any) -> int:
    n = _int(value, "num")
    return (n > 0) - (n < 0)


# -- the rest of Terraform 1.11's built-in functions ---------------------------------------------

# Every built-in function of Terraform 1.11 (``terraform metadata functions -json``; each also exists as
# ``core::<name>``). Those not in FUNCTIONS evaluate to an Unknown that names them.
TERRAFORM_FUNCTIONS = frozenset(["abs", "abspath", "alltrue", "anytrue", "base64decode", "base64encode", "base64gzip", "base64sha256", "base64sha512", "basename", "bcrypt", "can", "ceil", "chomp", "chunklist", "cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets", "coalesce", "coalescelist", "compact", "concat", "contains", "csvdecode", "dirname", "distinct", "element", "endswith", "ephemeralasnull", "file", "filebase64", "filebase64sha256", "filebase64sha512", "fileexists", "filemd5", "fileset", "filesha1", "filesha256", "filesha512", "flatten", "floor", "format", "formatdate", "formatlist", "indent", "index", "issensitive", "join", "jsondecode", "jsonencode", "keys", "length", "log", "lookup", "lower", "matchkeys", "max", "md5", "merge", "min", "nonsensitive", "one", "parseint", "pathexpand", "plantimestamp", "pow", "range", "regex", "regexall", "replace", "reverse", "rsadecrypt", "sensitive", "setintersection", "setproduct", "setsubtract", "setunion", "sha1", "sha256", "sha512", "signum", "slice", "sort", "split", "startswith", "strcontains", "strrev", "substr", "sum", "templatefile", "templatestring", "textdecodebase64", "textencodebase64", "timeadd", "timecmp", "timestamp", "title", "tobool", "tolist", "tomap", "tonumber", "toset", "tostring", "transpose", "trim", "trimprefix", "trimspace", "trimsuffix", "try", "upper", "urlencode", "uuid", "uuidv5", "values", "yamldecode", "yamlencode", "zipmap"])


def _bools(value: Any, param: str) -> list[Any]:
    items = _seq(value, param)
    out: list[Any] = []
    for v in items:
        if v is None:
            out.append(None)
            continue
        try:
            out.append(convert(v, BOOL))
        except TfConversionError:
            raise TfConversionError(f'Invalid value for "{param}" parameter: list of bool required') from None
    return out


@_fn("alltrue")
def _alltrue(ctx: FunctionContext, value: Any) -> bool:
    return all(v is True for v in _bools(value, "list"))


@_fn("anytrue")
def _anytrue(ctx: FunctionContext, value: Any) -> bool:
    return any(v is True for v in _bools(value, "list"))


@_fn("sum")
def _sum(ctx: FunctionContext, value: Any) -> Any:
    if value is None:
        raise TfConversionError('Invalid value for "list" parameter: argument must not be null')
    if not isinstance(value, (list, tuple)):
        raise TfConversionError("cannot sum noniterable")
    items = list(value)
    if not items:
        raise TfConversionError("cannot sum an empty list")
    total: Any = None
    for v in items:
        if v is None:
            raise TfConversionError("argument must be list, set, or tuple of number values")
        try:
            n = convert(v, NUMBER)
        except TfConversionError:
            raise TfConversionError("argument must be list, set, or tuple of number values") from None
        if isinstance(n, float) and not math.isfinite(n):
            raise _Unsupported("an infinite number")
        total = exact_number(n) if total is None else round_exact(total + exact_number(n))
    return number_of(total)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@_fn("parseint")
def _parseint(ctx: FunctionContext, number: Any, base: Any) -> int:
    if not isinstance(number, str):  # a string, not anything convertible to one
        raise TfConversionError('Invalid value for "number" parameter: first argument must be a string, not a number')
    s = _s(number, "number")
    b = _int(base, "base")
    if not 2 <= b <= 62:
        raise TfConversionError('Invalid value for "base" parameter: base must be a whole number between 2 and 62 inclusive')
    text = s[1:] if s[:1] in ("+", "-") else s
    if not text:
        raise TfConversionError(f"cannot parse {go_quote(s)} as a base {b} integer")
    n = 0
    for ch in text:
        d = _DIGITS.find(ch.lower() if b <= 36 else ch)
        if d < 0 or d >= b:
            raise TfConversionError(f"cannot parse {go_quote(s)} as a base {b} integer")
        n = n * b + d
    return -n if s.startswith("-") else n


@_fn("chunklist")
def _chunklist(ctx: FunctionContext, value: Any, size: Any) -> list[Any]:
    items = _seq(value, "list")
    n = _int(size, "size")
    if n < 0:
        raise TfConversionError("the size argument must be positive")
    items = to_list(items) if items else items
    if not items:
        t = type_of(value)
        elem = t[1] if isinstance(t, tuple) and t[0] in ("list", "set") else "dynamic"
        return typed_empty(("list", ("list", elem)))  # type: ignore[no-any-return]
    if n == 0:
        return [items]
    return [items[i:i + n] for i in range(0, len(items), n)]


@_fn("transpose")
def _transpose(ctx: FunctionContext, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TfConversionError('Invalid value for "values" parameter: map of list of string required')
    out: dict[str, list[Any]] = {}
    for k in sorted(value, key=lambda x: str(x).encode("utf-8", "surrogatepass")):
        v = value[k]
        if v is None:
            raise TfConversionError('Invalid value for "values" parameter: map of list of string required')
        for item in _str_list(v, "values"):
            if item is None:
                raise TfConversionError('Invalid value for "values" parameter: map of list of string required')
            out.setdefault(str(item), []).append(k if isinstance(k, TfStr) else TfStr(k))
    return {k: out[k] for k in sorted(out)}


@_fn("setproduct")
def _setproduct(ctx: FunctionContext, *sets: Any) -> Any:
    if len(sets) < 2:
        raise TfConversionError("at least two arguments are required")
    lists: list[list[Any]] = []
    any_set = False
    for s in sets:
        if s is None or not isinstance(s, (list, tuple)):
            raise TfConversionError("a set or a list is required")
        any_set = any_set or isinstance(s, TfSet)
        lists.append(list(to_set(s)) if isinstance(s, TfSet) else to_list(s))
    combos: list[list[Any]] = [[]]
    for items in lists:
        combos = [[*c, v] for c in combos for v in items]
        if len(combos) > 10_000:
            raise _Unsupported("more than 10,000 combinations")
    if any(not items for items in lists):  # empty, of the type Terraform gives it
        elems = []
        for s_, items in zip(sets, lists, strict=True):
            t = type_of(s_)
            elems.append(t[1] if isinstance(t, tuple) and t[0] in ("list", "set")
                         else unify([type_of(v) for v in items]) or "dynamic")
        return typed_empty(("set" if any_set else "list", ("tuple", tuple(elems))))
    return make_set(combos) if any_set else combos


@_fn("urlencode")
def _urlencode(ctx: FunctionContext, value: Any) -> TfStr:
    from urllib.parse import quote_plus

    return TfStr(quote_plus(_s(value, "str").encode("utf-8", "surrogatepass"), safe=""))


@_fn("base64sha256")
def _base64sha256(ctx: FunctionContext, s: Any) -> TfStr:
    return TfStr(base64.b64encode(hashlib.sha256(_s(s, "str").encode("utf-8")).digest()).decode("ascii"))


@_fn("base64sha512")
def _base64sha512(ctx: FunctionContext, s: Any) -> TfStr:
    return TfStr(base64.b64encode(hashlib.sha512(_s(s, "str").encode("utf-8")).digest()).decode("ascii"))


def _go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` on Linux."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    out = "/".join(parts)
    if rooted:
        return "/" + out
    return out or "."


@_fn("basename")
def _basename(ctx: FunctionContext, value: Any) -> TfStr:
    path = _s(value, "path")
    if path == "":
        return TfStr(".")
    path = path.rstrip("/")
    if path == "":
        return TfStr("/")
    return _tstr(path[path.rfind("/") + 1:], value)


@_fn("dirname")
def _dirname(ctx: FunctionContext, value: Any) -> TfStr:
    path = _s(value, "path")
    i = path.rfind("/")
    return _tstr(_go_clean(path[: i + 1]), value)


@_fn("log")
def _log(ctx: FunctionContext, num: Any, base: Any) -> Any:
    _n(num, "num")
    _n(base, "base")
    # Go's math.Log and the C library's differ in the last bit: not computed (Unknown)
    raise _Unsupported("Go's floating-point logarithm is not reproduced exactly")


@_fn("pow")
def _pow(ctx: FunctionContext, num: Any, power: Any) -> Any:
    x, p = _n(num, "num"), _n(power, "power")
    if isinstance(x, int) and isinstance(p, int) and 0 <= p <= 64 and abs(x) < 2**53:
        result = x**p
        if abs(result) < 2**53:  # exact in 64-bit floating point, as Go computes it
            return result
    # Go's math.Pow and the C library's differ in the last bit: not computed (Unknown)
    raise _Unsupported("Go's floating-point power is not reproduced exactly here")


@_fn("matchkeys")
def _matchkeys(ctx: FunctionContext, values: Any, keys: Any, searchset: Any) -> list[Any]:
    vs = to_list(_seq(values, "values"))
    ks = to_list(_seq(keys, "keys"))
    ss = to_list(_seq(searchset, "searchset"))
    if len(vs) != len(ks):
        raise TfConversionError("length of keys and values should be equal")
    if not ks or not ss:
        return []
    kt, st = unify([type_of(v) for v in ks]), unify([type_of(v) for v in ss])
    if kt != st:
        raise TypeNotKnown("keys and searchset of different types")
    return [v for v, k in zip(vs, ks, strict=True) if any(tf_equal(k, s) for s in ss)]


@_fn("uuidv5")
def _uuidv5(ctx: FunctionContext, namespace: Any, name: Any) -> TfStr:
    import uuid

    ns = _s(namespace, "namespace")
    known = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID,
             "x500": uuid.NAMESPACE_X500}
    if ns in known:
        space = known[ns]
    else:
        raise _Unsupported("a namespace given as a UUID")
    return TfStr(str(uuid.uuid5(space, _s(name, "name"))))


_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _timestamp(value: Any, param: str) -> Any:
    import datetime

    s = _s(value, param)
    m = _RFC3339.match(s)
    if m is None:
        raise TfConversionError(f'Invalid value for "{param}" parameter: not a valid RFC3339 timestamp')
    y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or ""
    zone = m.group(8)
    try:
        offset = datetime.timedelta(0) if zone == "Z" else (1 if zone[0] == "+" else -1) * datetime.timedelta(
            hours=int(zone[1:3]), minutes=int(zone[4:6]))
        if int(zone[1:3] if zone != "Z" else "0") > 23 or int(zone[4:6] if zone != "Z" else "0") > 59:
            raise ValueError
        when = datetime.datetime(y, mo, d, h, mi, sec, tzinfo=datetime.timezone(offset))
    except ValueError:
        raise TfConversionError(f'Invalid value for "{param}" parameter: not a valid RFC3339 timestamp') from None
    nanos = int((frac[1:] + "000000000")[:9]) if frac else 0
    return (when - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)) // datetime.timedelta(seconds=1), nanos


@_fn("timecmp")
def _timecmp(ctx: FunctionContext, a: Any, b: Any) -> int:
    ta, tb = _timestamp(a, "timestamp_a"), _timestamp(b, "timestamp_b")
    return int(ta > tb) - int(ta < tb)


@_fn("issensitive")
def _issensitive(ctx: FunctionContext, value: Any) -> bool:
    if isinstance(value, str):
        return bool(getattr(value, "sensitive", False))
    if not has_marks(value) and isinstance(value, (list, tuple, dict)):
        return False
    # a number or bool cannot carry the mark here; a collection's own mark is not told from its elements'
    raise _Unsupported("whether this value itself is sensitive is not known here")


@_fn("ephemeralasnull")
def _ephemeralasnull(ctx: FunctionContext, value: Any) -> Any:
    return value  # nothing the gate evaluates is ephemeral


def _file_digest(name: str, algorithm: str | None, b64: bool) -> None:
    """Register ``name`` (``filemd5``, ``filebase64sha256``, ...): the ``algorithm`` digest of a
    file's bytes (None: the bytes themselves), in hex or Base64."""

    def call(ctx: FunctionContext, path: Any) -> TfStr:
        _, data = _read_file(ctx, path)
        raw = hashlib.new(algorithm, data).digest() if algorithm is not None else data
        return TfStr(base64.b64encode(raw).decode("ascii") if b64 else raw.hex())

    _fn(name)(call)


_file_digest("filebase64", None, True)
for _algorithm in ("md5", "sha1", "sha256", "sha512"):
    _file_digest(f"file{_algorithm}", _algorithm, False)
for _algorithm in ("sha256", "sha512"):
    _file_digest(f"filebase64{_algorithm}", _algorithm, True)


_TEXT_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be"}


def _text_codec(encoding: Any) -> str:
    """The codec of an IANA character set name: an error for a name no registry knows, Unknown for
    a character set known but not reproduced here."""
    import codecs

    name = _s(encoding, "encoding")
    codec = _TEXT_ENCODINGS.get(name.lower())
    if codec is not None:
        return codec
    try:
        codecs.lookup(name)
    except LookupError:
        raise TfConversionError(f'Invalid value for "encoding" parameter: "{name}" is not a supported IANA encoding name') from None
    raise _Unsupported("this character encoding")


@_fn("textencodebase64")
def _textencodebase64(ctx: FunctionContext, value: Any, encoding: Any) -> TfStr:
    codec = _text_codec(encoding)
    try:
        data = _s(value, "string").encode(codec)
    except UnicodeEncodeError:
        raise _Unsupported("a character the encoding cannot represent") from None
    return TfStr(base64.b64encode(data).decode("ascii"))


@_fn("textdecodebase64")
def _textdecodebase64(ctx: FunctionContext, value: Any, encoding: Any) -> TfStr:
    codec = _text_codec(encoding)
    text = _s(value, "source")
    try:
        data = base64.b64decode(text, validate=True)
        return _tstr(data.decode(codec))
    except (ValueError, UnicodeDecodeError):
        raise _Unsupported("text that is not valid base64 of this encoding") from None


# -- IP address ranges (cidr*) -------------------------------------------------------------------


def _network(prefix: Any) -> Any:
    import ipaddress

    text = _s(prefix, "prefix")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise TfConversionError(f'invalid CIDR expression: invalid CIDR address: {text}') from None


def _ip_text(net: Any, value: int) -> str:
    import ipaddress

    if net.version == 4:
        return str(ipaddress.IPv4Address(value))
    addr = ipaddress.IPv6Address(value)
    if addr.ipv4_mapped is not None:
        raise _Unsupported("an IPv4-mapped IPv6 address")
    return str(addr)


@_fn("cidrhost")
def _cidrhost(ctx: FunctionContext, prefix: Any, hostnum: Any) -> TfStr:
    net = _network(prefix)
    n = _int(hostnum, "hostnum")
    host_bits = net.max_prefixlen - net.prefixlen
    size = 1 << host_bits
    if n < 0:
        n += size
    if not 0 <= n < size:
        raise TfConversionError(f"prefix of {net.prefixlen} does not accommodate a host numbered {_int(hostnum, 'hostnum')}")
    return TfStr(_ip_text(net, int(net.network_address) + n))


@_fn("cidrnetmask")
def _cidrnetmask(ctx: FunctionContext, prefix: Any) -> TfStr:
    net = _network(prefix)
    if net.version != 4:
        raise TfConversionError(f"IPv6 addresses cannot have a netmask: {_s(prefix, 'prefix')}")
    return TfStr(str(net.netmask))


@_fn("cidrsubnet")
def _cidrsubnet(ctx: FunctionContext, prefix: Any, newbits: Any, netnum: Any) -> TfStr:
    net = _network(prefix)
    nb, num = _int(newbits, "newbits"), _int(netnum, "netnum")
    if nb < 0 or num < 0:
        raise _Unsupported("a negative newbits or netnum")
    length = net.prefixlen + nb
    if length > net.max_prefixlen:
        raise TfConversionError(
            f"insufficient address space to extend prefix of {net.prefixlen} by {nb}")
    if num >= 1 << nb:
        raise TfConversionError(f"prefix extension of {nb} does not accommodate a subnet numbered {num}")
    base = int(net.network_address) | (num << (net.max_prefixlen - length))
    return TfStr(f"{_ip_text(net, base)}/{length}")


@_fn("cidrsubnets")
def _cidrsubnets(ctx: FunctionContext, prefix: Any, *newbits: Any) -> list[Any]:
    net = _network(prefix)
    bits = net.max_prefixlen
    full = (1 << bits) - 1
    start = int(net.network_address)
    end = start + (1 << (bits - net.prefixlen)) - 1
    out: list[Any] = []
    # cty: start from the subnet before the prefix, then take each next subnet of the asked length
    current_last = (start - 1) & full
    for i, nbv in enumerate(newbits):
        nb = _int(nbv, "newbits")
        if nb < 1:
            raise _Unsupported("a newbits below 1")
        length = net.prefixlen + nb
        if length > bits:
            raise TfConversionError(
                f'Invalid value for "newbits" parameter: would extend prefix to {length} bits, which is too long '
                f"for an IPv{net.version} address")
        mask = full ^ ((1 << (bits - length)) - 1)
        sub_last = (current_last & mask) | (full ^ mask)
        nxt = (sub_last + 1) & full
        if nxt == 0 or not start <= nxt <= end:
            raise TfConversionError(
                f'Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a '
                f"prefix of {length} bits after {out[-1] if out else _s(prefix, 'prefix')}")
        first = nxt & mask
        current_last = first | (full ^ mask)
        out.append(TfStr(f"{_ip_text(net, first)}/{length}"))
        del i
    return out


for _name in sorted(TERRAFORM_FUNCTIONS):
    if _name in FUNCTIONS:
        FUNCTIONS[f"core::{_name}"] = FUNCTIONS[_name]
        if _name in _HANDLES_UNKNOWN:
            _HANDLES_UNKNOWN.add(f"core::{_name}")


@_fn("csvdecode")
def _csvdecode(ctx: FunctionContext, value: Any) -> Any:
    """RFC 4180 text without quotes or carriage returns (Go's encoding/csv on the rest is not
    reproduced: Unknown): the first line names the columns, every line has as many fields."""
    text = _s(value, "str")
    if '"' in text or "\r" in text:
        raise _Unsupported("quoted fields or carriage returns")
    lines = [line for line in text.split("\n") if line != ""]
    if not lines:
        raise TfConversionError("missing header line")
    header = lines[0].split(",")
    if len(set(header)) != len(header):
        raise _Unsupported("repeated column names")
    rows: list[Any] = []
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) != len(header):
            raise TfConversionError("wrong number of fields")
        rows.append({TfStr(h): _tstr(f, value) for h, f in zip(header, fields, strict=True)})
    if not rows:
        return typed_empty(("list", ("object", tuple(sorted((h, STRING) for h in header)))))
    return rows


FUNCTIONS["core::csvdecode"] = FUNCTIONS["csvdecode"]
