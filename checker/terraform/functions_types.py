"""Terraform's (cty's) types, conversions, number formatting and set order for the functions.

Values are plain Python (see :mod:`checker.terraform.values`), so a value's Terraform type is
inferred from its shape: a Python ``list`` is a tuple (what a ``[...]`` literal is), a ``dict``
an object, a :class:`TfSet` a set. Functions whose parameters are typed (``list(string)``...)
convert their arguments the way cty does, and functions that return collections unify element
types the way cty does (``tolist([1, "a"])`` is ``["1", "a"]``).

Types are small tuples: ``"string"``, ``"number"``, ``"bool"``, ``"dynamic"``, ``("list", T)``,
``("set", T)``, ``("map", T)``, ``("tuple", (T, ...))``, ``("object", ((name, T), ...))``.

Numbers: Terraform computes with 512-bit binary floats parsed from the decimal text of a literal.
A Python float stands for the decimal its ``repr`` shows (the literal it came from), and
:func:`exact_number` rebuilds Terraform's 512-bit value from it, so that ``%.2f`` rounds as
Terraform does.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Union

from checker.terraform.values import TfNumber, TfSet, TfStr, Unknown, typed_empty

TfType = Union[str, tuple[Any, ...]]  # noqa: UP007 (a runtime alias on Python 3.10)

STRING = "string"
NUMBER = "number"
BOOL = "bool"
DYNAMIC = "dynamic"


class TfConversionError(Exception):
    """A value cannot be converted to the wanted type (the message is cty's wording)."""


class TypeNotKnown(Exception):
    """Terraform's answer depends on a type the values here do not carry (the result is Unknown)."""


def check_typed_nulls(items: list[Any]) -> None:
    """A null beside collections: in Terraform a null has a type (a ``string`` variable's null cannot
    join a list of maps, a literal ``null`` can), which values here do not carry."""
    if any(v is None for v in items):
        others = [v for v in items if v is not None]
        if others and unify([type_of(v) for v in others]) != STRING:
            raise TypeNotKnown("a null beside elements of another type than string: the type of the null is "
                               "not known here")


# -- type inference ------------------------------------------------------------------------------


def type_of(value: Any) -> TfType:
    if value is None or isinstance(value, Unknown):
        return DYNAMIC
    known_type = getattr(value, "tf_type", None)
    if known_type is not None:  # an empty collection of a known type
        return known_type  # type: ignore[no-any-return]
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, TfSet):
        elem = unify([type_of(v) for v in value])
        return ("set", DYNAMIC if elem is None else elem)
    if isinstance(value, (list, tuple)):
        return ("tuple", tuple(type_of(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((str(k), type_of(v)) for k, v in value.items())))
    raise TypeError(f"not a Terraform value: {type(value).__name__}")


def type_name(t: TfType) -> str:
    """A type as cty names it in messages: ``string``, ``tuple``, ``list of string``, ``object``."""
    if isinstance(t, str):
        return t
    kind = t[0]
    if kind in ("list", "set", "map"):
        inner = t[1]
        return f"{kind} of {type_name(inner)}" if inner != DYNAMIC else f"{kind} of dynamic"
    return str(kind)


def unify(types: list[TfType]) -> TfType | None:
    """cty's type unification for a list/set/map of these element types; None if impossible."""
    known = [t for t in types if t != DYNAMIC]
    if not known:
        return DYNAMIC
    first = known[0]
    if all(t == first for t in known):
        return first
    if all(isinstance(t, str) for t in known):
        return STRING if STRING in known else None
    if any(isinstance(t, str) for t in known):
        return None
    colls: list[tuple[Any, ...]] = [t for t in known if isinstance(t, tuple)]
    kinds = {t[0] for t in colls}
    if kinds <= {"object", "map"}:
        objects = [t for t in colls if t[0] == "object"]
        if kinds == {"object"} and len({tuple(n for n, _ in t[1]) for t in objects}) == 1:
            names = [n for n, _ in objects[0][1]]
            attrs = []
            for i, name in enumerate(names):
                u = unify([t[1][i][1] for t in objects])
                if u is None:
                    return None
                attrs.append((name, u))
            return ("object", tuple(attrs))
        elems: list[TfType] = []
        for t in colls:
            if t[0] == "object":
                elems.extend(a for _, a in t[1])
            else:
                elems.append(t[1])
        u = unify(elems)
        return None if u is None else ("map", u)
    if kinds <= {"tuple", "list"}:
        tuples = [t for t in colls if t[0] == "tuple"]
        if kinds == {"tuple"} and len({len(t[1]) for t in tuples}) == 1:
            parts = []
            for i in range(len(tuples[0][1])):
                u = unify([t[1][i] for t in tuples])
                if u is None:
                    return None
                parts.append(u)
            return ("tuple", tuple(parts))
        elems = []
        for t in colls:
            if t[0] == "tuple":
                elems.extend(t[1])
            else:
                elems.append(t[1])
        u = unify(elems)
        return None if u is None else ("list", u)
    if kinds == {"set"}:
        u = unify([t[1] for t in colls])
        return None if u is None else ("set", u)
    return None


# -- conversion ----------------------------------------------------------------------------------


def convert(value: Any, target: TfType) -> Any:
    """Convert ``value`` to ``target`` as cty's ``convert.Convert`` does, or raise TfConversionError."""
    if target == DYNAMIC or value is None or isinstance(value, Unknown):
        return value
    if target == STRING:
        if isinstance(value, bool):
            return TfStr("true" if value else "false")
        if isinstance(value, (int, float)):
            return TfStr(format_number(value))
        if isinstance(value, str):
            return value
        raise TfConversionError(f"cannot convert {type_name(type_of(value))} to string")
    if target == NUMBER:
        if isinstance(value, bool):
            raise TfConversionError("cannot convert bool to number")
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            return parse_number(value)
        raise TfConversionError(f"cannot convert {type_name(type_of(value))} to number")
    if target == BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and not isinstance(value, bool):
            if value in ("true", "false"):
                return value == "true"
            raise TfConversionError(
                f'cannot convert "{value}" to bool; only the strings "true" or "false" are allowed'
            )
        raise TfConversionError(f"cannot convert {type_name(type_of(value))} to bool")
    assert isinstance(target, tuple)
    kind = target[0]
    if kind in ("list", "set"):
        if not isinstance(value, (list, tuple)):
            raise TfConversionError(f"{kind} of {type_name(target[1])} required")
        items = [convert(v, target[1]) for v in value]
        if not items and target[1] != DYNAMIC:
            return typed_empty(target)
        return make_set(items, target[1]) if kind == "set" else items
    if kind == "tuple":
        if not isinstance(value, (list, tuple)) or len(value) != len(target[1]):
            raise TfConversionError("tuple required")
        return [convert(v, t) for v, t in zip(value, target[1], strict=True)]
    if kind == "map":
        if not isinstance(value, dict):
            raise TfConversionError(f"map of {type_name(target[1])} required")
        if not value and target[1] != DYNAMIC:
            return typed_empty(target)
        return {k: convert(v, target[1]) for k, v in value.items()}
    if kind == "object":
        if not isinstance(value, dict):
            raise TfConversionError("object required")
        out: dict[str, Any] = {}
        for name, t in target[1]:
            if name not in value:
                raise TfConversionError(f'attribute "{name}" is required')
            out[name] = convert(value[name], t)
        return out
    raise TfConversionError(f"unsupported type {target!r}")


def to_list(value: Any, param: str = "list") -> list[Any]:
    """``convert(value, list(any))``: unify the element types of a tuple, list or set."""
    known_type = getattr(value, "tf_type", None)
    if known_type is not None and known_type[0] in ("list", "set"):
        return typed_empty(("list", known_type[1]))  # type: ignore[no-any-return]
    if isinstance(value, TfSet):
        return list(value)
    if not isinstance(value, (list, tuple)):
        raise TfConversionError(f"list of any single type required, got {type_name(type_of(value))}")
    check_typed_nulls(list(value))
    elem = unify([type_of(v) for v in value])
    if elem is None:
        raise TfConversionError("cannot convert tuple to list of any single type")
    return [convert(v, elem) for v in value]


def to_set(value: Any) -> TfSet:
    if isinstance(value, TfSet):
        return value
    known_type = getattr(value, "tf_type", None)
    if known_type is not None and known_type[0] == "list":
        return typed_empty(("set", known_type[1]))  # type: ignore[no-any-return]
    if not isinstance(value, (list, tuple)):
        raise TfConversionError(f"set of any single type required, got {type_name(type_of(value))}")
    check_typed_nulls(list(value))
    elem = unify([type_of(v) for v in value])
    if elem is None:
        raise TfConversionError("cannot convert tuple to set of any single type")
    return make_set([convert(v, elem) for v in value], elem)


def to_map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TfConversionError(f"cannot convert {type_name(type_of(value))} to map of any single type")
    if getattr(value, "tf_type", None) is not None:
        return value
    check_typed_nulls(list(value.values()))
    elem = unify([type_of(v) for v in value.values()])
    if elem is None:
        raise TfConversionError("cannot convert object to map of any single type")
    return {k: convert(v, elem) for k, v in value.items()}


# -- equality ------------------------------------------------------------------------------------


def tf_equal(a: Any, b: Any) -> bool:
    """cty equality of two known values: type-sensitive (``1`` is not ``"1"`` nor ``true``)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and str(a) == str(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(tf_equal(a[k], b[k]) for k in a)
        )
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if isinstance(a, TfSet) != isinstance(b, TfSet) or len(a) != len(b):
            return False
        return all(tf_equal(x, y) for x, y in zip(a, b, strict=True))
    return False


# -- sets ----------------------------------------------------------------------------------------


def make_set(items: list[Any], elem: TfType | None = None) -> TfSet:
    """A set of (already converted) elements in cty's iteration order.

    Strings sort by bytes, numbers numerically, bools false first; other element types by the
    bytes of cty's hash string (``<1;>``, ``["a";]``), then insertion order (what cty does). Unknown elements last.
    """
    if elem is None:
        elem = unify([type_of(v) for v in items]) or DYNAMIC
    known: list[Any] = []
    unknown: list[Any] = []
    nulls: list[Any] = []
    for v in items:
        if isinstance(v, Unknown):
            unknown.append(v)
        elif v is None:
            nulls[:] = [None]  # after the other elements, as cty orders them
        elif not any(tf_equal(v, k) for k in known):
            known.append(v)
    if elem == STRING:
        known.sort(key=lambda s: str(s).encode("utf-8", "surrogatepass"))
    elif elem == NUMBER:
        known.sort(key=lambda n: exact_number(n))
    elif elem == BOOL:
        known.sort(key=bool)
    else:
        # cty orders other element types by their hash string (stable for equal strings)
        known.sort(key=lambda v: _hash_string(v, elem).encode("utf-8", "surrogatepass"))
    return TfSet(known + nulls + unknown)


def _hash_string(value: Any, t: TfType) -> str:
    if isinstance(value, Unknown):
        return "?"
    if value is None:
        return "~"
    if t == DYNAMIC:
        t = type_of(value)
    if t == NUMBER:
        return go_format_number(value, "g", 10, plus=False, space=False, sharp=False)
    if t == BOOL:
        return "T" if value else "F"
    if t == STRING:
        return go_quote(str(value))
    assert isinstance(t, tuple)
    kind = t[0]
    if kind == "map":
        return "{" + "".join(f"{go_quote(k)}:{_hash_string(value[k], t[1])};" for k in sorted(value)) + "}"
    if kind in ("list", "set"):
        return "[" + "".join(f"{_hash_string(v, t[1])};" for v in value) + "]"
    if kind == "object":
        return "<" + "".join(f"{_hash_string(value[n], at)};" for n, at in t[1]) + ">"
    if kind == "tuple":
        return "<" + "".join(f"{_hash_string(v, et)};" for v, et in zip(value, t[1], strict=True)) + ">"
    return "?"


# -- numbers -------------------------------------------------------------------------------------

_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_PREC = 512


def parse_number(text: str) -> int | float:
    """cty's string-to-number conversion: a decimal representation, nothing else."""
    s = str(text)
    if not _DECIMAL.match(s):
        raise TfConversionError(
            f'cannot convert "{s}" to number; given string must be a decimal representation of a number'
        )
    return decimal_to_number(Decimal(s))


def decimal_to_number(d: Decimal) -> int | float:
    """A decimal as Terraform parses it (big.ParseFloat with a 512-bit mantissa)."""
    if not d.is_finite():
        raise TfConversionError("number is out of range")
    if abs(d.adjusted()) > 10_000:
        raise TfConversionError("number is out of range")
    if d == d.to_integral_value():
        return int(d)
    return number_of(Fraction(d))


def _round_to_prec(frac: Fraction, prec: int = _PREC) -> Fraction:
    """``frac`` rounded to a binary float of ``prec`` bits of mantissa, half to even (big.ToNearestEven)."""
    if frac == 0:
        return frac
    n, d = abs(frac.numerator), frac.denominator
    shift = n.bit_length() - d.bit_length() - prec
    for _ in range(3):
        den = d << shift if shift >= 0 else d
        num = n if shift >= 0 else n << -shift
        q, r = divmod(num, den)
        if q.bit_length() > prec:
            shift += 1
        elif q.bit_length() < prec:
            shift -= 1
        else:
            break
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    value = Fraction(q << shift) if shift >= 0 else Fraction(q, 1 << -shift)
    return value if frac > 0 else -value


round_exact = _round_to_prec


def number_of(frac: Fraction) -> int | float:
    """The Terraform number of the exact result ``frac`` of an operation (rounded to 512 bits)."""
    if frac.denominator == 1 and abs(frac.numerator).bit_length() <= _PREC:
        return int(frac.numerator)
    r = _round_to_prec(frac)
    if r.denominator == 1:
        return int(r.numerator)
    return TfNumber(r)


def exact_number(n: int | float) -> Fraction:
    """The value Terraform holds for this number (512-bit binary float of its decimal literal)."""
    if isinstance(n, bool):
        raise TypeError("bool is not a number")
    if isinstance(n, int):
        return _round_to_prec(Fraction(n)) if abs(n).bit_length() > _PREC else Fraction(n)
    if isinstance(n, TfNumber):
        return n.exact
    if math.isnan(n) or math.isinf(n):
        raise TfConversionError("number is not finite")
    return _round_to_prec(Fraction(Decimal(repr(n))))


def format_number(n: int | float) -> str:
    """A number as Terraform prints it (``big.Float.Text('f', -1)``): ``1``, ``1.5``, ``0.00000015``."""
    if isinstance(n, bool):
        raise TypeError("bool is not a number")
    if isinstance(n, int):
        return str(n)
    if math.isnan(n) or math.isinf(n):
        raise TfConversionError("cannot format a non-finite number")
    if isinstance(n, TfNumber):
        ds, dp = _shortest(n.exact)
        return ("-" if n.exact < 0 else "") + _f_from_digits(ds, dp, max(len(ds) - dp, 0))
    if n == 0:
        return "-0" if math.copysign(1.0, n) < 0 else "0"
    d = Decimal(repr(n))
    if d == d.to_integral_value():
        return str(int(d))
    with localcontext() as ctx:
        ctx.prec = 1000
        return format(d.normalize(), "f")


def _digits(frac: Fraction, mode: str, prec: int) -> tuple[str, int]:
    """Decimal digits of |frac| and the decimal point position ``dp`` (value = 0.digits * 10**dp),
    rounded half-to-even at ``prec`` digits after the point (mode "f") or ``prec`` significant
    digits (mode "e"); prec < 0: shortest digits that give the 512-bit value back."""
    a = abs(frac)
    if a == 0:
        return "", 0
    if prec < 0:
        return _shortest(frac)
    # exponent: 10**(dp-1) <= a < 10**dp
    dp = len(str(a.numerator // a.denominator)) if a >= 1 else 0
    if a < 1:
        dp = 0
        while a * Fraction(10) ** (-dp + 1) < 1:
            dp -= 1
    scale = prec if mode == "f" else prec - dp
    scaled = a * Fraction(10) ** scale
    q = round(scaled)  # half to even
    if q == 0:
        return "", dp
    ds = str(q)
    new_dp = len(ds) - scale
    return ds, new_dp


def _shortest(frac: Fraction) -> tuple[str, int]:
    """The shortest decimal digits (and point position) that round to the same 512-bit value as
    ``frac``: ``big.Float.Text('f', -1)``."""
    a = _round_to_prec(abs(frac))
    if a == 0:
        return "", 0

    def fits(sig: int) -> tuple[str, int] | None:
        ds, dp = _digits(a, "e", sig)
        back = Fraction(int(ds or "0")) * Fraction(10) ** (dp - len(ds))
        return (ds.rstrip("0"), dp) if _round_to_prec(back) == a else None

    lo, hi = 1, 170  # 512 bits need at most 155 significant digits
    best = fits(hi)
    if best is None:  # pragma: no cover - cannot happen at 512 bits
        return _digits(a, "e", hi)
    while lo < hi:
        mid = (lo + hi) // 2
        got = fits(mid)
        if got is None:
            lo = mid + 1
        else:
            best, hi = got, mid
    return best


def go_format_number(
    n: int | float, verb: str, prec: int | None, *, plus: bool, space: bool, sharp: bool
) -> str:
    """``fmt.Sprintf`` of a ``*big.Float`` with verb e/E/f/g/G and optional precision (no width)."""
    frac = exact_number(n)
    neg = frac < 0 or (isinstance(n, float) and n == 0 and math.copysign(1.0, n) < 0)
    v = verb.lower()
    if v in ("e", "f"):
        p = 6 if prec is None else prec
        body = _fmt_e(frac, p, verb) if v == "e" else _fmt_f(frac, p)
    else:  # g
        shortest = prec is None
        p = -1 if shortest else max(prec or 0, 1)
        ds, dp = _digits(frac, "e", p)
        ds = ds.rstrip("0")
        if shortest:
            p = len(ds)
        eprec = p
        if eprec > len(ds) and len(ds) >= dp:
            eprec = len(ds)
        if shortest:
            eprec = 6
        exp = dp - 1
        if exp < -4 or exp >= eprec:
            body = _e_from_digits(ds, dp, min(p, len(ds)) - 1, "e" if verb == "g" else "E")
        else:
            if p > dp:
                p = len(ds)
            body = _f_from_digits(ds, dp, max(p - dp, 0))
    sign = "-" if neg else ("+" if plus else (" " if space else ""))
    return sign + body


def _fmt_f(frac: Fraction, prec: int) -> str:
    ds, dp = _digits(frac, "f", prec)
    return _f_from_digits(ds, dp, prec)


def _f_from_digits(ds: str, dp: int, prec: int) -> str:
    ip = ds[:dp].ljust(dp, "0") if dp > 0 else "0"
    fp = ds[dp:] if dp > 0 else "0" * (-dp) + ds
    fp = (fp + "0" * prec)[:prec]
    return ip + ("." + fp if prec > 0 else "")


def _fmt_e(frac: Fraction, prec: int, verb: str) -> str:
    ds, dp = _digits(frac, "e", prec + 1)
    if not ds:
        ds, dp = "0", 1
    return _e_from_digits(ds, dp, prec, verb)


def _e_from_digits(ds: str, dp: int, prec: int, verb: str) -> str:
    prec = max(prec, 0)
    first = ds[0] if ds else "0"
    rest = (ds[1:] + "0" * prec)[:prec]
    exp = dp - 1 if ds.strip("0") else 0
    if not ds:
        exp = 0
    sign = "-" if exp < 0 else "+"
    return f"{first}{'.' + rest if prec > 0 else ''}{verb}{sign}{abs(exp):02d}"


# -- Go string quoting ---------------------------------------------------------------------------


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote`` (what ``%q`` prints)."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable() and not (0xD800 <= c <= 0xDFFF):
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[ch])
        elif c < 0x20 or c == 0x7F:
            out.append(f"\\x{c:02x}")
        elif 0xD800 <= c <= 0xDFFF:
            out.append("\\ufffd")
        elif c < 0x10000:
            out.append(f"\\u{c:04x}")
        else:
            out.append(f"\\U{c:08x}")
    out.append('"')
    return "".join(out)
