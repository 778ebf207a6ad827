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
    Containers nest at most :data:`MAX_DEPTH` (500) deep; the 501st nested ``[`` or ``{`` is a
    :class:`JsonSyntaxError` at that bracket. Only json's C scanner recurses, once per level,
    within the recursion limit (a process whose own stack leaves it too little gets an error,
    never a partial result; under a limit raised past 10,000 the depth is checked first); the
    rest of the parser never recurses, and neither do :meth:`JsonNode.to_python`,
    :meth:`JsonNode.get` and :meth:`JsonNode.lookup`; the ``==``/``repr`` that ``dataclass``
    generates do recurse (fine for policies).

Numbers
    Integers are ``int``, numbers with a fraction or exponent are ``float`` (as in ``json``);
    ``1e400`` becomes ``float('inf')`` without error (rules must treat it as suspect).
    Integers longer than Python's ``int`` digit limit (4,300 digits) are a syntax error.

How it works
    json's C scanner decodes the text (objects as lists of pairs, duplicates kept); then the
    decoded value is walked in document order with a cursor in the text to find where each
    value is written (see ``_walk``). An error of the scanner is worded from what stands at its
    position (a comment, single quotes, a trailing comma, the wrong bracket, the end of the
    file). ``tests/jsonpos_oracle.py`` holds the reference tokenizer the tests compare this
    parser with. Figures: ``benchmarks/bench_jsonpos.py`` and ``benchmarks/README.md``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from json import decoder as _json_decoder
from json.decoder import JSONDecodeError
from sys import get_int_max_str_digits, getrecursionlimit
from typing import Any, Literal, NamedTuple, cast

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
MAX_DEPTH = 500

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


class DuplicateKey(NamedTuple):
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


class ParsedJson(NamedTuple):
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
# Parsing: values from json's C scanner, positions from a walk of the text


def parse_json(text: str | bytes) -> ParsedJson:
    """Parse one JSON document, keeping positions and duplicate keys.

    Bytes are decoded with :func:`decode_text`; a leading ``'\\ufeff'`` is skipped and
    reported as ``had_bom``. Raises :class:`JsonSyntaxError` for anything that is not strict
    JSON (see the module documentation), nested deeper than :data:`MAX_DEPTH`, or empty.

    json's C scanner decodes the text (objects as lists of pairs, duplicates kept), then
    :func:`_walk` finds where each decoded value is written. The scanner's errors are worded
    by :func:`_syntax_error`.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_text(bytes(text))
    origin = 1 if text.startswith("\ufeff") else 0
    if getrecursionlimit() > _SCANNER_RECURSION_LIMIT:
        _check_depth(text, origin)  # the scanner recurses in C: never deeper than MAX_DEPTH
    size = len(text)
    start = _BLANK.match(text, origin).end()  # type: ignore[union-attr]
    try:
        value, end = _scan_once(text, start)
    except StopIteration as exc:  # no value where one must be: the offset is its value
        raise _syntax_error(text, origin, "Expecting value", exc.value) from None
    except JSONDecodeError as exc:
        raise _syntax_error(text, origin, exc.msg, exc.pos) from None
    except RecursionError:
        _check_depth(text, origin)
        raise _error(text, origin, "Nesting too deep for this process's recursion limit", start) from None
    after = _BLANK.match(text, end).end()  # type: ignore[union-attr]
    if after != size:
        raise _syntax_error(text, origin, "Extra data", after)
    try:
        parsed = _walk(text, value, origin, end)
    except _Lost:
        parsed = None
    if parsed is None:  # the walk lost its place in the text: should not happen
        raise _error(text, origin, "Cannot locate the values in the text", start)
    return parsed


class _Lost(Exception):
    """A string token that does not decode to what the scanner decoded (should not happen)."""


class _Invalid:
    """What the scanner decoded where strict JSON has no value: NaN or Infinity, or an integer
    longer than Python's digit limit. The walk raises ``message`` at its position."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _invalid_constant(name: str) -> _Invalid:
    return _Invalid("NaN and Infinity are not valid JSON numbers")


def _parse_int(digits: str) -> int | _Invalid:
    try:
        return int(digits)
    except ValueError:  # over the digit limit
        return _Invalid(f"Integer with {len(digits.lstrip('-'))} digits is too long")


class _Members(list[tuple[str, Any]]):
    """The (key, value) pairs of a decoded object, in order and with every duplicate.

    json's ``object_pairs_hook``; a list (not a tuple), so that the walk can empty each
    container once it is done with it: the decoded values are freed as the nodes are built.
    """

    __slots__ = ()


# ``scan_once(text, offset)`` returns (value, end offset) of the value at ``offset`` and ignores
# what follows; objects come back as _Members, arrays as lists. (Not in typeshed.)
_scan_once: Callable[[str, int], tuple[Any, int]] = _json_decoder.JSONDecoder(  # type: ignore[attr-defined]
    object_pairs_hook=_Members, parse_constant=_invalid_constant, parse_int=_parse_int, strict=True
).scan_once
_BLANK = re.compile(r"[ \t\n\r]*")
# The scanner recurses in C once per nesting level, as deep as the recursion limit lets it
# (then RecursionError): about 100 bytes of C stack a level, a crash near 100,000 levels in an
# 8 MiB stack. Under a limit raised beyond this, the depth is checked before the scanner runs.
_SCANNER_RECURSION_LIMIT = 10_000
# A number, true, false or null, after what may precede it. ``[0-9]`` and not ``\d``: ``\d``
# matches non-ASCII digits in str patterns.
_WORD = re.compile(r"[ \t\n\r,:]*(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)")
# What an _Invalid value was decoded from.
_INVALID_WORD = re.compile(r"[ \t\n\r,:]*(NaN|-?Infinity|-?[0-9]+)")
# Strings (one not closed before the end runs to it), and the tokens of values strict JSON has not
# (an integer when it is too long).
_INVALID_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"?|(?P<constant>NaN|-?Infinity)'
    r"|(?P<integer>-?(?:0|[1-9][0-9]*))(?![0-9.eE])|-?[0-9][0-9.eE+-]*",
    re.S,
)
# Brackets outside strings (an unterminated string runs to the end).
_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)

# A suspended container of the walk: (kind 0 root / 1 array / 2 object, its nodes or members
# so far, the iterator over its other children, line, column, pending key, key line, value).
_Walk = tuple[int, list[Any], Iterator[tuple[str | None, Any]], int, int, str | None, int, Any]


def _position(text: str, origin: int, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    line_start = max(text.rfind("\n", 0, pos) + 1, origin)
    return line, pos - line_start + 1


def _error(text: str, origin: int, message: str, pos: int) -> JsonSyntaxError:
    line, col = _position(text, origin, pos)
    return JsonSyntaxError(message, line, col)


def _syntax_error(text: str, origin: int, message: str, pos: int) -> JsonSyntaxError:
    """json's error ``message`` at ``pos``, worded for people: what stands there (a comment, single
    quotes, a trailing comma, the wrong closing bracket, the end of the file) is named."""
    size = len(text)
    invalid = _first_invalid(text, origin, pos)
    if invalid is not None:  # the scanner decoded it before it stopped: it comes first
        return invalid
    if message.startswith(("Unterminated string", "Invalid control character", "Invalid \\")):
        return _error(text, origin, _string_error(message, text, pos), pos)
    if text.startswith('"', pos):  # a string where none may stand: its own error comes first
        try:
            _scanstring(text, pos + 1, True)
        except JSONDecodeError as exc:
            return _error(text, origin, _string_error(exc.msg, text, exc.pos), exc.pos)
    if pos >= size:
        opened = _open_brackets(text, origin)
        if opened:
            line, col = _position(text, origin, opened[-1])
            return _error(text, origin, f"Unexpected end of file: '{text[opened[-1]]}' opened at line {line} "
                          f"column {col} is not closed", pos)
        if pos == origin:
            return _error(text, origin, "Empty file: expecting a JSON value", pos)
        return _error(text, origin, "Expecting value (the file holds only whitespace)", pos)
    if text.startswith(("//", "/*"), pos):
        return _error(text, origin, "Comments are not allowed in JSON", pos)
    char = text[pos]
    before = text[:pos].rstrip(" \t\n\r")[-1:]
    if before == "," and ((char == "]" and message == "Expecting value")
                          or (char == "}" and message.startswith("Expecting property name"))):
        what = "array" if char == "]" else "object"
        return _error(text, origin, f"Illegal trailing comma before end of {what}", text.rfind(",", 0, pos))
    if message == "Expecting value":
        if text.startswith(("NaN", "Infinity", "-Infinity"), pos):
            return _error(text, origin, "NaN and Infinity are not valid JSON numbers", pos)
        if char == "'":
            return _error(text, origin, "Expecting value: strings must be enclosed in double quotes", pos)
    elif message == "Expecting ',' delimiter" or message == "Extra data":
        if (char == "]" or char == "}") and message != "Extra data":
            wanted = "}" if char == "]" else "]"
            return _error(text, origin, f"Expecting ',' delimiter or '{wanted}', found '{char}'", pos)
        if _is_letter(char) and pos > origin and _is_letter(text[pos - 1]):
            # a word that starts like true, false or null ("truex"): not a value at all
            start = pos
            while start > origin and _is_letter(text[start - 1]):
                start -= 1
            return _error(text, origin, "Expecting value", start)
    return _error(text, origin, message, pos)


def _first_invalid(text: str, origin: int, stop: int) -> JsonSyntaxError | None:
    """The error of the first NaN, Infinity or over-long integer before ``stop`` (in a text the
    scanner read up to ``stop``), or None."""
    limit = get_int_max_str_digits()
    for match in _INVALID_TOKEN.finditer(text, origin, stop):
        if match["constant"]:
            return _error(text, origin, "NaN and Infinity are not valid JSON numbers", match.start())
        digits = match["integer"]
        if digits and limit and len(digits.lstrip("-")) > limit:
            return _error(text, origin, f"Integer with {len(digits.lstrip('-'))} digits is too long", match.start())
    return None


def _is_letter(char: str) -> bool:
    return "a" <= char <= "z" or "A" <= char <= "Z"


def _string_error(message: str, text: str, pos: int) -> str:
    """json's string messages end in " at" (followed by a character offset); make them read well."""
    if message.startswith("Invalid control character"):
        return f"Invalid control character U+{ord(text[pos]):04X} in string (it must be escaped)"
    return message.removesuffix(" at")


def _open_brackets(text: str, origin: int) -> list[int]:
    """Offsets of the brackets still open at the end of ``text`` (outermost first), for a text the
    scanner read up to its end."""
    stack: list[int] = []
    for match in _BRACKET.finditer(text, origin):
        char = text[match.start()]
        if char == "[" or char == "{":
            stack.append(match.start())
        elif (char == "]" or char == "}") and stack:
            stack.pop()
    return stack


def _check_depth(text: str, origin: int) -> None:
    """Raise the error for the first bracket nested deeper than MAX_DEPTH, if there is one."""
    depth = 0
    for match in _BRACKET.finditer(text, origin):
        char = text[match.start()]
        if char == "[" or char == "{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _error(text, origin, f"Nesting deeper than {MAX_DEPTH} arrays and objects", match.start())
        elif char == "]" or char == "}":
            depth -= 1


def _by_line(duplicate: DuplicateKey) -> int:
    return duplicate.line


def _walk(text: str, value: Any, origin: int, end: int) -> ParsedJson | None:
    """The tree of ``value`` (decoded from ``text[origin:end]`` by the scanner) with positions.

    The value is walked in document order with a cursor in the text. The scanner accepted the
    text, so its tokens come in the order of the walk with only blanks and a comma or colon
    between two of them: a string starts at the next ``"``, a bracket is the next one of its
    kind, a number or word is the next match of ``_WORD``. When the text holds no backslash,
    no string has an escape and a string token is its value between quotes; otherwise json's
    ``scanstring`` finds where the token ends (and must decode it to the value). A token past
    the newline that ends the current line is on a later line (strings hold no newline):
    usually the next one, else the newlines are counted. Nesting past MAX_DEPTH and the
    values strict JSON has not (:class:`_Invalid`) raise JsonSyntaxError at their position; None
    when the walk does not end where the scanner did or a word is not what was decoded.
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
        start = find("{" if kind is _Members else "[", cur)
        if start < 0:
            return None
        if start > eol:
            line, line_start, eol = _newlines(text, eol, start, line)
        if len(stack) >= MAX_DEPTH:
            raise JsonSyntaxError(f"Nesting deeper than {MAX_DEPTH} arrays and objects", line, start - line_start + 1)
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
        raise _Lost from None
    if decoded != value:
        raise _Lost
    return end


def _word(
    text: str, value: Any, cur: int, line: int, line_start: int, eol: int
) -> tuple[JsonNode, int, int, int, int] | None:
    """The node of the number, true, false or null next after ``cur``; the new cursor and line.
    Raises the error of an :class:`_Invalid` value at its position."""
    if type(value) is _Invalid:
        invalid = _INVALID_WORD.match(text, cur)
        start = invalid.start(1) if invalid else cur
        if start > eol:
            line, line_start, eol = _newlines(text, eol, start, line)
        raise JsonSyntaxError(value.message, line, start - line_start + 1)
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




def _record_duplicates(
    members: tuple[tuple[str, int, JsonNode], ...],
    stack: Sequence[tuple[Any, ...]],
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
