"""A strict JSON parser that keeps the position of every value and every duplicate key.

Python's :mod:`json` forgets where values are written and silently keeps the last of
duplicate keys, so a grant can hide behind a first ``"Action"``. :func:`parse_json` returns
a tree of :class:`JsonNode` (each with its 1-based line and column), the object members in
source order *including* duplicates, and the list of duplicate keys found.

What is accepted is strict RFC 8259 JSON, as AWS accepts it: no comments, no trailing commas,
no ``NaN``/``Infinity``, no single quotes, no raw control characters in strings, only
``' ' \\t \\n \\r`` as whitespace. Every error is a :class:`JsonSyntaxError` naming a line and
column. Values equal :func:`json.loads` for every valid document (the tests check this).

Positions
    Lines are separated by ``\\n`` (``\\r\\n`` works; a lone ``\\r`` is not a line break).
    Columns count characters (code points) of the decoded text from 1; a tab is one column;
    a leading byte order mark is not a column.

Limits
    Containers nest at most :data:`MAX_DEPTH` (1,000) deep; the 1,001st nested ``[`` or ``{``
    is a :class:`JsonSyntaxError` at that bracket. The parser itself never recurses, and
    neither do :meth:`JsonNode.to_python`, :meth:`JsonNode.get` and :meth:`JsonNode.lookup`;
    the ``==``/``repr`` that ``dataclass`` generates do recurse (fine for policies).

Numbers
    Integers are ``int``, numbers with a fraction or exponent are ``float`` (as in ``json``);
    ``1e400`` becomes ``float('inf')`` without error (rules must treat it as suspect).
    Integers longer than Python's ``int`` digit limit (4,300 digits) are a syntax error.

Speed
    One compiled regular expression tokenizes with ``findall`` over chunks of about 256K
    characters (ending after a newline); strings without escapes are sliced out directly,
    others go to json's C ``scanstring``; lines are counted from the whitespace between
    tokens (only it holds newlines). Nodes are built without the dataclass ``__init__``, and
    the cyclic garbage collector is paused while parsing (the tree has no cycles). See
    ``benchmarks/bench_jsonpos.py``: on a shared 2-core machine, the 1,645 managed policies
    take 0.3-0.4 s; a 55 MB, 200,000-statement file 7.5 s and 520 MiB peak RSS.
"""

from __future__ import annotations

import codecs
import gc
import re
from collections.abc import Callable, Sequence
from json import decoder as _json_decoder
from json.decoder import JSONDecodeError
from typing import Any, Literal, cast

from checker._dataclass import dataclass

__all__ = [
    "MAX_DEPTH",
    "DuplicateKey",
    "JsonNode",
    "JsonSyntaxError",
    "ParsedJson",
    "decode_text",
    "parse_json",
]

# The C string scanner of json (not in typeshed): (text, offset after the quote, strict) -> (value, end).
_scanstring: Callable[[str, int, bool], tuple[str, int]] = _json_decoder.scanstring  # type: ignore[attr-defined]

#: Deepest nesting of arrays and objects accepted (the root container is depth 1).
MAX_DEPTH = 1000

JsonKind = Literal["object", "array", "string", "number", "true", "false", "null"]


@dataclass(frozen=True, slots=True)
class JsonNode:
    """One JSON value and where it is written.

    ``line``/``col`` are the 1-based position of the value's first character, ``end_line``
    the line of its last character (the closing bracket of a container). ``value`` is the
    Python value of a scalar (``str``, ``int``/``float``, ``bool``, ``None``) and ``None`` for
    containers. ``items`` holds array elements; ``members`` holds object members in source
    order as ``(key, key_line, value)``, duplicates included.
    """

    kind: JsonKind
    line: int
    col: int
    end_line: int
    value: Any
    items: tuple[JsonNode, ...] = ()
    members: tuple[tuple[str, int, JsonNode], ...] = ()

    def get(self, key: str) -> JsonNode | None:
        """The value of the last member named exactly ``key`` (as :mod:`json` keeps), or None."""
        for name, _, node in reversed(self.members):
            if name == key:
                return node
        return None

    def lookup(self, path: Sequence[str | int]) -> JsonNode | None:
        """Follow object keys (last duplicate wins) and array indices; None when absent.

        ``root.lookup(["Statement", 0, "Action", 2])`` is the third action of the first
        statement. A string step on an array, or an int step on an object, is absent.
        """
        node: JsonNode | None = self
        for step in path:
            if node is None:
                return None
            if isinstance(step, str):
                node = node.get(step) if node.kind == "object" else None
            elif node.kind == "array" and -len(node.items) <= step < len(node.items):
                node = node.items[step]
            else:
                return None
        return node

    def to_python(self) -> Any:
        """The plain Python value, equal to what :func:`json.loads` returns.

        Objects become dicts in which the last duplicate wins (the key keeps the position of
        its first occurrence, as ``json`` does). Iterative: depth is no concern.
        """
        if self.kind != "array" and self.kind != "object":
            return self.value
        root: Any = [] if self.kind == "array" else {}
        todo: list[tuple[JsonNode, Any]] = [(self, root)]
        while todo:
            node, out = todo.pop()
            if node.kind == "array":
                for child in node.items:
                    kind = child.kind
                    if kind == "array" or kind == "object":
                        sub: Any = [] if kind == "array" else {}
                        todo.append((child, sub))
                        out.append(sub)
                    else:
                        out.append(child.value)
            else:
                for key, _, child in node.members:
                    kind = child.kind
                    if kind == "array" or kind == "object":
                        sub = [] if kind == "array" else {}
                        todo.append((child, sub))
                        out[key] = sub
                    else:
                        out[key] = child.value
        return root


class _NodeBuilder:
    """Builds a :class:`JsonNode` three times faster than its dataclass ``__init__``.

    Same slots, no frozen ``__setattr__``: the fields are stored directly, then the object
    becomes a ``JsonNode`` by ``__class__`` assignment (allowed: the layouts are identical).
    """

    __slots__ = ("col", "end_line", "items", "kind", "line", "members", "value")

    def __init__(
        self,
        kind: str,
        line: int,
        col: int,
        end_line: int,
        value: Any,
        items: tuple[JsonNode, ...] = (),
        members: tuple[tuple[str, int, JsonNode], ...] = (),
    ) -> None:
        self.kind = kind
        self.line = line
        self.col = col
        self.end_line = end_line
        self.value = value
        self.items = items
        self.members = members
        _set_attribute(self, "__class__", JsonNode)


_set_attribute = object.__setattr__
_new_node = cast("Callable[..., JsonNode]", _NodeBuilder)


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key written more than once in the same object.

    ``line`` is the line of this (later) occurrence, ``first_line`` that of the first one;
    ``path`` leads from the root to the object holding the key (the key itself is not part
    of it), e.g. ``("Statement", 0)`` for a second ``"Action"`` in the first statement.
    Three ``"Action"`` keys give two records, both with the first one's line.
    """

    key: str
    line: int
    first_line: int
    path: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ParsedJson:
    """The parse result: the root value, duplicate keys (ordered by line), and whether a BOM led the text."""

    root: JsonNode
    duplicates: tuple[DuplicateKey, ...]
    had_bom: bool


class JsonSyntaxError(ValueError):
    """Invalid JSON (or undecodable bytes); ``str()`` is ``"<message> at line L column C"``."""

    message: str
    line: int
    col: int

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(f"{message} at line {line} column {col}")
        self.message = message
        self.line = line
        self.col = col

    def __reduce__(self) -> tuple[type[JsonSyntaxError], tuple[str, int, int]]:
        return (type(self), (self.message, self.line, self.col))


# ---------------------------------------------------------------------------------------------
# Decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16-LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _encoding(data: bytes) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    # Without a BOM, JSON text starts with an ASCII character, so the NUL bytes around it tell
    # UTF-16 and UTF-32 apart (RFC 4627 section 3; the same test as json.detect_encoding).
    if len(data) >= 4:
        if not data[0]:
            return "utf-32-be" if not data[1] else "utf-16-be"
        if not data[1]:
            return "utf-32-le" if not data[2] and not data[3] else "utf-16-le"
    elif len(data) == 2:
        if not data[0]:
            return "utf-16-be"
        if not data[1]:
            return "utf-16-le"
    return "utf-8"


def decode_text(data: bytes) -> str:
    """Decode the bytes of a JSON file to text.

    UTF-8 by default; UTF-16 and UTF-32 when a byte order mark (or, without one, the NUL bytes
    around the first ASCII character) says so. A byte order mark is kept as a leading
    ``'\\ufeff'``, which :func:`parse_json` accepts and reports as ``had_bom``. Undecodable
    bytes raise :class:`JsonSyntaxError` naming the line, column and byte offset.
    """
    encoding = _encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start
        before = data[:offset].decode(encoding, errors="replace")
        line = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        if line == 1 and before.startswith("\ufeff"):
            line_start = 1
        col = len(before) - line_start + 1
        label = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
        if encoding == "utf-8":
            what = f"byte 0x{data[offset]:02x} at byte offset {offset}"
        else:
            what = f"{exc.reason} at byte offset {offset}"
        raise JsonSyntaxError(f"Invalid {label} ({what})", line, col) from None


# ---------------------------------------------------------------------------------------------
# Parsing

# Tokens as (whitespace before, token) pairs, found by ``findall`` over chunks of the text
# (a list of tuples built in C is much faster than a match object per token). A token is a
# string (escapes are validated by json's scanner when present; ``\Z`` lets an unterminated
# string at the end be one token), a number, a word (``true``, ``false``, ``null``, or an
# error such as ``NaN``), a punctuation mark, or any other single character (an error).
# ``[0-9]`` and not ``\d``: ``\d`` matches non-ASCII digits in str patterns.
_TOKEN = re.compile(
    r"""([ \t\n\r]*)(
        "[^"\\\x00-\x1f]*(?:\\[^\x00-\x1f][^"\\\x00-\x1f]*)*(?:"|\\?\Z)
       |[,:\[\]{}]
       |-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?
       |[a-zA-Z]+
       |[^ \t\n\r]
    )""",
    re.VERBOSE,
)
_CHUNK = 1 << 18  # characters per findall call, then up to the next newline

# Parser states.
_V_ROOT = 0  # the document's value
_V_FIRST = 1  # after '[': a value or ']'
_V_NEXT = 2  # after ',' in an array
_V_MEMBER = 3  # after ':'
_K_FIRST = 4  # after '{': a key or '}'
_K_NEXT = 5  # after ',' in an object
_COLON = 6  # after a key
_AFTER = 7  # after a value: ',' or a closing bracket (or the end at the root)

_LITERALS: dict[str, tuple[JsonKind, bool | None]] = {
    "true": ("true", True),
    "false": ("false", False),
    "null": ("null", None),
}


class _Source:
    """The text being parsed, for error positions (computed only when an error happens)."""

    __slots__ = ("origin", "text")

    def __init__(self, text: str, origin: int) -> None:
        self.text = text
        self.origin = origin

    def position(self, pos: int) -> tuple[int, int]:
        text = self.text
        line = text.count("\n", 0, pos) + 1
        line_start = max(text.rfind("\n", 0, pos) + 1, self.origin)
        return line, pos - line_start + 1

    def error(self, message: str, pos: int) -> JsonSyntaxError:
        line, col = self.position(pos)
        return JsonSyntaxError(message, line, col)

    def unexpected(self, pos: int, expected: str, stack: list[_Frame]) -> JsonSyntaxError:
        """The error for whatever stands at ``pos`` when ``expected`` was wanted."""
        text = self.text
        if pos >= len(text):
            if stack:
                _, _, _, opened_line, opened_col, _, _, opened = stack[-1]
                # The innermost open container is the current one, saved on the next push;
                # the caller passes it as the last frame.
                bracket = text[opened]
                return self.error(
                    f"Unexpected end of file: '{bracket}' opened at line {opened_line} "
                    f"column {opened_col} is not closed",
                    pos,
                )
            if pos == self.origin:
                return self.error("Empty file: expecting a JSON value", pos)
            return self.error("Expecting value (the file holds only whitespace)", pos)
        char = text[pos]
        if text.startswith(("//", "/*"), pos):
            return self.error("Comments are not allowed in JSON", pos)
        if expected == "value":
            if text.startswith(("NaN", "Infinity", "-Infinity"), pos):
                return self.error("NaN and Infinity are not valid JSON numbers", pos)
            if char == "'":
                return self.error("Expecting value: strings must be enclosed in double quotes", pos)
            return self.error("Expecting value", pos)
        if expected == "key":
            return self.error("Expecting property name enclosed in double quotes", pos)
        if expected == "colon":
            return self.error("Expecting ':' delimiter", pos)
        if expected == "end":
            return self.error("Extra data", pos)
        return self.error("Expecting ',' delimiter", pos)


# A saved container context: (kind 0 root / 1 array / 2 object, items or members list,
# keys list, line, col, key, key line, offset of the opening bracket).
_Frame = tuple[int, list[Any], list[str], int, int, str, int, int]


def parse_json(text: str | bytes) -> ParsedJson:
    """Parse one JSON document, keeping positions and duplicate keys.

    Bytes are decoded with :func:`decode_text`; a leading ``'\\ufeff'`` is skipped and
    reported as ``had_bom``. Raises :class:`JsonSyntaxError` for anything that is not strict
    JSON (see the module documentation), nested deeper than :data:`MAX_DEPTH`, or empty.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_text(bytes(text))
    # The tree holds no reference cycles; the cyclic collector would only rescan the growing
    # tree again and again (it doubles the time of a large file).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse(text)
    finally:
        if collecting:
            gc.enable()


def _parse(text: str) -> ParsedJson:
    had_bom = text.startswith("\ufeff")
    origin = 1 if had_bom else 0
    src = _Source(text, origin)
    new_node = _new_node
    findall = _TOKEN.findall
    literals = _LITERALS
    memo: dict[str, str] = {}
    memo_get = memo.setdefault
    size = len(text)

    pos = origin  # offset of the next token's whitespace
    line = 1
    line_start = origin  # offset of the current line's first character
    state = _V_ROOT
    root: JsonNode | None = None
    duplicates: list[DuplicateKey] = []

    # The current container, kept in locals; saved on ``stack`` when a child opens.
    c_kind = 0
    c_list: list[Any] = []
    c_keys: list[str] = []
    c_line = c_col = 0
    c_open = 0
    key = ""
    key_line = 0
    stack: list[_Frame] = []

    final = False
    while not final:
        # A chunk ends just after a newline, which no token spans: no token is ever cut.
        end = text.find("\n", pos + _CHUNK) + 1
        final = end == 0
        for ws, tok in findall(text, pos, size if final else end):
            if ws:
                if "\n" in ws:
                    line += ws.count("\n")
                    line_start = pos + ws.rfind("\n") + 1
                pos += len(ws)
            start = pos
            pos += len(tok)
            char = tok[0]
            node: JsonNode

            if char == '"':
                if "\\" in tok or tok[-1] != '"' or len(tok) == 1:
                    string = _scan_string(src, start, pos)
                else:
                    string = tok[1:-1]
                if state < _K_FIRST:
                    node = new_node("string", line, start - line_start + 1, line, string)
                elif state < _COLON:
                    key = memo_get(string, string)
                    key_line = line
                    c_keys.append(key)
                    state = _COLON
                    continue
                else:
                    raise src.unexpected(start, _expected(state, c_kind), [])
            elif char == ",":
                if state != _AFTER or c_kind == 0:
                    raise src.unexpected(start, _expected(state, c_kind), [])
                state = _V_NEXT if c_kind == 1 else _K_NEXT
                continue
            elif char == ":":
                if state != _COLON:
                    raise src.unexpected(start, _expected(state, c_kind), [])
                state = _V_MEMBER
                continue
            elif char == "]" or char == "}":
                if char == "]":
                    if not (c_kind == 1 and state in (_AFTER, _V_FIRST)):
                        raise _close_error(src, start, state, c_kind, char)
                    node = new_node("array", c_line, c_col, line, None, tuple(c_list))
                else:
                    if not (c_kind == 2 and state in (_AFTER, _K_FIRST)):
                        raise _close_error(src, start, state, c_kind, char)
                    members = tuple(c_list)
                    node = new_node("object", c_line, c_col, line, None, (), members)
                    if len(set(c_keys)) != len(c_keys):
                        _record_duplicates(members, stack, duplicates)
                c_kind, c_list, c_keys, c_line, c_col, key, key_line, c_open = stack.pop()
            elif char == "[" or char == "{":
                if state >= _K_FIRST:
                    raise src.unexpected(start, _expected(state, c_kind), [])
                if len(stack) >= MAX_DEPTH:
                    raise src.error(f"Nesting deeper than {MAX_DEPTH} arrays and objects", start)
                stack.append((c_kind, c_list, c_keys, c_line, c_col, key, key_line, c_open))
                c_line = line
                c_col = start - line_start + 1
                c_open = start
                c_list = []
                if char == "[":
                    c_kind = 1
                    state = _V_FIRST
                else:
                    c_kind = 2
                    c_keys = []
                    state = _K_FIRST
                continue
            elif char in _NUMBER_START and tok != "-":
                if state >= _K_FIRST:
                    raise src.unexpected(start, _expected(state, c_kind), [])
                try:
                    value: int | float = float(tok) if "." in tok or "e" in tok or "E" in tok else int(tok)
                except ValueError:
                    digits = len(tok.lstrip("-"))
                    raise src.error(f"Integer with {digits} digits is too long", start) from None
                node = new_node("number", line, start - line_start + 1, line, value)
            elif tok in literals and state < _K_FIRST:
                kind, literal = literals[tok]
                node = new_node(kind, line, start - line_start + 1, line, literal)
            else:
                raise src.unexpected(start, _expected(state, c_kind), [])

            # A value is complete: attach it to the current container.
            if c_kind == 1:
                c_list.append(node)
            elif c_kind == 2:
                c_list.append((key, key_line, node))
            else:
                root = node
            state = _AFTER

        if pos < end:  # whitespace (with a newline) left at the end of the chunk
            line += text.count("\n", pos, end)
            line_start = pos = end

    # Only whitespace is left.
    if state != _AFTER or c_kind != 0:
        frames = [*stack, (c_kind, c_list, c_keys, c_line, c_col, key, key_line, c_open)][1:]
        raise src.unexpected(size, _expected(state, c_kind), frames)
    assert root is not None
    duplicates.sort(key=_by_line)
    return ParsedJson(root, tuple(duplicates), had_bom)


_NUMBER_START = frozenset("-0123456789")


def _scan_string(src: _Source, start: int, end: int) -> str:
    """Decode (and validate) the string token at ``start``, or raise json's error for it."""
    try:
        string, stop = _scanstring(src.text, start + 1, True)
    except JSONDecodeError as exc:
        raise src.error(_string_error(exc.msg, src.text, exc.pos), exc.pos) from None
    if stop != end:  # the tokenizer and the scanner disagree: should not happen
        raise src.error("Invalid string", start)
    return string


def _string_error(message: str, text: str, pos: int) -> str:
    """json's string messages end in " at" (followed by a character offset); make them read well."""
    if message.startswith("Invalid control character"):
        return f"Invalid control character U+{ord(text[pos]):04X} in string (it must be escaped)"
    return message.removesuffix(" at")


def _by_line(duplicate: DuplicateKey) -> int:
    return duplicate.line


def _expected(state: int, c_kind: int) -> str:
    if state < _K_FIRST:
        return "value"
    if state < _COLON:
        return "key"
    if state == _COLON:
        return "colon"
    return "comma" if c_kind else "end"


def _close_error(src: _Source, pos: int, state: int, c_kind: int, bracket: str) -> JsonSyntaxError:
    if (state == _V_NEXT and bracket == "]") or (state == _K_NEXT and bracket == "}"):
        # The comma is the last non-blank character before the bracket.
        comma = src.text.rfind(",", 0, pos)
        what = "array" if bracket == "]" else "object"
        return src.error(f"Illegal trailing comma before end of {what}", comma)
    if state == _AFTER and c_kind:
        wanted = "]" if c_kind == 1 else "}"
        return src.error(f"Expecting ',' delimiter or '{wanted}', found '{bracket}'", pos)
    return src.unexpected(pos, _expected(state, c_kind), [])


def _record_duplicates(
    members: tuple[tuple[str, int, JsonNode], ...], stack: list[_Frame], out: list[DuplicateKey]
) -> None:
    # Each saved frame after the first is the parent of the next container; its list's
    # length (array) or pending key (object) names that child.
    path = tuple((len(frame[1]) if frame[0] == 1 else frame[5]) for frame in stack if frame[0] != 0)
    first: dict[str, int] = {}
    for key, key_line, _ in members:
        if key in first:
            out.append(DuplicateKey(key, key_line, first[key], path))
        else:
            first[key] = key_line
