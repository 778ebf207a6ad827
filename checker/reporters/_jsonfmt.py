"""``json.dumps(value, indent=2, ensure_ascii=False)``, the same text, several times faster.

With ``indent`` set, the standard library encodes through its pure-Python generator (one resumption
per token): on the report of all 1,645 AWS managed policies (24,000 findings, some listing 15,000
actions) that took 1.7 s, a third of the run. This writes the same text, with the C string encoder
for every string and a list of strings (the bulk of a report) joined in one call. Anything but
``dict`` with ``str`` keys, ``list``, ``tuple``, ``str``, ``int``, finite ``float``, ``bool`` and
``None`` goes to :func:`json.dumps` itself, so its errors and conventions stay. ``tests/test_jsonfmt.py``
compares the two on generated values.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

INDENT = "  "


def dumps(value: Any) -> str:
    """The text of ``json.dumps(value, indent=2, ensure_ascii=False)``."""
    out: list[str] = []
    try:
        _write(value, 0, out)
    except _Unusual:
        if _has_verbatim(value):
            raise
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)


class Verbatim(str):
    """JSON text written as it is, in place of a value (a caller that writes some part faster).

    Its text must be what :func:`dumps` writes for that value at that place (indentation
    included). :func:`dumps` raises :class:`Unusual` rather than hand a document holding one to
    :func:`json.dumps`, which would write it as a string: the caller then starts again without."""

    __slots__ = ()


class _Unusual(Exception):
    """A value this writer leaves to json.dumps (non-str keys, other types, NaN, cycles too deep)."""


Unusual = _Unusual


def _has_verbatim(value: Any) -> bool:
    todo = [value]
    while todo:
        item = todo.pop()
        if type(item) is Verbatim:
            return True
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list | tuple):
            todo.extend(item)
    return False


def _scalar(value: Any) -> str:
    if isinstance(value, str):  # str subclasses (a StrEnum) as their text, as json does
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return float.__repr__(value)
    raise _Unusual


def _write(value: Any, level: int, out: list[str]) -> None:
    if type(value) is Verbatim:
        out.append(value)
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        if level > 500:
            raise _Unusual
        pad = "\n" + INDENT * (level + 1)
        sep = "{" + pad
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unusual
            t = type(item)  # strings and small integers inline: most values of a report
            if t is str:
                out.append(sep + encode_basestring(key) + ": " + encode_basestring(item))
            elif t is int:
                out.append(sep + encode_basestring(key) + ": " + int.__repr__(item))
            else:
                out.append(sep + encode_basestring(key) + ": ")
                _write(item, level + 1, out)
            sep = "," + pad
        out.append("\n" + INDENT * level + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        if level > 500:
            raise _Unusual
        pad = "\n" + INDENT * (level + 1)
        if all(type(x) is str for x in value):
            out.append("[" + pad + ("," + pad).join(map(encode_basestring, value)) + "\n" + INDENT * level + "]")
            return
        sep = "[" + pad
        for item in value:
            out.append(sep)
            sep = "," + pad
            _write(item, level + 1, out)
        out.append("\n" + INDENT * level + "]")
    else:
        out.append(_scalar(value))
