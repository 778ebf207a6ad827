"""String functions that need care: ``format`` (Go verbs over cty values), RE2 regular
expressions with Go's match iteration, grapheme clusters, Go's case mapping and ``title``."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from checker.terraform.functions_encoding import json_encode, json_string
from checker.terraform.functions_types import (
    TfConversionError,
    convert,
    go_format_number,
)
from checker.terraform.limits import check_string, joined_length, width_of

if TYPE_CHECKING:  # imported where used (start-up time)
    import regex  # type: ignore[import-untyped]


class TextError(Exception):
    """Terraform would reject the call."""


class TextUnsupported(Exception):
    """Valid for Terraform, but not computed here (the result becomes Unknown)."""


# -- grapheme clusters ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _grapheme_re() -> regex.Pattern[str]:
    import regex

    return regex.compile(r"\X")


def graphemes(s: str) -> list[str]:
    """Extended grapheme clusters (Unicode's segmentation, as Terraform's ``textseg``).

    In ASCII text every character is a cluster of its own except CR LF (rule GB3), so the common
    case needs neither the ``regex`` module (milliseconds to import) nor its segmentation."""
    if s.isascii() and "\r" not in s:
        return list(s)
    return [str(g) for g in _grapheme_re().findall(s)]


# -- case mapping (Go's simple per-rune mappings) ------------------------------------------------

_SPECIAL_LOWER = {"\u0130": "i"}


def go_upper(s: str) -> str:
    return "".join(u if len(u := c.upper()) == 1 else c for c in s)


def go_lower(s: str) -> str:
    return "".join(_SPECIAL_LOWER.get(c) or (lo if len(lo := c.lower()) == 1 else c) for c in s)


def _go_to_title(c: str) -> str:
    t = c.title()
    if len(t) == 1:
        return t
    u = c.upper()
    return u if len(u) == 1 else c


def _is_separator(c: str) -> bool:
    # Go's strings.Title word boundaries
    o = ord(c)
    if o <= 0x7F:
        return not (c.isascii() and (c.isalnum() or c == "_"))
    cat = unicodedata.category(c)
    if cat[0] in "LN":
        return False
    return c.isspace()


def go_title(s: str) -> str:
    out = []
    prev = " "
    for c in s:
        out.append(_go_to_title(c) if _is_separator(prev) else c)
        prev = c
    return "".join(out)


# -- format --------------------------------------------------------------------------------------

_VERB = re.compile(r"%(?P<flags>[-+# 0]*)(?:\[(?P<idx>[0-9]+)\])?(?P<width>[0-9]+)?(?:\.(?P<prec>[0-9]*))?(?P<verb>.?)", re.S)


def _pad(body: str, width: int | None, minus: bool, zero: bool) -> str:
    if width is None or len(body) >= width:
        return body
    fill = width - len(body)
    if minus:
        return body + " " * fill
    return ("0" if zero else " ") * fill + body


def _as_number(value: Any, verb: str, at: int) -> int | float:
    try:
        n = convert(value, "number")
    except TfConversionError:
        raise TextError(f'unsupported value for "%{verb}" at {at}: a number is required') from None
    assert isinstance(n, (int, float))
    return n


def _format_int(n: int, verb: str, flags: str, width: int | None, prec: int | None) -> str:
    base = {"b": 2, "o": 8, "d": 10, "x": 16, "X": 16}[verb]
    sign = "-" if n < 0 else ("+" if "+" in flags else (" " if " " in flags else ""))
    prefix = ""
    if "#" in flags:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb, "")
    a = abs(n)
    digits = {2: format(a, "b"), 8: format(a, "o"), 10: str(a), 16: format(a, "x")}[base]
    if verb == "X":
        digits = digits.upper()
    zeros = left = right = 0
    if prec is not None:
        if len(digits) < prec:
            zeros = prec - len(digits)
        elif digits == "0" and prec == 0:
            return _pad("", width, "-" in flags, False)
    length = len(sign) + len(prefix) + zeros + len(digits)
    if width is not None and length < width:
        d = width - length
        if "-" in flags:
            right = d
        elif "0" in flags and prec is None:
            zeros = d
        else:
            left = d
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _format_float(n: int | float, verb: str, flags: str, width: int | None, prec: int | None) -> str:
    text = go_format_number(n, verb, prec, plus="+" in flags, space=" " in flags, sharp="#" in flags)
    sign = ""
    if text[:1] in ("-", "+", " "):
        sign, text = text[0], text[1:]
    padding = width - len(sign) - len(text) if width is not None and width > len(sign) + len(text) else 0
    if "0" in flags:
        return sign + "0" * padding + text
    if "-" in flags:
        return sign + text + " " * padding
    return " " * padding + sign + text


def _to_string(value: Any, verb: str, at: int) -> str:
    try:
        s = convert(value, "string")
    except TfConversionError:
        raise TextError(f'unsupported value for "%{verb}" at {at}: string required') from None
    return str(s)


def tf_format(fmt: str, args: list[Any]) -> str | None:
    """Terraform's ``format``; None when an argument is null (Terraform returns null then)."""
    if any(a is None for a in args):
        return None
    out: list[str] = []
    pos = 0
    next_arg = 0
    used = 0
    while True:
        i = fmt.find("%", pos)
        if i < 0:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:i])
        if fmt.startswith("%%", i):
            out.append("%")
            pos = i + 2
            continue
        m = _VERB.match(fmt, i)
        assert m is not None
        verb = m["verb"]
        if verb == "":
            raise TextError(f"invalid format string starting at offset {i}")
        if verb == "*" or (verb.isdigit() and verb != "0") or verb in "[.":
            raise TextError(f"unrecognized format character '{verb}' at offset {m.start('verb') - 0}")
        flags = m["flags"]
        width = width_of(m["width"], "format width") if m["width"] else None
        prec = (width_of(m["prec"], "format precision") if m["prec"] else 0) if m["prec"] is not None else None
        if m["idx"] is not None:
            next_arg = int(m["idx"]) - 1
        at = i
        if verb not in "vtbdoxXeEfgGsq":
            raise TextError(f"unsupported format verb '{verb}' in \"{m.group(0)}\" at offset {at}")
        if next_arg >= len(args) or next_arg < 0:
            raise TextError(
                f'not enough arguments for "{m.group(0)}" at {at}: need index {next_arg + 1} but have {len(args)} total'
            )
        arg = args[next_arg]
        next_arg += 1
        used = max(used, next_arg)
        minus = "-" in flags
        zero = "0" in flags and not minus
        if verb == "v":
            if "#" in flags:
                body = json_encode(arg)
            elif isinstance(arg, (str, int, float)):
                body = _to_string(arg, verb, at)
            else:
                body = json_encode(arg)
            out.append(_pad(body, width, minus, zero))
        elif verb == "t":  # Terraform ignores width and flags here
            try:
                b = convert(arg, "bool")
            except TfConversionError:
                raise TextError(f'unsupported value for "%t" at {at}: bool is required') from None
            out.append("true" if b else "false")
        elif verb in "bdoxX":
            n = _as_number(arg, verb, at)
            if isinstance(n, float):
                if not n.is_integer():
                    raise TextError(f'unsupported value for "%{verb}" at {at}: an integer is required')
                n = int(n)
            out.append(_format_int(n, verb, flags, width, prec))
        elif verb in "eEfgG":
            out.append(_format_float(_as_number(arg, verb, at), verb, flags, width, prec))
        elif verb == "s":
            s = _to_string(arg, verb, at)
            if prec is not None:
                s = s[:prec]
            out.append(_pad(s, width, minus, zero))
        else:  # q
            if "#" in flags or "+" in flags:
                raise TextUnsupported("format verb %q with the # or + flag is not supported")
            s = _to_string(arg, verb, at)
            if prec is not None:
                s = s[:prec]
            out.append(_pad(json_string(s), width, minus, zero))  # cty quotes as JSON
        pos = m.end()
    if used < len(args):
        raise TextError(f"too many arguments; only {used} used by format string")
    joined_length(out, what="format() result")
    return "".join(out)


# -- RE2 regular expressions ---------------------------------------------------------------------

def compile_re2(pattern: str) -> Any:
    """Compile a pattern with RE2 itself (google-re2), the engine whose syntax and semantics Go's
    ``regexp`` (Terraform's) implements: Unicode classes, case folding, ``\\s``, ``$`` at the end of
    text only. ``\\C`` (one byte), which Go rejects, is rejected too."""
    import re2  # type: ignore[import-untyped]

    i = 0
    while True:
        i = pattern.find("\\", i)
        if i < 0 or i + 1 >= len(pattern):
            break
        if pattern[i + 1] == "C":
            raise TextError("invalid regexp pattern: invalid escape sequence: `\\C`")
        i += 2
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        message = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise TextError(f"invalid regexp pattern: {message}") from None


def find_all(rx: Any, s: str) -> list[Any]:
    """Go's ``FindAllStringSubmatchIndex`` iteration (no empty match right after a match)."""
    matches: list[Any] = []
    pos = 0
    prev_end = -1
    while pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            break
        accept = True
        if m.end() == pos:
            if m.start() == prev_end:
                accept = False
            pos += 1
        else:
            pos = m.end()
        prev_end = m.end()
        if accept:
            matches.append(m)
    return matches


def _expand(template: str, m: Any) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``$name``, ``${name}``, ``$$``."""
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        i = j + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        k = i + 1 if brace else i
        start = k
        while k < n and (template[k].isascii() and (template[k].isalnum() or template[k] == "_")):
            k += 1
        name = template[start:k]
        if not name or (brace and (k >= n or template[k] != "}")):
            out.append("$")
            continue
        i = k + 1 if brace else k
        if name.isdigit():
            if int(name) <= m.re.groups:
                out.append(m.group(int(name)) or "")
        elif name in m.re.groupindex:
            out.append(m.group(name) or "")
    return "".join(out)


def regex_replace(s: str, pattern: str, repl: str) -> str:
    rx = compile_re2(pattern)
    out: list[str] = []
    total = 0
    last_end = 0
    pos = 0
    while pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            break
        out.append(s[last_end : m.start()])
        if m.end() > last_end or m.start() == 0:
            out.append(_expand(repl, m))
            total += len(out[-1]) + len(out[-2])
            check_string(total, "replace() result")
        last_end = m.end()
        if pos + 1 > m.end():
            pos += 1
        else:
            pos = m.end()
    out.append(s[last_end:])
    return "".join(out)


def regex_result_kind(rx: Any) -> str:
    names = set(rx.groupindex)
    named = len(names)
    unnamed = rx.groups - len(rx.groupindex)
    if rx.groups == 0:
        return "string"
    if named == 0:
        return "tuple"
    if unnamed == 0:
        return "object"
    raise TextError("invalid regular expression: can't mix both named and unnamed capture groups")


def match_value(rx: Any, m: Any, kind: str, wrap: Callable[[str], Any]) -> Any:
    if kind == "string":
        return wrap(m.group(0))
    if kind == "tuple":
        return [None if g is None else wrap(g) for g in m.groups()]
    return {name: (None if m.group(name) is None else wrap(m.group(name))) for name in rx.groupindex}
