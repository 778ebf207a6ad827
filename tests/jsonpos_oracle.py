"""The reference JSON parser with positions: the test oracle of :mod:`checker.sources.jsonpos`.

A tokenizer loop over the text that names every error's line and column, kept here (not in the
package) as the independent reading that ``tests/test_jsonpos.py`` compares the production parser
with, on valid and on broken texts. It was the package's fallback parser; the production parser
is json's C scanner and a walk of the text (:func:`checker.sources.jsonpos.parse_json`).
"""

from __future__ import annotations

import re
from json.decoder import JSONDecodeError
from typing import Any, Literal

from checker.sources.jsonpos import (
    MAX_DEPTH,
    DuplicateKey,
    JsonNode,
    JsonSyntaxError,
    ParsedJson,
    _record_duplicates,
    _scanstring,
)

JsonKind = Literal["object", "array", "string", "number", "true", "false", "null"]


def parse_reference(text: str | bytes) -> ParsedJson:
    """What :func:`checker.sources.jsonpos.parse_json` must return (or raise) for ``text``."""
    from checker.sources.jsonpos import decode_text

    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_text(bytes(text))
    return _parse_reference(text)


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


def _by_line(duplicate: DuplicateKey) -> int:
    return duplicate.line
