"""jsonencode/jsondecode/yamlencode/yamldecode exactly as Terraform computes them.

``jsonencode`` is Go's ``encoding/json`` over cty values: object keys sorted, no spaces, ``<``,
``>``, ``&``, U+2028 and U+2029 escaped, numbers as ``big.Float.Text('f', -1)``.
``yamlencode`` is go-cty-yaml over libyaml's emitter: strings double-quoted, multi-line strings as
literal blocks where libyaml allows it, keys sorted; PyYAML's emitter is a port of libyaml's, so
it is driven with the same events. ``yamldecode`` resolves plain scalars as go-cty-yaml does
(``yes``/``on``/``y`` are bools, ``017`` is seventeen, timestamps become RFC 3339 strings).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from checker.terraform.functions_types import (
    TfConversionError,
    decimal_to_number,
    format_number,
    parse_number,
)
from checker.terraform.limits import MAX_YAML_NODES, check_yaml_nodes, encoded_size
from checker.terraform.values import Origin, TfStr, Unknown

if TYPE_CHECKING:  # imported where used: PyYAML costs start-up time and is rarely needed
    import yaml


class EncodingError(Exception):
    """The text cannot be decoded (message in Terraform's spirit)."""


# -- JSON ----------------------------------------------------------------------------------------

_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_JSON_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


# strings that json_string copies unchanged (most): checked in one regex call
_JSON_PLAIN = re.compile('[^"\\\\<>&\x00-\x1f\u2028\u2029\ud800-\udfff]*')


def json_string(s: str) -> str:
    if _JSON_PLAIN.fullmatch(s):
        return f'"{s}"'
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in _JSON_SHORT:
            out.append(_JSON_SHORT[ch])
        elif ch in _JSON_HTML:
            out.append(_JSON_HTML[ch])
        elif c < 0x20:
            out.append(f"\\u{c:04x}")
        elif 0xD800 <= c <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_encode(value: Any) -> str:
    """The JSON text Terraform's ``jsonencode`` produces for a known value."""
    encoded_size(value, "jsonencode() result")
    parts: list[str] = []
    _json_into(value, parts)
    return "".join(parts)


def _json_into(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise EncodingError("cannot encode a non-finite number as JSON")
        out.append(format_number(value))
    elif isinstance(value, str):
        out.append(json_string(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass"))):
            if i:
                out.append(",")
            out.append(json_string(str(key)))
            out.append(":")
            _json_into(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _json_into(item, out)
        out.append("]")
    elif isinstance(value, Unknown):
        raise EncodingError(f"value is unknown: {value.reason}")
    else:
        raise EncodingError(f"cannot encode {type(value).__name__}")


def _no_constant(name: str) -> Any:
    raise EncodingError(f"invalid character '{name[0]}' looking for beginning of value")


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_decode(text: str, origin: Origin | None) -> Any:
    if not text.strip():
        raise EncodingError("EOF")
    try:
        raw = json.loads(
            text,
            parse_float=Decimal,
            parse_int=int,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            raise EncodingError("extraneous data after JSON object") from None
        raise EncodingError(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    return _from_json(raw, origin)


def _from_json(raw: Any, origin: Origin | None) -> Any:
    if isinstance(raw, str):
        return TfStr(unicodedata.normalize("NFC", _SURROGATE.sub("\ufffd", raw)), origin)
    if isinstance(raw, Decimal):
        try:
            return decimal_to_number(raw)
        except TfConversionError as exc:
            raise EncodingError(str(exc)) from None
    if isinstance(raw, dict):
        return {_SURROGATE.sub("\ufffd", k): _from_json(v, origin) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_from_json(v, origin) for v in raw]
    return raw  # None, bool, int


# -- YAML encode ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _go_yaml_dumper() -> type[yaml.SafeDumper]:
    import yaml

    class _GoYamlDumper(yaml.SafeDumper):
        """libyaml's emitter as go-cty-yaml's fork runs it: a keep-chomped literal (``|+``) at the
        end of the document is not followed by a ``...`` document end marker."""

        def write_literal(self, text: str) -> None:
            open_ended = self.open_ended
            super().write_literal(text)
            self.open_ended = open_ended

        def write_double_quoted(self, text: str, split: bool = True) -> None:
            # libyaml's yaml_emitter_write_double_quoted_scalar: folds at a space once past the
            # best width (the space becomes the line break); PyYAML folds differently.
            self.write_indicator('"', True)
            spaces = False
            n = len(text)
            for i, ch in enumerate(text):
                if not _yaml_printable(ch) or ch in '\ufeff\n\r\x85\u2028\u2029"\\':
                    self._put(_yaml_escape(ch))
                    spaces = False
                elif ch == " ":
                    if split and not spaces and self.column > self.best_width and 0 < i < n - 1:
                        self.write_indent()
                        if text[i + 1] == " ":
                            self._put("\\")
                    else:
                        self._put(" ")
                    spaces = True
                else:
                    self._put(ch)
                    spaces = False
            self.whitespace = False
            self.indention = False
            self.write_indicator('"', False)

        def _put(self, data: str) -> None:
            self.column += len(data)
            self.stream.write(data)

    return _GoYamlDumper


_YAML_ESCAPES = {
    "\0": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}


def _yaml_printable(ch: str) -> bool:
    c = ord(ch)
    return (
        c == 0x0A
        or 0x20 <= c <= 0x7E
        or c == 0x85
        or 0xA0 <= c <= 0xD7FF
        or (0xE000 <= c <= 0xFFFD and c != 0xFEFF)
        or 0x10000 <= c <= 0x10FFFF
    )


def _yaml_escape(ch: str) -> str:
    if ch in _YAML_ESCAPES:
        return "\\" + _YAML_ESCAPES[ch]
    c = ord(ch)
    if c <= 0xFF:
        return f"\\x{c:02X}"
    if c <= 0xFFFF:
        return f"\\u{c:04X}"
    return f"\\U{c:08X}"


def yaml_encode(value: Any) -> str:
    import yaml

    encoded_size(value, "yamlencode() result")

    events: list[yaml.Event] = [yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False)]
    _yaml_events(value, events)
    events += [yaml.DocumentEndEvent(explicit=False), yaml.StreamEndEvent()]
    out = yaml.emit(events, Dumper=_go_yaml_dumper(), allow_unicode=True, indent=2, width=80, line_break="\n")
    assert isinstance(out, str)
    return out


def _yaml_events(value: Any, events: list[yaml.Event]) -> None:
    import yaml

    if value is None:
        events.append(yaml.ScalarEvent(None, None, (True, False), "null", style=None))
    elif isinstance(value, bool):
        events.append(yaml.ScalarEvent(None, None, (True, False), "true" if value else "false", style=None))
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            raise EncodingError("cannot encode a non-finite number as YAML")
        events.append(yaml.ScalarEvent(None, None, (True, False), format_number(value), style=None))
    elif isinstance(value, str):
        style = "|" if "\n" in value else '"'
        events.append(yaml.ScalarEvent(None, None, (False, True), str(value), style=style))
    elif isinstance(value, dict):
        events.append(yaml.MappingStartEvent(None, None, True, flow_style=not value))
        for key in sorted(value, key=lambda k: str(k).encode("utf-8", "surrogatepass")):
            _yaml_events(TfStr(str(key)), events)
            _yaml_events(value[key], events)
        events.append(yaml.MappingEndEvent())
    elif isinstance(value, (list, tuple)):
        events.append(yaml.SequenceStartEvent(None, None, True, flow_style=not value))
        for item in value:
            _yaml_events(item, events)
        events.append(yaml.SequenceEndEvent())
    elif isinstance(value, Unknown):
        raise EncodingError(f"value is unknown: {value.reason}")
    else:
        raise EncodingError(f"cannot encode {type(value).__name__}")


# -- YAML decode ---------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUES = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSES = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_TIMESTAMP = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:\.[0-9]*)?"
    r"(?:[ \t]*(?P<z>Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$"
)


def yaml_decode(text: str, origin: Origin | None) -> Any:
    """Decode one YAML document (or raise EncodingError, or _YamlUnsupported via ValueError)."""
    import yaml

    try:
        events: list[yaml.Event] = []
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            events.append(event)
            if len(events) > 2 * MAX_YAML_NODES + 4:  # a node is one event, or two (start and end)
                check_yaml_nodes(MAX_YAML_NODES + 1)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"on line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise EncodingError(f"{where}{problem}") from None
    docs = sum(1 for e in events if isinstance(e, yaml.DocumentStartEvent))
    if docs == 0:
        raise EncodingError("on line 1, column 1: missing start of document")
    if docs > 1:
        raise EncodingError("unexpected extra content after value")
    anchors: dict[str, Any] = {}
    # Nodes of the value as Terraform expands it: an alias counts the nodes of its anchor's value
    # (limits.MAX_YAML_NODES), counted while the value is built, so that a billion laughs stops early.
    weights: dict[str, int] = {}
    count = [0]
    pos = [0]

    def nxt() -> yaml.Event:
        e = events[pos[0]]
        pos[0] += 1
        return e

    def node() -> Any:
        e = nxt()
        if isinstance(e, yaml.AliasEvent):
            if e.anchor not in anchors:
                raise EncodingError(f"unknown anchor '{e.anchor}' referenced")
            count[0] += weights[e.anchor]
            check_yaml_nodes(count[0])
            return anchors[e.anchor]
        start = count[0]
        count[0] += 1
        check_yaml_nodes(count[0])
        if isinstance(e, yaml.ScalarEvent):
            v = _scalar(e, origin)
        elif isinstance(e, yaml.SequenceStartEvent):
            _check_tag(e.tag, "seq")
            items = []
            while not isinstance(events[pos[0]], yaml.SequenceEndEvent):
                items.append(node())
            nxt()
            v = items
        elif isinstance(e, yaml.MappingStartEvent):
            _check_tag(e.tag, "map")
            explicit: dict[str, Any] = {}
            merged: dict[str, Any] = {}
            while not isinstance(events[pos[0]], yaml.MappingEndEvent):
                key_event = events[pos[0]]
                is_merge = (
                    isinstance(key_event, yaml.ScalarEvent)
                    and key_event.value == "<<"
                    and key_event.style is None
                    and key_event.tag in (None, _TAG + "merge")
                )
                if not isinstance(key_event, (yaml.ScalarEvent, yaml.AliasEvent)):
                    raise EncodingError("only strings are allowed as mapping keys")
                key = node()
                val = node()
                if is_merge:
                    for m in val if isinstance(val, list) else [val]:
                        if not isinstance(m, dict):
                            raise EncodingError("map merge requires map or sequence of maps as the value")
                        for k, mv in m.items():
                            merged.setdefault(k, mv)
                    continue
                if key is None:
                    line = key_event.start_mark.line + 1 if key_event.start_mark is not None else 1
                    raise EncodingError(f"on line {line}, column 1: mapping key cannot be null")
                if isinstance(key, bool):
                    key = "true" if key else "false"
                elif isinstance(key, (int, float)):
                    key = format_number(key)
                elif not isinstance(key, str):
                    raise EncodingError("only strings are allowed as mapping keys")
                explicit[str(key)] = val
            nxt()
            v = {**merged, **explicit}
        else:
            raise EncodingError(f"unexpected {type(e).__name__}")
        anchor = getattr(e, "anchor", None)
        if anchor:
            anchors[anchor] = v
            weights[anchor] = count[0] - start
        return v

    while not isinstance(events[pos[0]], yaml.DocumentStartEvent):
        pos[0] += 1
    pos[0] += 1
    return node()


def _check_tag(tag: str | None, kind: str) -> None:
    if tag not in (None, "!", _TAG + kind):
        raise EncodingError(f'unsupported tag "{tag}"')


def _scalar(e: yaml.ScalarEvent, origin: Origin | None) -> Any:
    text = e.value
    tag = e.tag
    plain = e.style is None
    if tag in (None, "!"):
        if not plain or tag == "!":
            return TfStr(text, origin)
        return _resolve_plain(text, origin)
    if not tag.startswith(_TAG):
        raise EncodingError(f'unsupported tag "{tag}"')
    kind = tag[len(_TAG):]
    if kind in ("str", "binary", "timestamp") or not plain:
        if kind not in ("str", "binary", "timestamp", "int", "float", "bool", "null"):
            raise EncodingError(f'unsupported tag "!!{kind}"')
        return TfStr(text, origin)
    if kind in ("int", "float", "bool", "null"):
        return _resolve_plain(text, origin)
    raise EncodingError(f'unsupported tag "!!{kind}"')


def _resolve_plain(text: str, origin: Origin | None) -> Any:
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if text in (".nan", ".NaN", ".NAN"):
        raise EncodingError("floating point NaN is not supported")
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"):
        raise EncodingError("floating point infinity is not supported")
    if text and (text[0].isdigit() or text[0] in "+-."):
        ts = _timestamp(text)
        if ts is not None:
            return TfStr(ts, origin)
        try:
            return parse_number(text)
        except TfConversionError:
            pass
        if _HEX.match(text):
            return int(text[2:], 16)
        if _OCT.match(text):
            return int(text[2:], 8)
    return TfStr(text, origin)


def _timestamp(text: str) -> str | None:
    m = _TIMESTAMP.match(text)
    if not m:
        return None
    from datetime import UTC, datetime, timedelta, timezone  # here: rarely needed, slow to import

    try:
        if m.group("h") is None:
            dt = datetime(int(m["y"]), int(m["mo"]), int(m["d"]), tzinfo=UTC)
        else:
            tz = UTC
            z = m.group("z")
            if z and z != "Z":
                direction = -1 if z[0] == "-" else 1
                digits = z[1:].replace(":", "")
                hours = int(digits[:-2] if len(digits) > 2 else digits)
                mins = int(digits[-2:]) if len(digits) > 2 else 0
                tz = timezone(direction * timedelta(hours=hours, minutes=mins))
            dt = datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]), tzinfo=tz)
    except ValueError:
        return None
    off = dt.utcoffset()
    if not off:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    minutes = int(off.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

