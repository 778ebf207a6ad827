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
    is a :class:`JsonSyntaxError` at that bracket. Only json's C scanner (the fast path, see
    Speed) recurses, once per level and no deeper than the recursion limit allows (under a
    limit raised past 10,000 it is not used); the rest of the parser never recurses, and
    neither do :meth:`JsonNode.to_python`, :meth:`JsonNode.get` and :meth:`JsonNode.lookup`;
    the ``==``/``repr`` that ``dataclass`` generates do recurse (fine for policies).

Numbers
    Integers are ``int``, numbers with a fraction or exponent are ``float`` (as in ``json``);
    ``1e400`` becomes ``float('inf')`` without error (rules must treat it as suspect).
    Integers longer than Python's ``int`` digit limit (4,300 digits) are a syntax error.

Speed
    Two parsers give equal results. The fast path lets json's C scanner decode the text
    (objects as lists of pairs, duplicates kept), then walks the decoded value in document
    order with a cursor in the text to find where each value is written (see ``_walk``).
    Texts it declines (whatever the scanner rejects, NaN and Infinity, over-long integers,
    deep nesting) go to the reference parser, which names the error: one compiled regular
    expression tokenizes with ``findall`` over chunks of about 256K characters (ending after
    a newline); strings without escapes are sliced out directly, others go to json's C
    ``scanstring``; lines are counted from the whitespace between tokens. Figures:
    ``benchmarks/bench_jsonpos.py`` and ``benchmarks/README.md``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from json import decoder as _json_decoder
from json.decoder import JSONDecodeError
from sys import getrecursionlimit
from typing import Any, Literal, cast

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
    parsed = _parse_fast(text)
    return parsed if parsed is not None else _parse_reference(text)


# ---------------------------------------------------------------------------------------------
# The fast path: values from json's C scanner, positions from a walk of the text


class _Rejected(Exception):
    """``NaN``, ``Infinity`` or ``-Infinity``: left to the reference parser, which names them."""


def _reject_constant(name: str) -> Any:
    raise _Rejected(name)


class _Members(list[tuple[str, Any]]):
    """The (key, value) pairs of a decoded object, in order and with every duplicate.

    json's ``object_pairs_hook``; a list (not a tuple), so that the walk can empty each
    container once it is done with it: the decoded values are freed as the nodes are built.
    """

    __slots__ = ()


# ``scan_once(text, offset)`` returns (value, end offset) of the value at ``offset`` and ignores
# what follows; objects come back as _Members, arrays as lists. (Not in typeshed.)
_scan_once: Callable[[str, int], tuple[Any, int]] = _json_decoder.JSONDecoder(  # type: ignore[attr-defined]
    object_pairs_hook=_Members, parse_constant=_reject_constant, strict=True
).scan_once
_BLANK = re.compile(r"[ \t\n\r]*")
# The scanner recurses in C once per nesting level, as deep as the recursion limit lets it
# (then RecursionError): about 100 bytes of C stack a level, a crash near 100,000 levels in an
# 8 MiB stack. Under a limit raised beyond this, the reference parser (which never recurses)
# reads every text.
_SCANNER_RECURSION_LIMIT = 10_000
# A number, true, false or null, after what may precede it (``[0-9]``: see _TOKEN).
_WORD = re.compile(r"[ \t\n\r,:]*(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)")

# A suspended container of the walk: (kind 0 root / 1 array / 2 object, its nodes or members
# so far, the iterator over its other children, line, column, pending key, key line, value).
# Items 0, 1 and 5 mean what they mean in a _Frame (for _record_duplicates).
_Walk = tuple[int, list[Any], Iterator[tuple[str | None, Any]], int, int, str | None, int, Any]


def _parse_fast(text: str) -> ParsedJson | None:
    """What :func:`_parse_reference` returns for ``text``, or None to leave the text to it.

    json's C scanner decodes the text; anything it rejects, NaN and Infinity, an integer over
    the digit limit and nesting it cannot recurse into give None, for the reference parser to
    name the error. Then :func:`_walk` finds where each decoded value is written.
    """
    if getrecursionlimit() > _SCANNER_RECURSION_LIMIT:
        return None
    origin = 1 if text.startswith("\ufeff") else 0
    size = len(text)
    try:
        value, end = _scan_once(text, _BLANK.match(text, origin).end())  # type: ignore[union-attr]
    except (StopIteration, ValueError, RecursionError, _Rejected):
        return None
    if end != size and _BLANK.match(text, end).end() != size:  # type: ignore[union-attr]
        return None
    try:
        return _walk(text, value, origin, end)
    except _Rejected:  # a string that is not what the scanner decoded: should not happen
        return None


def _walk(text: str, value: Any, origin: int, end: int) -> ParsedJson | None:
    """The tree of ``value`` (decoded from ``text[origin:end]`` by the scanner) with positions.

    The value is walked in document order with a cursor in the text. The scanner accepted the
    text, so its tokens come in the order of the walk with only blanks and a comma or colon
    between two of them: a string starts at the next ``"``, a bracket is the next one of its
    kind, a number or word is the next match of ``_WORD``. When the text holds no backslash,
    no string has an escape and a string token is its value between quotes; otherwise json's
    ``scanstring`` finds where the token ends (and must decode it to the value). A token past
    the newline that ends the current line is on a later line (strings hold no newline):
    usually the next one, else the newlines are counted. None when the walk does not end
    where the scanner did, a word is not what was decoded, or nesting passes MAX_DEPTH.
    """
    plain = "\\" not in text
    find = text.find
    no_keys = repeat(None)
    cur = origin  # offset just after the last token located
    line = 1
    line_start = origin  # offset of the current line's first character
    eol = find("\n", origin)  # offset of the newline that ends the current line
    if eol < 0:
        eol = len(text)
    duplicates: list[DuplicateKey] = []
    stack: list[_Walk] = []

    # The current container, kept in locals: its kind, nodes or members so far, the iterator
    # over its (key, value) children (None for the key of an item), line, column and value.
    # The document's value is the only child of a root.
    c_kind = 0
    c_list: list[Any] = []
    c_iter: Iterator[tuple[str | None, Any]] = iter(((None, value),))
    c_line = c_col = 0
    c_value: Any = None
    key: str | None = None
    key_line = 0
    node: JsonNode
    while True:
        for key, child in c_iter:
            if key is not None:
                start = find('"', cur)
                if start < 0:
                    return None
                if start > eol:
                    line, line_start, eol = _newlines(text, eol, start, line)
                cur = start + 2 + len(key) if plain else _string_end(text, start, key)
                key_line = line
            kind = type(child)
            if kind is str:
                start = find('"', cur)
                if start < 0:
                    return None
                if start > eol:
                    line, line_start, eol = _newlines(text, eol, start, line)
                cur = start + 2 + len(child) if plain else _string_end(text, start, child)
                node = JsonNode("string", line, start - line_start + 1, line, child)
            elif kind is _Members or kind is list:
                break
            else:
                found = _word(text, child, cur, line, line_start, eol)
                if found is None:
                    return None
                node, cur, line, line_start, eol = found
            c_list.append(node if key is None else (key, key_line, node))
        else:
            # No more children: the closing bracket.
            if c_kind == 0:
                break
            start = find("}" if c_kind == 2 else "]", cur)
            if start < 0:
                return None
            if start > eol:
                line, line_start, eol = _newlines(text, eol, start, line)
            cur = start + 1
            if c_kind == 2:
                members = tuple(c_list)
                node = JsonNode("object", c_line, c_col, line, None, (), members)
                if len(dict(c_value)) != len(members):
                    _record_duplicates(members, stack, duplicates)
            else:
                node = JsonNode("array", c_line, c_col, line, None, tuple(c_list))
            c_value.clear()  # its values are in the nodes now
            c_kind, c_list, c_iter, c_line, c_col, key, key_line, c_value = stack.pop()
            c_list.append(node if key is None else (key, key_line, node))
            continue

        # The loop stopped at a container (``child``): its opening bracket.
        if len(stack) >= MAX_DEPTH:
            return None
        start = find("{" if kind is _Members else "[", cur)
        if start < 0:
            return None
        if start > eol:
            line, line_start, eol = _newlines(text, eol, start, line)
        cur = start + 1
        stack.append((c_kind, c_list, c_iter, c_line, c_col, key, key_line, c_value))
        if kind is _Members:
            c_kind = 2
            c_iter = iter(child)
        else:
            c_kind = 1
            c_iter = zip(no_keys, child, strict=False)
        c_list = []
        c_line = line
        c_col = start - line_start + 1
        c_value = child

    if cur != end:
        return None
    duplicates.sort(key=_by_line)
    return ParsedJson(c_list[0], tuple(duplicates), origin == 1)


def _newlines(text: str, eol: int, start: int, line: int) -> tuple[int, int, int]:
    """The line, its start and its end (newline or end of text) at ``start``, after ``eol``."""
    following = text.find("\n", eol + 1)
    if start < following:  # the next line: the common case in indented JSON
        return line + 1, eol + 1, following
    line += text.count("\n", eol, start)
    line_start = text.rfind("\n", eol, start) + 1
    eol = text.find("\n", start)
    return line, line_start, eol if eol >= 0 else len(text)


def _string_end(text: str, start: int, value: str) -> int:
    """The end of the string token at ``start``, which must decode to ``value``."""
    try:
        decoded, end = _scanstring(text, start + 1, True)
    except JSONDecodeError:
        raise _Rejected(value) from None
    if decoded != value:
        raise _Rejected(value)
    return end


def _word(
    text: str, value: Any, cur: int, line: int, line_start: int, eol: int
) -> tuple[JsonNode, int, int, int, int] | None:
    """The node of the number, true, false or null next after ``cur``; the new cursor and line."""
    match = _WORD.match(text, cur)
    if match is None:
        return None
    start, end = match.span(1)
    token = match[1]
    kind: JsonKind
    if value is True or value is False or value is None:
        kind = "true" if value is True else "false" if value is False else "null"
        if token != kind:
            return None
    elif (type(value) is float) == ("." in token or "e" in token or "E" in token):
        kind = "number"
    else:
        return None
    if start > eol:
        line, line_start, eol = _newlines(text, eol, start, line)
    return JsonNode(kind, line, start - line_start + 1, line, value), end, line, line_start, eol


# ---------------------------------------------------------------------------------------------
# The reference parser: a tokenizer loop that names every error


def _parse_reference(text: str) -> ParsedJson:
    """Parse ``text`` token by token: the parser that names every error's line and column.

    :func:`parse_json` calls it for every text the fast path declines; for the others the
    two give equal results (``tests/test_jsonpos.py`` checks this).
    """
    had_bom = text.startswith("\ufeff")
    origin = 1 if had_bom else 0
    src = _Source(text, origin)
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
                    node = JsonNode("string", line, start - line_start + 1, line, string)
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
                    node = JsonNode("array", c_line, c_col, line, None, tuple(c_list))
                else:
                    if not (c_kind == 2 and state in (_AFTER, _K_FIRST)):
                        raise _close_error(src, start, state, c_kind, char)
                    members = tuple(c_list)
                    node = JsonNode("object", c_line, c_col, line, None, (), members)
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
                node = JsonNode("number", line, start - line_start + 1, line, value)
            elif tok in literals and state < _K_FIRST:
                kind, literal = literals[tok]
                node = JsonNode(kind, line, start - line_start + 1, line, literal)
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
    members: tuple[tuple[str, int, JsonNode], ...],
    stack: Sequence[_Frame | _Walk],
    out: list[DuplicateKey],
) -> None:
    # Each saved frame after the first is the parent of the next container; its list's
    # length (array) or pending key (object) names that child.
    path = tuple(
        (len(frame[1]) if frame[0] == 1 else cast(str, frame[5])) for frame in stack if frame[0] != 0
    )
    first: dict[str, int] = {}
    for key, key_line, _ in members:
        if key in first:
            out.append(DuplicateKey(key, key_line, first[key], path))
        else:
            first[key] = key_line
